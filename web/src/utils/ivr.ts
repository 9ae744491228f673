// The IVR node catalogue of docs/ivr.md for the flow designer: each type's default parameters,
// the exits its parameters give it, new node ids, and the graph as saved.
import type { IvrGraph, IvrNode, IvrNodeType, IvrPrompt } from '../api'

/** Palette groups, in order, with the node types they offer. */
export const PALETTE: { group: string; types: IvrNodeType[] }[] = [
  { group: 'voice', types: ['play', 'menu', 'collect', 'dynamic_menu', 'speech_menu', 'survey'] },
  { group: 'logic', types: ['set', 'condition', 'time', 'region', 'http', 'counter', 'subflow'] },
  { group: 'connect', types: ['transfer_extension', 'transfer_external', 'queue', 'voicemail'] },
  { group: 'navigate', types: ['back', 'top', 'hangup'] },
]

/** Header colour of each type on the canvas. */
const COLORS: Record<string, string> = {
  start: '#67c23a', play: '#409eff', menu: '#9b59b6', collect: '#9b59b6', dynamic_menu: '#9b59b6',
  speech_menu: '#9b59b6', survey: '#9b59b6', set: '#e6a23c', condition: '#e6a23c', time: '#e6a23c',
  region: '#e6a23c', http: '#e6a23c', counter: '#e6a23c', subflow: '#e6a23c', transfer_extension: '#00a2ae',
  transfer_external: '#00a2ae', queue: '#00a2ae', voicemail: '#00a2ae', back: '#909399', top: '#909399',
  hangup: '#f56c6c',
}
export const typeColor = (type: string) => COLORS[type] ?? '#909399'

/** Keys a menu may offer, in keypad order. */
export const MENU_KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '*', '#']
export const CONDITION_OPS = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'contains'] as const
export const TONES = ['beep', 'confirm', 'busy', 'dial'] as const
export const PROMPT_PART_TYPES = ['tts', 'voice', 'tone', 'digits', 'number'] as const
export const MAX_PROMPT_PARTS = 8
export const MAX_NODES = 200

const menuPrompts = () => ({ prompt: [] as IvrPrompt, timeout_prompt: [] as IvrPrompt, error_prompt: [] as IvrPrompt })

/** The parameters a new node of the type starts with (the defaults of docs/ivr.md). */
export function defaultParams(type: string): Record<string, unknown> {
  switch (type) {
    case 'play': return { prompt: [], interruptible: false, loops: 1 }
    case 'menu':
      return { ...menuPrompts(), keys: ['1'], timeout_s: 10, max_errors: 3, direct_entry: false, direct_max_digits: 4 }
    case 'collect':
      return { ...menuPrompts(), mode: 'max', length: 16, min_length: 1, timeout_s: 10, max_errors: 3, variable: 'dtmf' }
    case 'set': return { assignments: [{ name: '', value: '' }] }
    case 'condition': return { branches: [{ name: '', rules: [{ variable: '', op: 'eq', value: '' }] }] }
    case 'time': return { time_group_ids: [] }
    case 'region': return { branches: [{ name: '', prefixes: [] }] }
    case 'http': return { url: '', method: 'POST', timeout_s: 5, retries: 0, inputs: [], outputs: [] }
    case 'dynamic_menu':
      return { ...menuPrompts(), timeout_s: 10, max_errors: 3, entries_variable: 'dynamicEntries', targets: [] }
    case 'transfer_extension':
      // no `prompt`: the built-in "please dial the extension" plays
      return { number: '', length: 4, timeout_s: 10, max_errors: 3, ring_timeout_s: 30 }
    case 'transfer_external':
      return { number: '', caller_id: 'caller', caller_number: '', prompt: [], ring_timeout_s: 30 }
    case 'queue': return { queue_id: '', prompt: [], timeout_s: 600 }
    case 'voicemail': return { box: '', prompt: [] }
    case 'survey':
      return {
        prompt: [], options: [{ key: '1', rating: 'satisfied' }, { key: '2', rating: 'unsatisfied' }], key_variable: 'SurveyKey', rating_variable: 'SurveyRating',
        timeout_s: 10, max_errors: 2, error_prompt: [], thanks_prompt: [],
      }
    case 'counter': return { name: '' }
    case 'subflow': return { flow_id: '' }
    case 'hangup': return { prompt: [] }
    case 'speech_menu':
      return { ...menuPrompts(), timeout_s: 10, max_errors: 3, branches: [{ name: '', keywords: [], key: '1' }] }
    default: return {}
  }
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])
const numbered = (n: number) => Array.from({ length: n }, (_, i) => String(i + 1))

