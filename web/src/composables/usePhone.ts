// The agent's phone as the workbench sees it: the one place where the kind of phone matters.
// Three kinds: the desk phone — the SIP extension bound to the agent, or another extension for this
// session (hot desking: login's `phone`): the daemon rings it, the agent picks up (or it answers by
// itself) and every other control goes through the daemon (the WebSocket `call` command), so the page
// needs nothing from the phone; the agent's outside number (a mobile, login's `phone: "external"`,
// decision 61), rung by the daemon through the tenant's outbound routes and controlled like a desk
// phone; and "this browser" (browserPhone.ts):
// the tab registers the same extension over SIP on WebSocket with JsSIP and is answered from the page.
// The browser phone is offered only for the user's own agent, when the daemon has SIP over WebSocket
// (GET /api/v1/workbench/phone answers a ws_url). The choice is remembered for the tab (sessionStorage)
// so that a reload while logged in registers the browser again.
import { computed, ref, shallowRef, type ComputedRef } from 'vue'
import { request } from '../api'
import { browserPhone, type BrowserPhone, type PhoneCredentials } from './browserPhone'

export type PhoneKind = 'desk' | 'external' | 'browser'
/** The phone the daemon rings, picked at login: the bound extension, another extension number, or the
 *  agent's outside number. */
export type PhoneChoice = 'bound' | 'other' | 'external'
/** The phone the agent works on while logged in, from their live row. */
export interface PhoneInUse { phone: string; external: boolean }

export interface AgentPhone {
  kind: PhoneKind
  /** What the page shows: the extension's or the outside number. */
  number: string
  /** The `phone` field of the login command (undefined: the agent's bound phone). */
  loginPhone: string | undefined
  /** Whether the page answers a ringing call itself; a desk phone is answered on the phone. */
  canAnswer: boolean
  /** Whether a call rings on this phone now, for the page to answer (only a browser phone knows). */
  readonly ringing: boolean
  /** Gets the phone ready before the agent logs in (a browser phone registers); nothing for a desk phone. */
  start(): Promise<void>
  stop(): void
  answer(): Promise<void>
}

/** A phone the daemon rings, answered on the phone itself: an extension, or the outside number. */
function deskPhone(number: string, loginPhone?: string, kind: 'desk' | 'external' = 'desk'): AgentPhone {
  return {
    kind,
    number,
    loginPhone,
    canAnswer: false,
    ringing: false,
    start: async () => {},
    stop: () => {},
    answer: async () => {
      throw new Error('answer on the desk phone')
    },
  }
}

const CHOICE_KEY = 'hotline.workbench.phone'

/** The phone of the agent the workbench works as (phone: null until the agent is known): the browser,
 *  or the desk phone chosen (`desk`), or once logged in the one the server says the agent works on
 *  (`inUse`, the live row's phone). */
export function usePhone(agent: () => { id: string; phone: string; external_number: string } | null,
  own: () => boolean, desk: { kind: PhoneChoice; number: string }, inUse: () => PhoneInUse | null) {
  /** Whether this browser is the phone (else the daemon rings one: `desk` says which). */
  const choice = ref<'desk' | 'browser'>('desk')
  const creds = ref<PhoneCredentials | null>(null)
  const browser = shallowRef<BrowserPhone | null>(null)
  /** The browser phone may be chosen: the user's own agent, and the daemon has SIP over WebSocket. */
  const browserAvailable = computed(() => own() && !!creds.value?.ws_url && !!agent())

  /** Reads whether (and with what) this browser may register; after every load of the agent. */
  async function probe() {
    creds.value = null
    if (!own() || !agent()) return
    try {
      creds.value = await request<PhoneCredentials>('GET', '/api/v1/workbench/phone')
    } catch {
      creds.value = null   // 404: no extension; the desk phone (or nothing) is all there is
    }
  }

  function choose(kind: PhoneKind) {
    if (kind === 'external') kind = 'desk'
    if (kind === choice.value && (kind === 'desk' || browser.value)) return
    browser.value?.stop()
    browser.value = null
    if (kind === 'browser' && creds.value && browserAvailable.value) browser.value = browserPhone(creds.value)
    choice.value = browser.value ? 'browser' : 'desk'
    sessionStorage.setItem(CHOICE_KEY, choice.value)
  }

  const phone: ComputedRef<AgentPhone | null> = computed(() => {
    const a = agent()
    if (!a) return null
    if (choice.value === 'browser' && browser.value) return browser.value
    const used = inUse()
    if (used?.external) return deskPhone(used.phone, 'external', 'external')
    if (used?.phone) return deskPhone(used.phone, used.phone === a.phone ? undefined : used.phone)
    if (desk.kind === 'external') return deskPhone(a.external_number, 'external', 'external')
    const other = desk.kind === 'other' ? desk.number.trim() : ''
    return other ? deskPhone(other, other) : deskPhone(a.phone)
  })

  return {
    phone, choice, browser, browserAvailable, probe, choose,
    /** The choice this tab made before (a reload while logged in). */
    remembered: () => sessionStorage.getItem(CHOICE_KEY) as PhoneKind | null,
  }
}
