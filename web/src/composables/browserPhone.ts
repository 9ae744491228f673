// The browser softphone of the workbench (issue 7; decision 60): this tab registers the agent's own
// extension over SIP on WebSocket with JsSIP (credentials from GET /api/v1/workbench/phone), rings
// here, and is answered from the page. The daemon terminates the WebRTC media (DTLS-SRTP, decision 56)
// and every other control (hang up, hold, mute, transfer) still goes through the daemon's WebSocket
// command, as with a desk phone. What the page shows is in `state` (reactive): the registration
// (JsSIP reconnects and registers again by itself after a network loss), the ringing or answered call,
// the microphone's and the received audio's levels (WebAudio AnalyserNode), the devices to choose.
// A denied microphone is a PhoneError('mic_denied') from start(): nothing is registered, the agent
// may log in with the desk phone instead. The agent's outbound call (the dial pad, decision 62) is
// placed here too: an ordinary call from the extension, routed by the daemon; `state.outbound` says
// what the page shows of it (the number, when it was answered, how it failed), and it is hung up here;
// its keypad sends SIP INFO (the far end may be an IVR that wants digits).
import { reactive } from 'vue'
import { UA, WebSocketInterface } from 'jssip'
import type { RTCSession } from 'jssip/lib/RTCSession'
import type { IncomingRTCSessionEvent } from 'jssip/lib/UA'
import type { AgentPhone } from './usePhone'

export interface PhoneCredentials {
  number: string
  sip_user: string
  password: string
  domain: string
  ws_url: string | null
}
export type SipState = 'off' | 'connecting' | 'registered' | 'disconnected' | 'failed'
/** ringing: a call rings in this tab; calling: the agent's outbound call is on its way. */
export type PhoneCallState = 'none' | 'ringing' | 'calling' | 'talking'
export type PhoneErrorCode = 'mic_denied' | 'no_mic' | 'insecure' | 'register_failed'

export class PhoneError extends Error {
  readonly code: PhoneErrorCode
  constructor(code: PhoneErrorCode, message: string) {
    super(message)
    this.name = 'PhoneError'
    this.code = code
  }
}

export interface Device { id: string; label: string }
/** The agent's outbound call (the dial pad): kept after it ends, for the page to say how. */
export interface OutboundCall {
  number: string
  startedAt: number
  answeredAt: number | null
  endedAt: number | null
  /** Why it failed ('' : answered, or still up): the SIP status and reason, else JsSIP's cause. */
  failure: string
}
export interface BrowserPhoneState {
  sip: SipState
  /** Why the registration failed or the socket dropped (JsSIP's cause). */
  cause: string
  call: PhoneCallState
  micLevel: number
  speakerLevel: number
  mics: Device[]
  speakers: Device[]
  mic: string
  speaker: string
  /** Whether the browser lets the page choose the output (HTMLMediaElement.setSinkId). */
  canPickSpeaker: boolean
  /** The last outbound call (null: none placed yet). */
  outbound: OutboundCall | null
}

export interface BrowserPhone extends AgentPhone {
  kind: 'browser'
  state: BrowserPhoneState
  setMic(id: string): Promise<void>
  setSpeaker(id: string): Promise<void>
  /** Which call the phone has now (0: none), for dropCall. */
  callNumber(): number
  /** Ends call `n` if it is still here (the daemon ended it and its BYE was lost with the socket). */
  dropCall(n: number): void
  /** Places an outbound call to `number` (an extension, a queue or IVR number, an outside number),
   *  asking for `callerId` when given (RFC 3325 P-Preferred-Identity: the daemon honours it when the
   *  outbound route lets callers choose, else refuses the call 403); resolves when that call has
   *  ended (answered or not: see state.outbound). */
  dial(number: string, callerId?: string): Promise<void>
  /** Hangs up the outbound call (an incoming one is hung up through the daemon). */
  hangup(): void
  /** Keys (0-9 * # A-D) on the answered outbound call, as SIP INFO (application/dtmf-relay): the
   *  daemon passes them to the far end and its own key handlers (## transfer) hear them too. */
  sendKeys(keys: string): void
}

