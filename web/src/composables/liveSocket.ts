// The live board's push source (decision 48's LiveSource, decision 55): the WebSocket
// /api/v1/ws (docs/ws.md). It subscribes to `agents` and `queues`, takes the agents and calls
// now over REST (which applies the role's data scope) and the queues from the subscribe reply,
// then applies the events: agent.state changes a row at once; call.answered / call.ended and a
// state into or out of a call fetch the agents' counters and the calls again (one request for a
// burst); queue.joined / queue.left carry the queue's figures. Whenever the socket is not there
// (refused, closed, silent) the fallback source polls, and the socket is tried again after
// 1, 2, 4 … 30 s; once it is back and subscribed, polling stops.
import { api } from '../api'
import type { LiveAgent, LiveCall, LiveQueue } from '../api'
import type { LivePart, LiveSink, LiveSource } from './acdBoard'

export interface SocketOptions {
  /** What runs while the socket is away (the board passes pollingSource). */
  fallback: (parts: LivePart[]) => LiveSource
  /** ws(s)://host/api/v1/ws of the page by default. */
  url?: string
  /** First and longest wait before trying the socket again. */
  retryMs?: [number, number]
  /** The socket must be open and subscribed within this, and answer a ping within it. */
  timeoutMs?: number
  /** How often a quiet connection is checked (a `subscribe` again: it answers with the state now). */
  checkMs?: number
}

interface Event {
  type: string
  event?: string
  id?: number
  ok?: boolean
  data?: Record<string, unknown>
  error?: { code: string; message: string }
}
type Reply = { agents?: LiveAgent[]; queues?: LiveQueue[] }

const IN_CALL = ['ringing', 'talking', 'hold', 'wrap_up']

