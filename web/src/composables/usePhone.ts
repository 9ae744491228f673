// The agent's phone as the workbench sees it: the one place where the kind of phone matters.
// Today the only kind is a desk phone — the SIP extension bound to the agent, or another extension
// for this session (hot desking: login's `phone`): the daemon rings it, the agent picks up (or it
// answers by itself), and every other control goes through the daemon (the WebSocket `call`
// command), so the page needs nothing from the phone. The browser softphone (SIP over WebSocket
// with JsSIP, issue 7) will be a second implementation of AgentPhone here: registering on start(),
// answering from the page (canAnswer), its microphone and volume.
import { computed, type ComputedRef } from 'vue'

export type PhoneKind = 'desk'
/** What the agent picks at login: the bound extension, or another extension number. */
export type PhoneChoice = 'bound' | 'other'

export interface AgentPhone {
  kind: PhoneKind
  /** What the page shows: the bound extension's number. */
  number: string
  /** The `phone` field of the login command (undefined: the agent's bound phone). */
  loginPhone: string | undefined
  /** Whether the page answers a ringing call itself; a desk phone is answered on the phone. */
  canAnswer: boolean
  /** Gets the phone ready before the agent logs in (a browser phone registers); nothing for a desk phone. */
  start(): Promise<void>
  stop(): void
  answer(): Promise<void>
}

function deskPhone(number: string, loginPhone?: string): AgentPhone {
  return {
    kind: 'desk',
    number,
    loginPhone,
    canAnswer: false,
    start: async () => {},
    stop: () => {},
    answer: async () => {
      throw new Error('answer on the desk phone')
    },
  }
}

/** The phone of the agent the workbench works as (null until the agent is known): the one chosen, or
 *  once logged in the one the server says the agent works on (`inUse`, the live row's phone). */
export function usePhone(agent: () => { phone: string } | null, choice: { kind: PhoneChoice; number: string },
  inUse: () => string): ComputedRef<AgentPhone | null> {
  return computed(() => {
    const a = agent()
    if (!a) return null
    if (inUse()) return deskPhone(inUse(), inUse() === a.phone ? undefined : inUse())
    const other = choice.kind === 'other' ? choice.number.trim() : ''
    return other ? deskPhone(other, other) : deskPhone(a.phone)
  })
}
