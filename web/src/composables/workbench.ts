// The agent workbench's state (views/Workbench.vue): the agent the user works as, its live state from
// the WebSocket's agent.state events, the call offered or answered (call.offered is the screen pop),
// the consultation (call.consult), the agent's own day (GET /api/v1/workbench/summary), and the
// commands (login, state, wrapup_done, logout, call actions) whose refusals come back as ApiErrors
// with the server's message. Which actions are valid now is decided here, once, for the buttons.
// The agent's outbound call (dial, browser phone only; decision 62) puts the agent busy "outbound"
// while it lasts, so that the queues offer them nothing meanwhile, and back to their state after.
import { computed, onBeforeUnmount, reactive, ref, watch } from 'vue'
import { request } from '../api'
import { fillScreenPop } from '../utils/screenpop'
import { workbenchSocket, type Hello, type WsEvent } from './workbenchSocket'
import { usePhone, type PhoneChoice } from './usePhone'

export interface WbAgent {
  id: string
  agent_no: string
  name: string
  department_id: string | null
  wrap_up_s: number
  enabled: boolean
  phone: string
  /** The agent's outside number (a mobile) they may work on ('' for none; decision 66: shown in full). */
  external_number: string
}
export interface WbTarget {
  id: string; name: string; agent_no?: string; screen_pop_url?: string; wrap_up_s?: number
  /** A queue's satisfaction survey (the one-click invite), or null. */
  survey_flow_id?: string | null
}
export interface WorkbenchData {
  agent: WbAgent | null
  may_work_as_others: boolean
  busy_reasons: WbTarget[]
  agents: WbTarget[]
  queues: WbTarget[]
  ivr_flows: WbTarget[]
  /** Caller IDs the dial pad may offer (outbound routes that let callers choose); empty: none. */
  caller_ids: string[]
}
export interface RecentCall {
  id: string; direction: string; caller: string; caller_name: string; callee: string
  start_at: number; answer_at: number | null; end_at: number; talk_time: number; end_status: string
}
export interface Summary {
  agent_id: string
  today: { from: number; to: number; timezone: string; figures: Record<string, number> & { busy_reasons: Record<string, number> } }
  recent_calls: RecentCall[]
}
export type ConsultState = 'ringing' | 'talking' | 'threeway'
export interface WbCall {
  call_id: string
  caller: string
  caller_name: string
  callee: string
  queue_id: string
  queue_name: string
  waited_ms: number
  ivr_path: string[]
  variables: Record<string, string>
  offeredAt: number
  answeredAt: number | null
  hold: boolean
  muted: boolean
  consult: { target: string; state: ConsultState } | null
  screenPop: string
  /** The queue's survey flow for the one-click invite ('' : none). */
  surveyFlowId: string
}
export type CallAction =
  | 'hangup' | 'hold' | 'unhold' | 'mute' | 'unmute' | 'dtmf'
  | 'transfer_extension' | 'transfer_agent' | 'transfer_queue' | 'transfer_ivr' | 'transfer_external'
  | 'consult_extension' | 'consult_agent' | 'consult_transfer' | 'consult_threeway' | 'consult_cancel'

const str = (v: unknown) => (v === undefined || v === null ? '' : String(v))
/** Agent states with a call in hand (hold: the agent holds every call they have). */
const ON_CALL = ['ringing', 'talking', 'hold']
/** The busy reason while the agent's own outbound call is up (decision 62). */
export const OUTBOUND_REASON = 'outbound'

