import { ElMessage } from 'element-plus'
import { i18n } from '../i18n'

/** Copy text to the clipboard (falls back to execCommand on plain-http pages) and say so. */
export async function copyText(text: string) {
  const t = i18n.global.t
  try {
    if (navigator.clipboard && window.isSecureContext) await navigator.clipboard.writeText(text)
    else {
      const ta = document.createElement('textarea')
      ta.value = text
      ta.style.position = 'fixed'
      ta.style.opacity = '0'
      document.body.appendChild(ta)
      ta.select()
      const ok = document.execCommand('copy')
      document.body.removeChild(ta)
      if (!ok) throw new Error('copy')
    }
    ElMessage({ type: 'success', message: t('common.copied') })
  } catch {
    ElMessage({ type: 'warning', message: t('common.copyFailed') })
  }
}
