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
