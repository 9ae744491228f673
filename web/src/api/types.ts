// Types written from docs/openapi.yaml (components/schemas). Keep them in step.

/** UUIDv7 string. */
export type Id = string
/** Milliseconds since the Unix epoch (UTC). */
export type Millis = number

export type ErrorCode =
  | 'bad_json' | 'unknown_field' | 'invalid_field' | 'missing_field' | 'bad_query'
  | 'unauthenticated' | 'bad_credentials' | 'bad_signature' | 'signature_expired'
  | 'forbidden' | 'ip_not_allowed' | 'tenant_disabled'
  | 'not_found' | 'method_not_allowed' | 'conflict' | 'body_too_large'
  | 'unsupported_media_type' | 'login_locked' | 'internal' | 'unavailable'

export interface ErrorBody {
  error: { code: ErrorCode | string; message: string }
}

export interface ListMeta {
  total: number
  page: number
  page_size: number
}
export interface List<T> extends ListMeta {
  items: T[]
}

/** Common list query parameters (docs/api.md "Lists"). */
export interface ListQuery {
  page?: number
  page_size?: number
  sort?: string
  order?: 'asc' | 'desc'
  q?: string
}

export interface Health {
  status: string
  version: string
  db: string
}

export type Access = 'rw' | 'ro'
export type PermissionKey = 'departments' | 'users' | 'roles' | 'api_keys' | 'security' | 'logs'
/** Menu key → access; a key not present is not granted. */
export type PermissionMap = Partial<Record<PermissionKey | string, Access>>
export type DataScope = 'department' | 'department_tree' | 'tenant'

export interface PermissionKeyItem {
  key: PermissionKey | string
  module: string
}
export interface PermissionKeyList {
  items: PermissionKeyItem[]
}

export interface LoginRequest {
  tenant: string
  username: string
  password: string
}
export interface LoginResponse {
  token: string
  expires_at: Millis
  user: User
  tenant: Tenant
  permissions: PermissionMap
  data_scope: DataScope
}
export interface Me {
  user: User
  tenant: Tenant
  permissions: PermissionMap
  data_scope: DataScope
}
export interface PasswordChange {
  old_password: string
  new_password: string
}

export interface Tenant {
  id: Id
  code: string
  name: string
  timezone: string
  enabled: boolean
  created_at: Millis
  updated_at: Millis
}
export interface TenantCreate {
  code: string
  name: string
  timezone?: string
  enabled?: boolean
  admin_username?: string
  admin_password: string
}
export interface TenantUpdate {
  name?: string
  timezone?: string
  enabled?: boolean
}
export interface TenantQuery extends ListQuery {
  enabled?: boolean
}

export interface Department {
  id: Id
  name: string
  parent_id: Id | null
  created_at: Millis
  updated_at: Millis
}
export interface DepartmentCreate {
  name: string
  parent_id?: Id | null
}
export interface DepartmentUpdate {
  name?: string
  parent_id?: Id | null
}
export interface DepartmentQuery extends ListQuery {
  parent_id?: Id
}

export interface User {
  id: Id
  username: string
  display_name: string
  email: string
  department_id: Id | null
  role_ids: Id[]
  enabled: boolean
  created_at: Millis
  updated_at: Millis
  last_login_at: Millis | null
}
export interface UserCreate {
  username: string
  display_name?: string
  email?: string
  department_id?: Id | null
  role_ids?: Id[]
  enabled?: boolean
  password: string
}
export interface UserUpdate {
  username?: string
  display_name?: string
  email?: string
  department_id?: Id | null
  role_ids?: Id[]
  enabled?: boolean
  password?: string
}
export interface UserQuery extends ListQuery {
  department_id?: Id
  enabled?: boolean
  role_id?: Id
}

export interface Role {
  id: Id
  name: string
  builtin: boolean
  permissions: PermissionMap
  data_scope: DataScope
  created_at: Millis
  updated_at: Millis
}
export interface RoleCreate {
  name: string
  permissions?: PermissionMap
  data_scope?: DataScope
}
export interface RoleUpdate {
  name?: string
  permissions?: PermissionMap
  data_scope?: DataScope
}

export interface ApiKey {
  id: Id
  name: string
  role_id: Id
  valid_seconds: number
  enabled: boolean
  created_at: Millis
  last_used_at: Millis | null
}
export interface ApiKeyCreated extends ApiKey {
  /** Shown only in the create answer. */
  secret: string
}
export interface ApiKeyCreate {
  name: string
  role_id: Id
  valid_seconds?: number
}
export interface ApiKeyQuery extends ListQuery {
  role_id?: Id
  enabled?: boolean
}

export interface IpAllowlist {
  cidrs: string[]
}

export interface OperationLog {
  id: Id
  user_id: Id | null
  username: string
  action: string
  resource: string
  resource_id: Id | null
  before: Record<string, unknown> | null
  after: Record<string, unknown> | null
  ip: string
  created_at: Millis
}
export interface OperationLogQuery extends ListQuery {
  from?: Millis
  to?: Millis
  user_id?: Id
  resource?: string
  action?: string
}

export interface LoginLog {
  id: Id
  username: string
  user_id: Id | null
  ip: string
  ok: boolean
  reason: string | null
  created_at: Millis
}
export interface LoginLogQuery extends ListQuery {
  from?: Millis
  to?: Millis
  username?: string
  ok?: boolean
}