function pageSocketUrl() {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/ws`
}

export function socketSource(parts: LivePart[], opts: SocketOptions): LiveSource {
  const fallback = opts.fallback(parts)
  const [retryFirst, retryMax] = opts.retryMs ?? [1000, 30000]
  const timeoutMs = opts.timeoutMs ?? 5000
  const checkMs = opts.checkMs ?? 30000
  const topics = parts.filter((p) => p === 'agents' || p === 'queues')

  let sink: LiveSink | undefined
  let ws: WebSocket | undefined
  let live = false
  let polling = false
  let attempt = 0
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  let checkTimer: ReturnType<typeof setInterval> | undefined
  let refetchTimer: ReturnType<typeof setTimeout> | undefined
  let nextId = 1
  const waiting = new Map<number, { resolve: (d: Reply) => void; reject: (e: Error) => void }>()
  /** Events that came before the snapshot they apply to. */
  let early: Event[] | null = null

  // ---- the rows the source holds (the board gets copies) ----------------------------------------
  let agents: LiveAgent[] = []
  const agentAt = new Map<string, number>()
  /** queue id → its figures and the browser time they were true at. */
  const queues = new Map<string, { row: LiveQueue; at: number }>()

  const deliverAgents = () => sink?.deliver({ agents: agents.slice() })
  function deliverQueues() {
    const now = Date.now()
    sink?.deliver({
      queues: [...queues.values()].map(({ row, at }) => ({
        ...row, longest_wait_ms: row.waiting ? row.longest_wait_ms + (now - at) : 0,
      })),
    })
  }
  /** New rows from REST; a row the socket has already moved on keeps its newer state. */
  function takeAgents(rows: LiveAgent[]) {
    const mine = new Map(agents.map((a) => [a.id, a]))
    agents = rows.map((r) => {
      const m = mine.get(r.id)
      return m && (m.since ?? 0) > (r.since ?? 0) ? { ...r, state: m.state, reason: m.reason, since: m.since } : r
    })
    agentAt.clear()
    agents.forEach((a, i) => agentAt.set(a.id, i))
  }
  function takeQueues(rows: LiveQueue[]) {
    const now = Date.now()
    queues.clear()
    for (const q of rows) if (q.waiting) queues.set(q.queue_id, { row: q, at: now })
  }

  async function fetchAgents(to: LiveSink) {
    try {
      const r = await api.agents.live()
      if (to !== sink) return
      takeAgents(r.items)
      deliverAgents()
    } catch (e) {
      if (to === sink) to.failed('agents', e)
    }
  }
  async function fetchCalls(to: LiveSink) {
    if (!parts.includes('calls')) return
    try {
      const r = await api.calls.live()
      if (to === sink) to.deliver({ calls: r.items as LiveCall[] })
    } catch (e) {
      if (to === sink) to.failed('calls', e)
    }
  }
  /** The agents' counters and the calls again, once for a burst of events. */
  let refetchAgents = false
  function refetchSoon(withAgents: boolean) {
    refetchAgents ||= withAgents
    if (refetchTimer) return
    refetchTimer = setTimeout(() => {
      const again = refetchAgents
      refetchTimer = undefined
      refetchAgents = false
      if (!sink || !live) return
      if (again) void fetchAgents(sink)
      void fetchCalls(sink)
    }, 250)
  }

  // ---- events ---------------------------------------------------------------------------------
  function apply(ev: Event) {
    const d = ev.data ?? {}
    switch (ev.event) {
      case 'agent.state': {
        const i = agentAt.get(String(d.agent_id))
        if (i === undefined) { // an agent the snapshot lacks (new, or out of the user's scope)
          refetchSoon(true)
          return
        }
        const a = agents[i]
        const at = Number(d.at)
        if (at < (a.since ?? 0)) return // older than the row
        agents[i] = { ...a, state: String(d.state), reason: String(d.reason ?? ''), since: at }
        deliverAgents()
        if (IN_CALL.includes(String(d.state)) || IN_CALL.includes(String(d.previous))) refetchSoon(false)
        return
      }
      case 'call.answered':
      case 'call.ended':
        refetchSoon(true)
        return
      case 'queue.joined':
      case 'queue.left': {
        const q = { queue_id: String(d.queue_id), waiting: Number(d.waiting), longest_wait_ms: Number(d.longest_wait_ms) }
        if (q.waiting) queues.set(q.queue_id, { row: q, at: Date.now() })
        else queues.delete(q.queue_id)
        if (parts.includes('queues')) deliverQueues()
        return
      }
    }
  }
  function onMessage(sock: WebSocket, text: string) {
    let msg: Event
    try {
      msg = JSON.parse(text)
    } catch {
      return
    }
    if (msg.type === 'reply' && typeof msg.id === 'number') {
      const w = waiting.get(msg.id)
      waiting.delete(msg.id)
      if (w && msg.ok) w.resolve((msg.data ?? {}) as Reply)
      else if (w) w.reject(new Error(msg.error?.message ?? 'refused'))
    } else if (msg.type === 'event' && sock === ws) {
      if (early) early.push(msg)
      else apply(msg)
    }
  }

  /** Sends a command; its reply's data, or an error when refused, unanswered or the socket goes. */
  function command(sock: WebSocket, body: Record<string, unknown>): Promise<Reply> {
    const id = nextId++
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(id)
        reject(new Error('no answer'))
      }, timeoutMs)
      waiting.set(id, {
        resolve: (d) => { clearTimeout(timer); resolve(d) },
        reject: (e) => { clearTimeout(timer); reject(e) },
      })
      sock.send(JSON.stringify({ id, ...body }))
    })
  }

  // ---- the connection's life ------------------------------------------------------------------
  function setMode(m: 'live' | 'polling') {
    live = m === 'live'
    if (m === 'polling' && !polling && sink) {
      polling = true
      fallback.start(sink)
    } else if (m === 'live' && polling) {
      polling = false
      fallback.stop()
    }
    sink?.mode?.(m)
  }
  function connect() {
    retryTimer = undefined
    let sock: WebSocket
    try {
      sock = new WebSocket(opts.url ?? pageSocketUrl())
    } catch {
      lost()
      return
    }
    ws = sock
    const opening = setTimeout(() => sock.close(), timeoutMs)
    sock.onmessage = (m) => onMessage(sock, String(m.data))
    sock.onclose = () => {
      clearTimeout(opening)
      if (sock === ws) lost()
    }
    sock.onopen = async () => {
      early = []
      try {
        const snap = await command(sock, { cmd: 'subscribe', topics })
        const to = sink
        if (sock !== ws || !to) return
        takeQueues(snap.queues ?? [])
        const r = await api.agents.live()
        if (sock !== ws || to !== sink) return
        clearTimeout(opening)
        takeAgents(r.items)
        for (const ev of early ?? []) apply(ev)
        early = null
        attempt = 0
        setMode('live')
        deliverAgents()
        if (parts.includes('queues')) deliverQueues()
        void fetchCalls(to)
        checkTimer = setInterval(() => void check(sock), checkMs)
      } catch {
        if (sock === ws) sock.close()
      }
    }
  }
  /** A quiet connection may be dead without a close: ask it for the state now. */
  async function check(sock: WebSocket) {
    try {
      const snap = await command(sock, { cmd: 'subscribe', topics })
      if (sock !== ws || !snap.queues) return
      takeQueues(snap.queues)
      if (parts.includes('queues')) deliverQueues()
    } catch {
      if (sock === ws) sock.close()
    }
  }
  function drop() {
    clearInterval(checkTimer)
    checkTimer = undefined
    early = null
    for (const w of waiting.values()) w.reject(new Error('closed'))
    waiting.clear()
    const sock = ws
    ws = undefined
    if (sock) {
      sock.onclose = null
      sock.close()
    }
  }
  /** The socket failed or closed: poll, and try it again later. */
  function lost() {
    drop()
    if (!sink) return
    setMode('polling')
    const wait = Math.min(retryMax, retryFirst * 2 ** attempt)
    attempt++
    retryTimer = setTimeout(connect, wait)
  }

  return {
    start(to) {
      sink = to
      attempt = 0
      to.mode?.('connecting')
      connect()
    },
    stop() {
      sink = undefined
      clearTimeout(retryTimer)
      clearTimeout(refetchTimer)
      retryTimer = refetchTimer = undefined
      drop()
      if (polling) fallback.stop()
      polling = live = false
    },
    async refresh() {
      const sock = ws
      const to = sink
      if (!live || !sock || !to) return fallback.refresh()
      await Promise.all([check(sock), fetchAgents(to), fetchCalls(to)])
    },
  }
}