/** The exits of a node, in display order, as its type and parameters give them. */
export function exitsOf(node: Pick<IvrNode, 'type' | 'params'>): string[] {
  const p = node.params ?? {}
  switch (node.type) {
    case 'start': case 'play': case 'set': case 'counter': case 'subflow': return ['next']
    case 'menu': {
      const keys = list(p.keys).map(String)
      return [...keys, ...(p.direct_entry ? ['direct'] : []), 'failed']
    }
    case 'collect': case 'survey': return ['next', 'failed']
    case 'condition': case 'region': return [...numbered(list(p.branches).length), 'default']
    case 'time': return [...numbered(list(p.time_group_ids).length), 'default']
    case 'http': return ['success', 'failed']
    case 'dynamic_menu': case 'transfer_extension': case 'transfer_external': return ['failed']
    case 'queue': return ['no_agent', 'full', 'timeout']
    case 'speech_menu': return [...numbered(list(p.branches).length), 'failed']
    default: return []
  }
}

/** Whether calls can enter the node (every type but `start`). */
export const hasInput = (type: string) => type !== 'start'

/** After item `index` of a numbered list (branches, time groups) is removed, exit "index+2" becomes
 *  "index+1" and so on, so each branch keeps its connection. */
export function shiftNumberedExits(node: IvrNode, index: number, oldCount: number) {
  for (let i = index + 1; i < oldCount; i++) {
    const from = String(i + 1)
    const to = String(i)
    if (from in node.exits) node.exits[to] = node.exits[from]
    else delete node.exits[to]
  }
  delete node.exits[String(oldCount)]
}

/** After items `a` and `b` of a numbered list swap places, their exits swap too. */
export function swapNumberedExits(node: IvrNode, a: number, b: number) {
  const ka = String(a + 1)
  const kb = String(b + 1)
  const va = node.exits[ka]
  const vb = node.exits[kb]
  delete node.exits[ka]
  delete node.exits[kb]
  if (vb !== undefined) node.exits[ka] = vb
  if (va !== undefined) node.exits[kb] = va
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

/** A ULID (26 characters: 48-bit time, 80 random bits), the ids the designer gives nodes. */
export function newNodeId(now = Date.now()): string {
  let time = ''
  let ms = now
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[ms % 32] + time
    ms = Math.floor(ms / 32)
  }
  const rnd = new Uint8Array(16)
  crypto.getRandomValues(rnd)
  let tail = ''
  for (let i = 0; i < 16; i++) tail += CROCKFORD[rnd[i] % 32]
  return time + tail
}

export function newNode(type: IvrNodeType, name: string, x: number, y: number): IvrNode {
  return { id: newNodeId(), type, name, x: Math.round(x), y: Math.round(y), params: defaultParams(type), exits: {} }
}

/** The graph as saved: only the exits the node has now (a missing one stays missing: "not connected"),
 *  exits naming removed nodes dropped, whole-number positions. */
export function graphForSave(nodes: IvrNode[]): IvrGraph {
  const ids = new Set(nodes.map((n) => n.id))
  return {
    nodes: nodes.map((n) => {
      const exits: Record<string, string | null> = {}
      for (const e of exitsOf(n)) {
        const v = n.exits[e]
        if (v === null || (typeof v === 'string' && ids.has(v))) exits[e] = v
      }
      const params = JSON.parse(JSON.stringify(n.params ?? {}))
      if (n.type === 'dynamic_menu') params.targets = list(params.targets).filter((id) => ids.has(String(id)))
      return { id: n.id, type: n.type, name: n.name, x: Math.round(n.x), y: Math.round(n.y), params, exits }
    }),
  }
}

/** A graph as loaded: every node with params and exits objects (older or hand-made graphs may lack them). */
export function graphForEdit(graph: IvrGraph | undefined): IvrNode[] {
  return (graph?.nodes ?? []).map((n) => ({
    id: n.id, type: n.type, name: n.name ?? '', x: Number(n.x) || 0, y: Number(n.y) || 0,
    params: { ...defaultParams(n.type), ...(n.params ?? {}) },
    exits: { ...(n.exits ?? {}) },
  }))
}
