// The live ACD board's data (views/AcdBoard.vue): the tenant's agents, queues and calls now,
// joined with their configuration (departments, bound phones, queue members). The live part
// comes from a LiveSource (decision 48): socketSource() follows the WebSocket /api/v1/ws
// (docs/ws.md) and falls back to pollingSource(), which reads GET /api/v1/{agents,queues,calls}/live
// every 2 s, whenever the socket is not there. Both deliver the same snapshots, so the board does
// not know which one runs. The source runs only while the page is mounted and the tab visible.
import { computed, onBeforeUnmount, onMounted, reactive } from 'vue'
import {
  api, ApiError,
  type Agent, type BusyReason, type Department, type LiveAgent, type LiveCall, type LiveQueue, type Queue,
} from '../api'
import { access } from '../session'
import { showError } from '../utils/notify'
import { socketSource } from './liveSocket'

export type LivePart = 'agents' | 'queues' | 'calls'
/** What a source delivers: whole lists of the parts it has news of (others stay as they were). */
export interface LiveSnapshot {
  agents?: LiveAgent[]
  queues?: LiveQueue[]
  calls?: LiveCall[]
}
/** How the rows arrive now: pushed over the WebSocket, polled, or not yet known. */
export type LiveMode = 'connecting' | 'live' | 'polling'
export interface LiveSink {
  deliver(s: LiveSnapshot): void
  failed(part: LivePart, e: unknown): void
  /** The source says how its rows arrive (a source that only polls never calls it). */
  mode?(m: LiveMode): void
}
/** A provider of live snapshots: polling, or the WebSocket push with polling as its fallback. */
export interface LiveSource {
  /** Starts delivering to `sink` (the first snapshot as soon as possible). */
  start(sink: LiveSink): void
  stop(): void
  /** Fetches now, e.g. right after a supervisor action; resolves when delivered. */
  refresh(): Promise<void>
}

const fetchers: Record<LivePart, () => Promise<{ items: unknown[] }>> = {
  agents: () => api.agents.live(),
  queues: () => api.queues.live(),
  calls: () => api.calls.live(),
}

/** Polls the live endpoints of `parts` every `everyMs`; a slow answer is never overtaken by an older one. */
export function pollingSource(parts: LivePart[], everyMs = 2000): LiveSource {
  let timer: ReturnType<typeof setInterval> | undefined
  let sink: LiveSink | undefined
  let seq = 0
  let inflight = 0
  const newest: Partial<Record<LivePart, number>> = {}

  async function fetchPart(part: LivePart, n: number, to: LiveSink) {
    try {
      const r = await fetchers[part]()
      if (n < (newest[part] ?? 0) || to !== sink) return
      newest[part] = n
      to.deliver({ [part]: r.items } as LiveSnapshot)
    } catch (e) {
      if (to === sink) to.failed(part, e)
    }
  }
  async function poll() {
    if (!sink) return
    const n = ++seq
    inflight++
    try {
      await Promise.all(parts.map((p) => fetchPart(p, n, sink as LiveSink)))
    } finally {
      inflight--
    }
  }
  return {
    start(to) {
      sink = to
      void poll()
      timer = setInterval(() => {
        if (!inflight) void poll()
      }, everyMs)
    },
    stop() {
      clearInterval(timer)
      timer = undefined
      sink = undefined
    },
    refresh: poll,
  }
}

/** Every row of a paged list (page_size 500). */
async function allRows<T>(page: (q: { page: number; page_size: number }) => Promise<{ items: T[]; total: number }>) {
  const rows: T[] = []
  for (let p = 1; ; p++) {
    const r = await page({ page: p, page_size: 500 })
    rows.push(...r.items)
    if (!r.items.length || rows.length >= r.total) return rows
  }
}

/** Whether the agent takes the queue's calls — as src/acd/queue.c decides: listed, or at least the
 *  minimum level in each of the queue's skills (a queue without skills takes only its listed agents). */
export function isMember(q: Queue, a: Agent): boolean {
  if (q.members.some((m) => m.agent_id === a.id)) return true
  if (!q.skills.length) return false
  return q.skills.every((s) => {
    const mine = a.skills.find((x) => x.skill_id === s.skill_id)
    return (mine ? mine.level ?? 0 : -1) >= (s.min_level ?? 0)
  })
}

export const ON_CALL = ['ringing', 'talking', 'hold'] as const

