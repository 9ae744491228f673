// The agent workbench's connection to the daemon: the WebSocket /api/v1/ws (docs/ws.md), with the
// session cookie of the console. Commands get a Promise of their reply's data (an ApiError with the
// server's code and message when refused); events go to one handler. When the connection drops it
// is opened again after 0.5, 1, 2, 4 … 15 s, and `onOpen` runs again on every new connection so the
// page re-reads the agent's state (subscribe answers the state now).
import { reactive } from 'vue'
import { ApiError } from '../api'

export type SocketState = 'connecting' | 'open' | 'closed'

export interface WsEvent {
  event: string
  at: number
  data: Record<string, unknown>
}
export interface Hello {
  tenant_id: string
  user: { id: string | null; username: string }
  agent: { id: string; agent_no: string; name: string; phone: string } | null
  may: Record<string, boolean>
}

interface Pending {
  resolve: (v: unknown) => void
  reject: (e: unknown) => void
  timer: ReturnType<typeof setTimeout>
}

const REPLY_TIMEOUT_MS = 10000
const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000]

export function workbenchSocket(handlers: {
  onOpen: (hello: Hello) => void
  onEvent: (e: WsEvent) => void
}) {
  const status = reactive({ state: 'connecting' as SocketState, attempts: 0, closedAt: 0, nextTryAt: 0 })
  let ws: WebSocket | null = null
  let stopped = false
  let nextId = 1
  let retry: ReturnType<typeof setTimeout> | undefined
  const pending = new Map<number, Pending>()

  function url() {
    return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/ws`
  }

  function failAll(why: string) {
    for (const p of pending.values()) {
      clearTimeout(p.timer)
      p.reject(new ApiError(0, 'network', why))
    }
    pending.clear()
  }

  function open() {
    if (stopped) return
    status.state = 'connecting'
    const sock = new WebSocket(url())
    ws = sock
    sock.onmessage = (m) => {
      let msg: Record<string, unknown>
      try {
        msg = JSON.parse(String(m.data))
      } catch {
        return
      }
      if (msg.type === 'hello') {
        status.state = 'open'
        status.attempts = 0
        handlers.onOpen(msg as unknown as Hello)
      } else if (msg.type === 'event') {
        handlers.onEvent(msg as unknown as WsEvent)
      } else if (msg.type === 'reply') {
        const p = pending.get(msg.id as number)
        if (!p) return
        pending.delete(msg.id as number)
        clearTimeout(p.timer)
        if (msg.ok) p.resolve(msg.data)
        else {
          const err = (msg.error ?? {}) as { code?: string; message?: string }
          p.reject(new ApiError(409, err.code ?? 'error', err.message ?? 'refused', msg))
        }
      }
    }
    sock.onclose = () => {
      if (ws !== sock) return
      ws = null
      failAll('the connection to the server was lost')
      status.state = 'closed'
      status.closedAt = Date.now()
      if (stopped) return
      const wait = BACKOFF_MS[Math.min(status.attempts, BACKOFF_MS.length - 1)]
      status.attempts++
      status.nextTryAt = Date.now() + wait
      retry = setTimeout(open, wait)
    }
  }

  /** Sends a command; resolves with the reply's data. */
  function command<T = Record<string, unknown>>(cmd: string, fields: Record<string, unknown> = {}): Promise<T> {
    if (!ws || status.state !== 'open') {
      return Promise.reject(new ApiError(0, 'network', 'not connected to the server'))
    }
    const id = nextId++
    const sock = ws
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id)
        reject(new ApiError(0, 'timeout', 'the server did not answer'))
      }, REPLY_TIMEOUT_MS)
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer })
      sock.send(JSON.stringify({ id, cmd, ...fields }))
    })
  }

  return {
    status,
    command,
    start() {
      stopped = false
      open()
    },
    stop() {
      stopped = true
      clearTimeout(retry)
      failAll('closed')
      ws?.close(1000)
      ws = null
    },
    /** Drops the connection now (as a network loss would): it is opened again with the backoff. */
    drop() {
      ws?.close(4000, 'dropped')
    },
  }
}
