import { session } from '../session'

/** Format epoch milliseconds in the tenant's time zone. */
export function fmtTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || ms === 0) return '-'
  const tz = session.me?.tenant?.timezone || undefined
  const opts: Intl.DateTimeFormatOptions = {
    year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
  }
  try {
    return new Intl.DateTimeFormat('sv-SE', { ...opts, timeZone: tz }).format(new Date(ms))
  } catch {
    return new Intl.DateTimeFormat('sv-SE', opts).format(new Date(ms))
  }
}

export function errMessage(e: unknown): string {
  if (e && typeof e === 'object' && 'message' in e) return String((e as Error).message)
  return String(e)
}

/** Format epoch milliseconds in the browser's locale (date and time, tenant time zone). */
export function fmtLocaleTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || ms === 0) return '-'
  const tz = session.me?.tenant?.timezone || undefined
  const opts: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'medium' }
  try {
    return new Intl.DateTimeFormat(undefined, { ...opts, timeZone: tz }).format(new Date(ms))
  } catch {
    return new Intl.DateTimeFormat(undefined, opts).format(new Date(ms))
  }
}

/** Seconds as hh:mm:ss (hours grow past 99 when needed). */
export function fmtDuration(sec: number | null | undefined): string {
  if (sec === null || sec === undefined || !Number.isFinite(sec) || sec < 0) return '-'
  const s = Math.floor(sec)
  const p = (n: number) => String(n).padStart(2, '0')
  return `${p(Math.floor(s / 3600))}:${p(Math.floor((s % 3600) / 60))}:${p(s % 60)}`
}

/** A random SIP password: 16 letters and digits (no look-alikes), from the browser's CSPRNG. */
export function randomPassword(len = 16): string {
  const A = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789'
  const buf = new Uint32Array(len)
  crypto.getRandomValues(buf)
  return Array.from(buf, (x) => A[x % A.length]).join('')
}

/** Time of day only (browser locale, tenant time zone), for rows under a dated header. */
export function fmtLocaleClock(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || ms === 0) return '-'
  const tz = session.me?.tenant?.timezone || undefined
  const opts: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', second: '2-digit' }
  try {
    return new Intl.DateTimeFormat(undefined, { ...opts, timeZone: tz }).format(new Date(ms))
  } catch {
    return new Intl.DateTimeFormat(undefined, opts).format(new Date(ms))
  }
}