export function useWorkbench() {
  const data = ref<WorkbenchData | null>(null)
  const loadError = ref('')
  const hello = ref<Hello | null>(null)
  const live = reactive({ known: false, state: 'offline', reason: '', since: 0 as number | null, phone: '', external: false })
  /** The calls in hand, oldest first (an agent with max_calls > 1 may have several). The panel shows one,
   *  `call` (the one picked, else the first), and the controls act on it (the command names its call_id). */
  const calls = ref<WbCall[]>([])
  const picked = ref('')
  const call = computed(() => calls.value.find((c) => c.call_id === picked.value) ?? calls.value[0] ?? null)
  const others = computed(() => calls.value.filter((c) => c !== call.value))
  const pickCall = (id: string) => { picked.value = id }
  const byId = (id: unknown) => calls.value.find((c) => c.call_id === id)
  /** The call that ended last (shown during wrap-up). */
  const lastCall = ref<WbCall | null>(null)
  /** The queue of the last call: its wrap-up time wins over the agent's. */
  const lastQueueId = ref('')
  /** The state asked for after the current call ('' : as before). */
  const after = ref('')
  const summary = ref<Summary | null>(null)
  const busy = ref(false)
  const now = ref(Date.now())
  const ticker = setInterval(() => { now.value = Date.now() }, 500)
  let summaryTimer: ReturnType<typeof setInterval> | undefined

  const agent = computed(() => data.value?.agent ?? null)
  /** The phone the daemon rings, chosen at login: the bound extension, another one for this session (hot
   *  desking), or the agent's outside number. */
  const phoneChoice = reactive({ kind: 'bound' as PhoneChoice, number: '' })
  /** Another agent picked by a user who may work for others ('': the user's own agent). */
  const workingAs = ref('')
  const phones = usePhone(() => agent.value, () => !workingAs.value, phoneChoice,
    () => (live.state !== 'offline' ? { phone: live.phone, external: live.external } : null))
  const phone = phones.phone
  const agentQuery = () => (workingAs.value ? { agent_id: workingAs.value } : {})

  const socket = workbenchSocket({ onOpen, onEvent })

  async function load(agentId?: string) {
    loadError.value = ''
    try {
      data.value = await request<WorkbenchData>('GET', '/api/v1/workbench', { query: { agent_id: agentId } })
      workingAs.value = agentId ?? ''
    } catch (e) {
      loadError.value = (e as Error).message
      throw e
    }
    calls.value = []
    live.known = false
    if (workingAs.value) phones.choose('desk')
    await phones.probe()
    if (socket.status.state === 'open') await subscribe()
    void loadSummary()
  }

  /** Reads the day again shortly (the state log and the call record are written as things happen). */
  let soon: ReturnType<typeof setTimeout> | undefined
  function summarySoon() {
    clearTimeout(soon)
    soon = setTimeout(loadSummary, 1000)
  }
  async function loadSummary() {
    if (!agent.value) return
    try {
      summary.value = await request<Summary>('GET', '/api/v1/workbench/summary', { query: agentQuery() })
    } catch {
      /* shown as missing figures; the next refresh tries again */
    }
  }

  let topics: string[] = []
  async function subscribe() {
    if (!agent.value) return
    if (topics.length) await socket.command('unsubscribe', { topics }).catch(() => {})
    topics = [workingAs.value ? `agent:${workingAs.value}` : 'agent']
    const r = await socket.command<{ agents: Array<Record<string, unknown>> }>('subscribe', { topics })
    const row = r.agents.find((a) => a.id === agent.value?.id)
    if (row) setLive(row)
  }

  function setLive(row: Record<string, unknown>) {
    live.known = true
    live.state = str(row.state)
    live.reason = str(row.reason)
    if (row.phone !== undefined) {
      live.phone = str(row.phone)
      live.external = row.external === true
    }
    live.since = (row.since as number | null) ?? Date.now()
    if (!ON_CALL.includes(live.state)) calls.value = []
    if (call.value && ['talking', 'hold'].includes(live.state)) call.value.hold = live.state === 'hold'
    if (![...ON_CALL, 'wrap_up'].includes(live.state)) after.value = ''
  }

  function onOpen(h: Hello) {
    hello.value = h
    if (!data.value) return
    // a new connection: the state is read again (events were missed while away)
    subscribe().catch(() => {})
    void loadSummary()
  }

  function mine(e: WsEvent) {
    return !!agent.value && e.data.agent_id === agent.value.id
  }

  function offered(d: Record<string, unknown>, at: number): WbCall {
    const queue = data.value?.queues.find((q) => q.id === d.queue_id)
    const variables = (d.variables ?? {}) as Record<string, string>
    const values = {
      ...variables, caller: d.caller, caller_name: d.caller_name, callee: d.callee, call_id: d.call_id,
      queue_id: d.queue_id, queue_name: d.queue_name ?? queue?.name, agent_no: d.agent_no,
    }
    return {
      call_id: str(d.call_id), caller: str(d.caller), caller_name: str(d.caller_name), callee: str(d.callee),
      queue_id: str(d.queue_id), queue_name: str(d.queue_name ?? queue?.name), waited_ms: Number(d.waited_ms ?? 0),
      ivr_path: (d.ivr_path ?? []) as string[], variables, offeredAt: at, answeredAt: null,
      hold: false, muted: false, consult: null, screenPop: fillScreenPop(queue?.screen_pop_url ?? '', values),
      surveyFlowId: queue?.survey_flow_id ?? '',
    }
  }

  function onEvent(e: WsEvent) {
    if (!mine(e)) return
    const d = e.data
    switch (e.event) {
      case 'agent.state':
        setLive({ ...d, since: d.at ?? e.at })
        summarySoon()
        break
      case 'call.offered':
        calls.value = [...calls.value.filter((c) => c.call_id !== d.call_id), offered(d, e.at)]
        lastQueueId.value = str(d.queue_id)
        break
      case 'call.answered':
        if (!byId(d.call_id)) calls.value = [...calls.value, offered(d, e.at)]
        byId(d.call_id)!.answeredAt = e.at
        break
      case 'call.ended':
        if (byId(d.call_id)) {
          lastCall.value = byId(d.call_id)!
          calls.value = calls.value.filter((c) => c.call_id !== d.call_id)
        }
        summarySoon()
        break
      case 'call.consult': {
        const c = byId(d.call_id) ?? call.value
        if (!c) break
        c.consult = ['ringing', 'talking', 'threeway'].includes(str(d.state))
          ? { target: str(d.target), state: d.state as ConsultState }
          : null
        break
      }
    }
  }

  async function run<T>(fn: () => Promise<T>): Promise<T> {
    busy.value = true
    try {
      return await fn()
    } finally {
      busy.value = false
    }
  }
  const agentField = agentQuery

  async function login(state: 'idle' | 'busy', reason: string) {
    await phone.value?.start()
    const fields: Record<string, unknown> = { ...agentField(), state }
    if (state === 'busy' && reason) fields.reason = reason
    if (phone.value?.loginPhone) fields.phone = phone.value.loginPhone
    try {
      setLive(await run(() => socket.command('login', fields)))
    } catch (e) {
      if (phone.value?.kind === 'browser') phone.value.stop()
      throw e
    }
  }
  async function logout() {
    setLive(await run(() => socket.command('logout', agentField())))
    phone.value?.stop()
  }
  async function setState(state: 'idle' | 'busy', reason = '') {
    const fields: Record<string, unknown> = { ...agentField(), state }
    if (state === 'busy' && reason) fields.reason = reason
    const onCall = [...ON_CALL, 'wrap_up'].includes(live.state)
    const row = await run(() => socket.command<Record<string, unknown>>('state', fields))
    if (onCall && live.state !== 'wrap_up') after.value = state === 'busy' ? reason || 'busy' : 'idle'
    else setLive(row)
  }
  async function wrapupDone() {
    setLive(await run(() => socket.command('wrapup_done', agentField())))
  }
  /** Places an outbound call from the browser phone: busy "outbound" first (no queue call is offered
   *  meanwhile), the call, then the state before — unless the agent changed it during the call. Resolves
   *  when the call has ended; how it went is the phone's state.outbound. callerId: one of
   *  data.caller_ids ('' : the route's own rule). */
  async function dial(number: string, callerId = '') {
    const p = phones.browser.value
    if (!p) throw new Error('dial on the desk phone')
    if (!canDial.value) throw new Error('not now: the agent is on a call or not logged in')
    const before = { state: live.state as 'idle' | 'busy', reason: live.reason }
    await setState('busy', OUTBOUND_REASON)
    try {
      await p.dial(number, callerId)
    } finally {
      if (live.state === 'busy' && live.reason === OUTBOUND_REASON)
        await setState(before.state, before.state === 'busy' ? before.reason : '')
    }
  }
  /** Click-to-call (desk phone): the daemon rings the agent's phone first, showing `number`, and
   *  dials it once the phone answers. Resolves with the call's id when the phone rings. */
  async function clickToCall(number: string, callerId = '') {
    const fields: Record<string, unknown> = { ...agentField(), number }
    if (callerId) fields.caller_id = callerId
    const r = await run(() => socket.command<{ call_id: string }>('dial', fields))
    return r.call_id
  }
  async function callAction(action: CallAction, target?: string) {
    const fields: Record<string, unknown> = { ...agentField(), action }
    if (target !== undefined) fields.target = target
    if (call.value?.call_id) fields.call_id = call.value.call_id
    await run(() => socket.command('call', fields))
    const c = call.value
    if (!c) return
    if (action === 'hold' || action === 'unhold') c.hold = action === 'hold'
    if (action === 'mute' || action === 'unmute') c.muted = action === 'mute'
  }

  /** The dial pad is offered: a browser phone, registered, free, and the agent idle or busy. */
  const canDial = computed(() => {
    const p = phones.browser.value
    return !!p && p.state.sip === 'registered' && p.state.call === 'none' && !calls.value.length
      && (live.state === 'idle' || live.state === 'busy')
  })
  /** Which actions are valid now (the buttons' enabled state). */
  const can = computed(() => {
    const talking = live.state === 'talking' || live.state === 'hold'
    const c = call.value
    const consult = c?.consult ?? null
    const plain = talking && !consult
    return {
      hangup: talking,
      hold: plain && !c?.hold,
      unhold: plain && !!c?.hold,
      mute: plain && !c?.muted,
      unmute: plain && !!c?.muted,
      dtmf: plain && !c?.hold && !c?.muted,
      transfer: plain,
      consult: plain,
      consultTransfer: talking && !!consult && consult.state !== 'ringing',
      consultThreeway: talking && consult?.state === 'talking',
      consultCancel: talking && !!consult,
      wrapupDone: live.state === 'wrap_up',
      logout: ![...ON_CALL, 'offline'].includes(live.state) && live.known,
      login: live.known && live.state === 'offline',
    }
  })

  /** Seconds left of the wrap-up (the queue's wrap-up time, else the agent's). */
  const wrapUpLeft = computed(() => {
    if (live.state !== 'wrap_up' || !live.since) return 0
    const q = data.value?.queues.find((x) => x.id === lastQueueId.value)
    const total = q?.wrap_up_s || agent.value?.wrap_up_s || 0
    return Math.max(0, Math.ceil(total - Math.max(0, now.value - live.since) / 1000))
  })
  const inState = computed(() => (live.since ? Math.max(0, Math.floor((now.value - live.since) / 1000)) : 0))
  const talkSeconds = computed(() =>
    call.value?.answeredAt ? Math.max(0, Math.floor((now.value - call.value.answeredAt) / 1000)) : 0)

  // A browser phone still in a call the daemon has ended (its BYE lost with a dropped socket) ends that
  // call here too, a moment later (the agent's state may run ahead of the phone's signalling).
  const settling = new Set<ReturnType<typeof setTimeout>>()
  watch(() => live.state, (s) => {
    const p = phones.browser.value
    if (ON_CALL.includes(s) || !p || p.state.call !== 'talking') return
    if (p.state.outbound && !p.state.outbound.endedAt) return   // the agent's own call: no ACD state
    const n = p.callNumber()
    const timer = setTimeout(() => {
      settling.delete(timer)
      p.dropCall(n)
    }, 3000)
    settling.add(timer)
  })

  function start() {
    socket.start()
    summaryTimer = setInterval(loadSummary, 60000)
  }
  function stop() {
    socket.stop()
    clearInterval(summaryTimer)
    clearInterval(ticker)
    clearTimeout(soon)
    settling.forEach(clearTimeout)
    phones.browser.value?.stop()
  }
  onBeforeUnmount(stop)

  return {
    data, loadError, hello, live, phoneChoice, call, others, pickCall, lastCall, after, summary, busy, now, agent, phone,
    phones, socket, can, canDial,
    wrapUpLeft, inState, talkSeconds,
    load, loadSummary, start, login, logout, setState, wrapupDone, callAction, dial, clickToCall,
  }
}
export type Workbench = ReturnType<typeof useWorkbench>
