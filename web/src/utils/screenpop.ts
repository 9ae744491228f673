// The workbench's screen pop (docs/guide.md, "The agent workbench"): a queue's URL template
// (queues.screen_pop_url, http(s) only) with ${name} variables, filled in here in the browser with
// the offered call's values, each URL-encoded. Unknown names become empty.

/** The call's own variables; the IVR flow's variables are available by their names too. */
export const SCREEN_POP_VARS = ['caller', 'caller_name', 'callee', 'call_id', 'queue_id', 'queue_name', 'agent_no'] as const
export const SCREEN_POP_VAR_LIST = SCREEN_POP_VARS.map((v) => '${' + v + '}').join(', ')
export const SCREEN_POP_EXAMPLE = 'https://crm.example/contact?phone=${caller}&queue=${queue_id}'

/** The URL for a call, or '' when the template is empty or the result is not an http(s) URL. */
export function fillScreenPop(template: string, values: Record<string, unknown>): string {
  if (!template) return ''
  const url = template.replace(/\$\{([A-Za-z0-9_.]+)\}/g, (_, name: string) => {
    const v = values[name]
    return v === undefined || v === null ? '' : encodeURIComponent(String(v))
  })
  try {
    const u = new URL(url)
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : ''
  } catch {
    return ''
  }
}
