import type { ErrorBody } from './types'

/** An error answer of the API: `{"error":{"code","message"}}` with its HTTP status. */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  /** The whole error answer, for errors that carry more than code and message (e.g. `errors` of invalid_flow). */
  readonly body: unknown
  constructor(status: number, code: string, message: string, body?: unknown) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.body = body
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>

export interface RequestOptions {
  query?: Query
  body?: unknown
  /** A file sent as the raw body (uploads), instead of JSON. */
  file?: Blob
  /** Do not send the user to the login page on 401 (login itself, password change). */
  noAuthRedirect?: boolean
}

let onUnauthenticated: (() => void) | null = null
/** Called on a 401 answer (the session ended); the app sends the user to login. */
export function setUnauthenticatedHandler(fn: () => void) {
  onUnauthenticated = fn
}

export function buildQuery(query?: Query): string {
  if (!query) return ''
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue
    p.append(k, String(v))
  }
  const s = p.toString()
  return s ? `?${s}` : ''
}

async function send(method: string, path: string, opts: RequestOptions, accept: string): Promise<Response> {
  const headers: Record<string, string> = { Accept: accept }
  let body: string | Blob | undefined
  if (opts.file !== undefined) {
    headers['Content-Type'] = opts.file.type.startsWith('audio/') ? opts.file.type : 'application/octet-stream'
    body = opts.file
  } else if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(opts.body)
  }
  try {
    return await fetch(path + buildQuery(opts.query), {
      method,
      headers,
      body,
      credentials: 'same-origin',
    })
  } catch (e) {
    throw new ApiError(0, 'network', (e as Error).message || 'network error')
  }
}

/** A binary answer (audio...); errors are the usual JSON errors. */
export async function requestBlob(method: string, path: string, opts: RequestOptions = {}): Promise<Blob> {
  const res = await send(method, path, opts, '*/*')
  if (res.ok) return res.blob()
  return parseAnswer<Blob>(res, opts)
}

/** The one way the console talks to the daemon. */
export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await send(method, path, opts, 'application/json')
  if (res.status === 204) return undefined as T
  return parseAnswer<T>(res, opts)
}

async function parseAnswer<T>(res: Response, opts: RequestOptions): Promise<T> {
  const text = await res.text()
  let data: unknown = undefined
  if (text) {
    try {
      data = JSON.parse(text)
    } catch {
      data = undefined
    }
  }
  if (!res.ok) {
    const err = (data as ErrorBody | undefined)?.error
    const apiErr = new ApiError(
      res.status,
      err?.code ?? `http_${res.status}`,
      err?.message ?? (text || res.statusText || `HTTP ${res.status}`),
      data,
    )
    if (res.status === 401 && !opts.noAuthRedirect && onUnauthenticated) onUnauthenticated()
    throw apiErr
  }
  return data as T
}