const REGISTER_TIMEOUT_MS = 10000
const METER_MS = 100

/** A listener address (0.0.0.0, [::]) is no address to connect to: the page's own host is. */
export function reachableWsUrl(url: string, host = location.hostname): string {
  return url.replace(/^(wss?:\/\/)(0\.0\.0\.0|\[::\])(?=[:/]|$)/, (_m, scheme: string) =>
    `${scheme}${host.includes(':') ? `[${host}]` : host}`)
}

function micError(e: unknown): PhoneError {
  const name = (e as { name?: string })?.name ?? ''
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError')
    return new PhoneError('mic_denied', 'the microphone is blocked for this page')
  return new PhoneError('no_mic', `no microphone to use (${name || String(e)})`)
}

/** An AnalyserNode on a stream and the level it reads (RMS, scaled to 0..1). */
function meter(ctx: AudioContext, stream: MediaStream) {
  const source = ctx.createMediaStreamSource(stream)
  const node = ctx.createAnalyser()
  node.fftSize = 1024
  source.connect(node)
  const buf = new Float32Array(node.fftSize)
  return {
    level(): number {
      node.getFloatTimeDomainData(buf)
      let sum = 0
      for (const x of buf) sum += x * x
      return Math.min(1, Math.sqrt(sum / buf.length) * 4)
    },
    close() {
      source.disconnect()
    },
  }
}
type Meter = ReturnType<typeof meter>

