import { ElMessage } from 'element-plus'
import { ApiError } from '../api'
import { i18n } from '../i18n'

/** Show an API error with the server's message (nothing for 401: the app goes to login). */
export function showError(e: unknown) {
  if (e instanceof ApiError) {
    if (e.status === 401 && e.code === 'unauthenticated') return
    const msg = e.status === 0 ? i18n.global.t('errors.network') : e.message
    ElMessage({ type: 'error', message: msg, customClass: 'api-error', duration: 5000, showClose: true })
    return
  }
  ElMessage({ type: 'error', message: String((e as Error)?.message ?? e), duration: 5000, showClose: true })
}
export function showOk(msg: string) {
  ElMessage({ type: 'success', message: msg, duration: 2000 })
}
