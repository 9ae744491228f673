// Puts an API refusal next to the form field it is about. The daemon names the field in its
// message: "field 'max_wait_s': not less than ring_timeout_s", "queue name 'Sales' already
// exists", "number '8001' is taken by extension '8001'" (src/api/crud.c, dialplan.c).
import { nextTick, reactive } from 'vue'
import { ApiError } from '../api'

/** Which of `fields` an API error is about, or '' when it names none of them. */
export function errorField(e: unknown, fields: readonly string[]): string {
  if (!(e instanceof ApiError) || e.status < 400 || e.status >= 500) return ''
  const msg = e.message
  return fields.find((f) => msg.includes(`field '${f}'`)) ?? fields.find((f) => new RegExp(`(^|[ (])${f} '`).test(msg)) ?? ''
}

/** Error texts by field for `el-form-item :error`: `set(e)` files an API error under its field. */
export function useFieldErrors(fields: readonly string[]) {
  const errors = reactive<Record<string, string>>({})
  return {
    errors,
    clear: () => { for (const k of Object.keys(errors)) delete errors[k] },
    /** Files `e` under its field and scrolls that field into view; true when it named one. */
    set(e: unknown): boolean {
      const f = errorField(e, fields)
      if (f) {
        errors[f] = (e as Error).message
        nextTick(() => document.querySelector('.el-dialog .el-form-item.is-error')?.scrollIntoView({ block: 'center' }))
      }
      return !!f
    },
  }
}