export function browserPhone(creds: PhoneCredentials): BrowserPhone {
  const state = reactive<BrowserPhoneState>({
    sip: 'off', cause: '', call: 'none', micLevel: 0, speakerLevel: 0,
    mics: [], speakers: [], mic: '', speaker: '',
    canPickSpeaker: typeof (HTMLMediaElement.prototype as { setSinkId?: unknown }).setSinkId === 'function',
    outbound: null,
  })
  let ua: UA | null = null
  let session: RTCSession | null = null
  let mic: MediaStream | null = null
  let ctx: AudioContext | null = null
  let micMeter: Meter | null = null
  let speakerMeter: Meter | null = null
  let ticker: ReturnType<typeof setInterval> | undefined
  let stopping = false
  let audio: HTMLAudioElement | null = null
  let calls = 0          // numbers the calls, for dropCall
  let callNo = 0

  async function openMic(deviceId: string): Promise<MediaStream> {
    if (!navigator.mediaDevices?.getUserMedia)
      throw new PhoneError('insecure', 'this page may not use a microphone (it needs https:// or localhost)')
    try {
      return await navigator.mediaDevices.getUserMedia({
        audio: deviceId ? { deviceId: { exact: deviceId } } : true, video: false,
      })
    } catch (e) {
      throw micError(e)
    }
  }

  async function listDevices() {
    const all = await navigator.mediaDevices.enumerateDevices().catch(() => [] as MediaDeviceInfo[])
    const pick = (kind: MediaDeviceKind) => all.filter((d) => d.kind === kind)
      .map((d, i) => ({ id: d.deviceId, label: d.label || `${kind} ${i + 1}` }))
    state.mics = pick('audioinput')
    state.speakers = pick('audiooutput')
    if (!state.mic) state.mic = mic?.getAudioTracks()[0]?.getSettings().deviceId ?? ''
  }

  function useMic(stream: MediaStream) {
    mic?.getTracks().forEach((t) => t.stop())
    mic = stream
    micMeter?.close()
    micMeter = ctx ? meter(ctx, stream) : null
    // a call in progress sends from the new device at once
    const sender = session?.connection?.getSenders().find((s) => s.track?.kind === 'audio')
    if (sender) void sender.replaceTrack(stream.getAudioTracks()[0])
  }

  function tick() {
    state.micLevel = micMeter?.level() ?? 0
    state.speakerLevel = speakerMeter?.level() ?? 0
  }

  function playRemote(stream: MediaStream) {
    if (!audio) {
      audio = document.createElement('audio')
      audio.autoplay = true
      audio.dataset.test = 'wb-phone-audio'
      audio.style.display = 'none'
      document.body.appendChild(audio)
      if (state.speaker) void setSink(state.speaker)
    }
    audio.srcObject = stream
    void audio.play().catch(() => {})
    speakerMeter?.close()
    speakerMeter = ctx ? meter(ctx, stream) : null
  }

  async function setSink(id: string) {
    const el = audio as (HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> }) | null
    if (el?.setSinkId) await el.setSinkId(id)
  }

  function endCall(s: RTCSession) {
    if (session !== s) return
    session = null
    callNo = 0
    state.call = 'none'
    speakerMeter?.close()
    speakerMeter = null
    state.speakerLevel = 0
    if (audio) audio.srcObject = null
  }

  /** The media and the state of a session, incoming or outgoing: the remote audio plays and is metered. */
  function follow(s: RTCSession) {
    session = s
    callNo = ++calls
    const hear = (pc: RTCPeerConnection) => pc.addEventListener('track', (ev) =>
      playRemote(ev.streams[0] ?? new MediaStream([ev.track])))
    if (s.connection) hear(s.connection)
    else s.on('peerconnection', (ev) => hear(ev.peerconnection))
    s.on('confirmed', () => { if (session === s) state.call = 'talking' })
    s.on('accepted', () => { if (session === s) state.call = 'talking' })
    s.on('ended', () => endCall(s))
    s.on('failed', () => endCall(s))
  }

  function onIncoming(e: IncomingRTCSessionEvent) {
    const s = e.session
    if (session) {
      s.terminate({ status_code: 486, reason_phrase: 'Busy Here' })
      return
    }
    state.call = 'ringing'
    follow(s)
    // the daemon asks the phone to answer by itself (the agent's auto_answer): Call-Info answer-after
    const info = e.request.getHeader('Call-Info') ?? ''
    if (/answer-after\s*=\s*0/i.test(info)) void answer()
  }

  function register(): Promise<void> {
    const url = reachableWsUrl(creds.ws_url ?? '')
    return new Promise((resolve, reject) => {
      let settled = false
      const done = (err?: Error) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        if (err) reject(err)
        else resolve()
      }
      const timer = setTimeout(() => done(new PhoneError('register_failed', `no answer from ${url}`)), REGISTER_TIMEOUT_MS)
      ua = new UA({
        sockets: [new WebSocketInterface(url)],
        uri: `sip:${creds.sip_user}@${creds.domain}`,
        password: creds.password,
        register: true,
        register_expires: 60,
        connection_recovery_min_interval: 2,
        connection_recovery_max_interval: 10,
        user_agent: 'Hotline workbench (JsSIP)',
      })
      ua.on('connecting', () => { if (state.sip !== 'registered') state.sip = 'connecting' })
      ua.on('disconnected', (e) => {
        if (stopping) return
        state.sip = 'disconnected'
        state.cause = e.error ? 'network' : ''
      })
      ua.on('registered', () => {
        state.sip = 'registered'
        state.cause = ''
        done()
      })
      ua.on('unregistered', () => { if (!stopping) state.sip = 'disconnected' })
      ua.on('registrationFailed', (e) => {
        state.sip = 'failed'
        state.cause = String(e.cause ?? '')
        done(new PhoneError('register_failed', `${url}: ${e.cause ?? 'refused'}`))
      })
      ua.on('newRTCSession', (e: { originator: string }) => {
        if (e.originator === 'remote') onIncoming(e as unknown as IncomingRTCSessionEvent)
      })
      state.sip = 'connecting'
      ua.start()
    })
  }

  async function start() {
    if (ua) return
    stopping = false
    const stream = await openMic(state.mic)
    ctx = new AudioContext()
    void ctx.resume()
    useMic(stream)
    await listDevices()
    ticker = setInterval(tick, METER_MS)
    try {
      await register()
    } catch (e) {
      stop()
      throw e
    }
  }

  function stop() {
    stopping = true
    if (session && !session.isEnded()) session.terminate()
    session = null
    ua?.stop()
    ua = null
    clearInterval(ticker)
    micMeter?.close()
    speakerMeter?.close()
    micMeter = speakerMeter = null
    mic?.getTracks().forEach((t) => t.stop())
    mic = null
    void ctx?.close()
    ctx = null
    audio?.remove()
    audio = null
    Object.assign(state, { sip: 'off', call: 'none', micLevel: 0, speakerLevel: 0 })
  }

  async function answer() {
    const s = session
    if (!s || state.call !== 'ringing') throw new Error('no call is ringing in this browser')
    if (!mic) mic = await openMic(state.mic)
    s.answer({ mediaStream: mic, pcConfig: { iceServers: [] } })
  }

  /** How an outbound call failed: the final response (404 Not Found), else JsSIP's cause. */
  function failureOf(e: { cause?: string; message?: unknown }): string {
    const m = e.message as { status_code?: number; reason_phrase?: string } | undefined
    if (m?.status_code) return `${m.status_code} ${m.reason_phrase ?? ''}`.trim()
    return String(e.cause ?? 'failed')
  }

  function dial(number: string, callerId = ''): Promise<void> {
    const target = number.trim()
    if (!ua || state.sip !== 'registered') return Promise.reject(new Error('the browser phone is not registered'))
    if (session) return Promise.reject(new Error('the browser phone is in a call'))
    if (!/^[0-9*#+]{1,32}$/.test(target)) return Promise.reject(new Error('a number: digits, * # +'))
    if (callerId && !/^\+?[0-9]{1,32}$/.test(callerId)) return Promise.reject(new Error('a caller ID: digits'))
    const out: OutboundCall = { number: target, startedAt: Date.now(), answeredAt: null, endedAt: null, failure: '' }
    state.outbound = out
    state.call = 'calling'
    const line = state.outbound   // the reactive one
    return new Promise((resolve, reject) => {
      let s: RTCSession
      try {
        s = ua!.call(`sip:${target}@${creds.domain}`, {
          mediaStream: mic ?? undefined,
          mediaConstraints: { audio: true, video: false },
          pcConfig: { iceServers: [] },
          rtcOfferConstraints: { offerToReceiveAudio: true, offerToReceiveVideo: false },
          extraHeaders: callerId ? [`P-Preferred-Identity: <sip:${callerId}@${creds.domain}>`] : [],
        })
      } catch (e) {   // JsSIP refused the target before sending anything
        line.endedAt = Date.now()
        line.failure = String((e as Error).message ?? e)
        state.call = 'none'
        reject(e)
        return
      }
      follow(s)
      s.on('accepted', () => { line.answeredAt = Date.now() })
      s.on('ended', () => { line.endedAt = Date.now(); resolve() })
      s.on('failed', (e) => {
        line.endedAt = Date.now()
        line.failure = failureOf(e)
        resolve()
      })
    })
  }

  return {
    kind: 'browser',
    number: creds.number,
    loginPhone: undefined,
    canAnswer: true,
    get ringing() { return state.call === 'ringing' },
    state,
    start,
    stop,
    answer,
    async setMic(id: string) {
      state.mic = id
      if (ua) useMic(await openMic(id))
    },
    async setSpeaker(id: string) {
      state.speaker = id
      await setSink(id)
    },
    callNumber: () => callNo,
    dropCall(n: number) {
      const s = session
      if (!s || n !== callNo) return
      if (!s.isEnded()) s.terminate()
      endCall(s)
    },
    dial,
    hangup() {
      const s = session
      if (!s || !state.outbound || state.outbound.endedAt) return
      if (!s.isEnded()) s.terminate()
    },
    sendKeys(keys: string) {
      const s = session
      if (!s || !state.outbound?.answeredAt || state.outbound.endedAt) throw new Error('no answered outbound call')
      if (!/^[0-9A-D*#]{1,32}$/.test(keys)) throw new Error('keys: 0-9 * # A-D')
      s.sendDTMF(keys, { duration: 160, interToneGap: 80 })   // JsSIP's default transport: INFO
    },
  }
}
