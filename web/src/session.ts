import { computed, reactive } from 'vue'
import { api, ApiError } from './api'
import type { Access, Me } from './api'

/** The signed-in user as answered by GET /api/v1/auth/me. */
export const session = reactive<{ me: Me | null; loaded: boolean }>({ me: null, loaded: false })

export async function loadMe(): Promise<Me | null> {
  try {
    session.me = await api.me()
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) throw e
    session.me = null
  }
  session.loaded = true
  return session.me
}

export function clearSession() {
  session.me = null
  session.loaded = true
}

export const isOperator = computed(() => session.me?.tenant?.code === 'system')

/** Access of the signed-in user to a menu key; `tenants` is the operator's. */
export function access(key: string): Access | null {
  if (!session.me) return null
  if (key === 'tenants') return isOperator.value ? 'rw' : null
  const a = session.me.permissions?.[key]
  return a === 'rw' || a === 'ro' ? a : null
}
export const canWrite = (key: string) => access(key) === 'rw'
