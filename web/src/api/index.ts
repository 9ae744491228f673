// Endpoint functions, one per operation of docs/openapi.yaml.
import { request } from './client'
import type * as T from './types'

export * from './types'
export { ApiError, request, setUnauthenticatedHandler } from './client'

const B = '/api/v1'
type Q = Record<string, string | number | boolean | null | undefined>
const q = (x?: object) => x as Q | undefined

export const api = {
  health: () => request<T.Health>('GET', `${B}/health`),

  login: (body: T.LoginRequest) =>
    request<T.LoginResponse>('POST', `${B}/auth/login`, { body, noAuthRedirect: true }),
  logout: () => request<void>('POST', `${B}/auth/logout`, { noAuthRedirect: true }),
  me: () => request<T.Me>('GET', `${B}/auth/me`, { noAuthRedirect: true }),
  changePassword: (body: T.PasswordChange) =>
    request<void>('POST', `${B}/auth/password`, { body, noAuthRedirect: true }),
  permissions: () => request<T.PermissionKeyList>('GET', `${B}/permissions`),

  tenants: {
    list: (query?: T.TenantQuery) => request<T.List<T.Tenant>>('GET', `${B}/tenants`, { query: q(query) }),
    get: (id: T.Id) => request<T.Tenant>('GET', `${B}/tenants/${id}`),
    create: (body: T.TenantCreate) => request<T.Tenant>('POST', `${B}/tenants`, { body }),
    update: (id: T.Id, body: T.TenantUpdate) => request<T.Tenant>('PATCH', `${B}/tenants/${id}`, { body }),
    remove: (id: T.Id) => request<void>('DELETE', `${B}/tenants/${id}`),
  },
  departments: {
    list: (query?: T.DepartmentQuery) =>
      request<T.List<T.Department>>('GET', `${B}/departments`, { query: q(query) }),
    get: (id: T.Id) => request<T.Department>('GET', `${B}/departments/${id}`),
    create: (body: T.DepartmentCreate) => request<T.Department>('POST', `${B}/departments`, { body }),
    update: (id: T.Id, body: T.DepartmentUpdate) =>
      request<T.Department>('PATCH', `${B}/departments/${id}`, { body }),
    remove: (id: T.Id) => request<void>('DELETE', `${B}/departments/${id}`),
  },
  users: {
    list: (query?: T.UserQuery) => request<T.List<T.User>>('GET', `${B}/users`, { query: q(query) }),
    get: (id: T.Id) => request<T.User>('GET', `${B}/users/${id}`),
    create: (body: T.UserCreate) => request<T.User>('POST', `${B}/users`, { body }),
    update: (id: T.Id, body: T.UserUpdate) => request<T.User>('PATCH', `${B}/users/${id}`, { body }),
    remove: (id: T.Id) => request<void>('DELETE', `${B}/users/${id}`),
  },
  roles: {
    list: (query?: T.ListQuery) => request<T.List<T.Role>>('GET', `${B}/roles`, { query: q(query) }),
    get: (id: T.Id) => request<T.Role>('GET', `${B}/roles/${id}`),
    create: (body: T.RoleCreate) => request<T.Role>('POST', `${B}/roles`, { body }),
    update: (id: T.Id, body: T.RoleUpdate) => request<T.Role>('PATCH', `${B}/roles/${id}`, { body }),
    remove: (id: T.Id) => request<void>('DELETE', `${B}/roles/${id}`),
  },
  apiKeys: {
    list: (query?: T.ApiKeyQuery) => request<T.List<T.ApiKey>>('GET', `${B}/api-keys`, { query: q(query) }),
    get: (id: T.Id) => request<T.ApiKey>('GET', `${B}/api-keys/${id}`),
    create: (body: T.ApiKeyCreate) => request<T.ApiKeyCreated>('POST', `${B}/api-keys`, { body }),
    revoke: (id: T.Id) => request<void>('DELETE', `${B}/api-keys/${id}`),
  },
  security: {
    getIpAllowlist: () => request<T.IpAllowlist>('GET', `${B}/security/ip-allowlist`),
    putIpAllowlist: (body: T.IpAllowlist) => request<T.IpAllowlist>('PUT', `${B}/security/ip-allowlist`, { body }),
  },
  logs: {
    operations: (query?: T.OperationLogQuery) =>
      request<T.List<T.OperationLog>>('GET', `${B}/logs/operations`, { query: q(query) }),
    logins: (query?: T.LoginLogQuery) =>
      request<T.List<T.LoginLog>>('GET', `${B}/logs/logins`, { query: q(query) }),
  },
}

/** Fetch every page of a list endpoint (page_size 500). */
export async function listAll<R>(fn: (query: T.ListQuery) => Promise<T.List<R>>, query: object = {}): Promise<R[]> {
  const out: R[] = []
  for (let page = 1; page < 1000; page++) {
    const r = await fn({ ...query, page, page_size: 500 })
    out.push(...r.items)
    if (r.items.length === 0 || out.length >= r.total) break
  }
  return out
}