/** One agent row of the board. */
export interface BoardAgent extends LiveAgent {
  department_id: string | null
  department: string
  phone: string
  /** The call the agent is on (answered on their phone), when the calls are visible. */
  call: LiveCall | null
}
/** One queue card of the board: counts of its members by state. */
export interface BoardQueue {
  id: string
  name: string
  number: string
  enabled: boolean
  waiting: number
  /** The first caller's wait at `receivedAt`; 0 when nobody waits. */
  longest_wait_ms: number
  members: string[]
  loggedIn: number
  idle: number
  busy: number
  talking: number
  wrapUp: number
}

/** The WebSocket push, polling while the socket is away; polling alone without WebSocket. */
function defaultSource(parts: LivePart[]): LiveSource {
  return typeof WebSocket === 'undefined' ? pollingSource(parts) : socketSource(parts, { fallback: pollingSource })
}

/** The board's state and its life cycle; `source` defaults to the push of what the user may read. */
export function useAcdBoard(makeSource?: (parts: LivePart[]) => LiveSource) {
  const parts: LivePart[] = ['agents']
  if (access('queues')) parts.push('queues')
  if (access('calls')) parts.push('calls')
  const source = (makeSource ?? defaultSource)(parts)

  const live = reactive({
    agents: [] as LiveAgent[],
    queues: [] as LiveQueue[],
    calls: [] as LiveCall[],
    /** Browser time of the last queues snapshot: the longest wait ticks from it. */
    queuesAt: Date.now(),
    loaded: false,
    /** Parts the user may not read or the server cannot answer (e.g. telephony off), with the message. */
    unavailable: {} as Partial<Record<LivePart, string>>,
    hidden: typeof document !== 'undefined' && document.hidden,
    /** How the rows arrive (the indicator): a source that never says is polling. */
    mode: 'polling' as LiveMode,
    /** Browser clock, ticking every second while visible. */
    now: Date.now(),
  })
  const dir = reactive({
    agents: [] as Agent[],
    queues: [] as Queue[],
    departments: [] as Department[],
    reasons: [] as BusyReason[],
    /** Extension id → number (the bound phones), when the user may read extensions. */
    phones: {} as Record<string, string>,
    loadedAt: 0,
  })

  async function optional<T>(key: string, load: () => Promise<T[]>): Promise<T[]> {
    if (!access(key)) return []
    try {
      return await load()
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 403)) showError(e)
      return []
    }
  }
  /** The configuration the live rows are joined with. */
  async function loadDirectory() {
    dir.loadedAt = Date.now()
    const [agents, queues, departments, reasons, exts] = await Promise.all([
      optional('agents', () => allRows((q) => api.agents.list(q))),
      optional('queues', () => allRows((q) => api.queues.list(q))),
      optional('departments', () => allRows((q) => api.departments.list(q))),
      optional('agents', () => allRows((q) => api.busyReasons.list(q))),
      optional('extensions', () => allRows((q) => api.extensions.list(q))),
    ])
    dir.agents = agents
    dir.queues = queues
    dir.departments = departments
    dir.reasons = [...reasons].sort((a, b) => a.sort - b.sort || a.name.localeCompare(b.name))
    dir.phones = Object.fromEntries(exts.map((x) => [x.id, x.number]))
  }
  /** A live row the directory does not know (created since): load it again, at most every 10 s. */
  function directoryStale(s: LiveSnapshot) {
    const known = (ids: string[], list: { id: string }[]) => ids.every((id) => list.some((x) => x.id === id))
    const fresh = (s.agents ? known(s.agents.map((a) => a.id), dir.agents) : true) &&
      (s.queues && access('queues') ? known(s.queues.map((q) => q.queue_id), dir.queues) : true)
    return !fresh && Date.now() - dir.loadedAt > 10000
  }

  const sink: LiveSink = {
    deliver(s) {
      if (s.agents) live.agents = s.agents
      if (s.queues) {
        live.queues = s.queues
        live.queuesAt = Date.now()
      }
      if (s.calls) live.calls = s.calls
      for (const p of Object.keys(s) as LivePart[]) delete live.unavailable[p]
      live.loaded = true
      if (directoryStale(s)) void loadDirectory()
    },
    failed(part, e) {
      if (e instanceof ApiError && (e.status === 403 || e.status === 503)) {
        live.unavailable[part] = e.message
        if (part === 'calls') live.calls = []
      }
      // other failures (network, 5xx): keep the last rows; the next poll tries again
    },
    mode(m) {
      live.mode = m
    },
  }

  // ---- joins (maps, so that thousands of agents and queues stay cheap every 2 s) ---------------
  const departmentNames = computed(() => new Map(dir.departments.map((d) => [d.id, d.name])))
  const configOf = computed(() => new Map(dir.agents.map((a) => [a.id, a])))
  /** Queue id → its members' ids; changes only with the configuration. */
  const membersOf = computed(() => {
    const enabled = dir.agents.filter((a) => a.enabled)
    return new Map(dir.queues.map((q) => [q.id, enabled.filter((a) => isMember(q, a)).map((a) => a.id)]))
  })
  /** The calls by the agent they belong to (`agent_id`) and by answering phone. */
  const callsBy = computed(() => {
    const agent = new Map<string, LiveCall>()
    const phone = new Map<string, LiveCall>()
    for (const c of live.calls) {
      const id = c.agent_id
      if (id) agent.set(id, c)
      if (c.answered_by) phone.set(c.answered_by, c)
    }
    return { agent, phone }
  })
  function callOf(a: LiveAgent, phone: string): LiveCall | null {
    if (!ON_CALL.includes(a.state as (typeof ON_CALL)[number])) return null
    return callsBy.value.agent.get(a.id) ?? (phone ? callsBy.value.phone.get(phone) ?? null : null)
  }
  const agents = computed<BoardAgent[]>(() => live.agents.map((a) => {
    const d = configOf.value.get(a.id)
    const department_id = d?.department_id ?? null
    const phone = d?.extension_id ? dir.phones[d.extension_id] ?? '' : ''
    return {
      ...a, department_id, department: (department_id && departmentNames.value.get(department_id)) || '',
      phone, call: callOf(a, phone),
    }
  }))
  const queues = computed<BoardQueue[]>(() => {
    const stateOf = new Map(live.agents.map((a) => [a.id, a.state]))
    const waitingOf = new Map(live.queues.map((l) => [l.queue_id, l]))
    return dir.queues.map((q) => {
      const l = waitingOf.get(q.id)
      const members = membersOf.value.get(q.id) ?? []
      const n = { offline: 0, idle: 0, busy: 0, ringing: 0, talking: 0, hold: 0, wrap_up: 0 } as Record<string, number>
      for (const id of members) {
        const st = stateOf.get(id) ?? 'offline'
        n[st] = (n[st] ?? 0) + 1
      }
      return {
        id: q.id, name: q.name, number: q.number, enabled: q.enabled,
        waiting: l?.waiting ?? 0, longest_wait_ms: l?.longest_wait_ms ?? 0, members,
        loggedIn: members.length - n.offline, idle: n.idle, busy: n.busy,
        talking: n.ringing + n.talking + n.hold, wrapUp: n.wrap_up,
      }
    })
  })

  /** Seconds in the current state (browser clock against the server's `since`), or null. */
  const inState = (a: LiveAgent) => (a.since ? Math.max(0, (live.now - a.since) / 1000) : null)
  /** Seconds the queue's first caller has waited, ticking from the snapshot, or null. */
  const longestWait = (q: BoardQueue) =>
    (q.waiting ? (q.longest_wait_ms + Math.max(0, live.now - live.queuesAt)) / 1000 : null)
  /** Seconds of the call: talking since the answer, else since it began. */
  const callSeconds = (c: LiveCall) => Math.max(0, (live.now - (c.answer_at ?? c.start_at)) / 1000)

  // ---- life cycle: run while mounted and visible ---------------------------------------------
  let running = false
  let clock: ReturnType<typeof setInterval> | undefined
  function run(on: boolean) {
    if (on === running) return
    running = on
    if (on) source.start(sink)
    else source.stop()
  }
  function onVisibility() {
    live.hidden = document.hidden
    live.now = Date.now()
    run(!document.hidden)
  }
  onMounted(() => {
    void loadDirectory()
    run(!document.hidden)
    clock = setInterval(() => {
      if (!document.hidden) live.now = Date.now()
    }, 1000)
    document.addEventListener('visibilitychange', onVisibility)
  })
  onBeforeUnmount(() => {
    run(false)
    clearInterval(clock)
    document.removeEventListener('visibilitychange', onVisibility)
  })

  /** Everything again (the refresh button). */
  async function reload() {
    await Promise.all([loadDirectory(), source.refresh()])
  }

  return {
    live, dir, agents, queues, parts, inState, longestWait, callSeconds, reload,
    /** The live rows again, after an action. */
    refresh: () => source.refresh(),
  }
}
