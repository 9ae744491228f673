// Types written from docs/openapi.yaml (components/schemas). Keep them in step.

/** UUIDv7 string. */
export type Id = string
/** Milliseconds since the Unix epoch (UTC). */
export type Millis = number

export type ErrorCode =
  | 'bad_json' | 'unknown_field' | 'invalid_field' | 'missing_field' | 'bad_query'
  | 'unauthenticated' | 'bad_credentials' | 'bad_signature' | 'signature_expired'
  | 'forbidden' | 'ip_not_allowed' | 'tenant_disabled'
  | 'not_found' | 'method_not_allowed' | 'conflict' | 'body_too_large'
  | 'unsupported_media_type' | 'login_locked' | 'internal' | 'unavailable'

export interface ErrorBody {
  error: { code: ErrorCode | string; message: string }
}

export interface ListMeta {
  total: number
  page: number
  page_size: number
}
export interface List<T> extends ListMeta {
  items: T[]
}

/** Common list query parameters (docs/api.md "Lists"). */
export interface ListQuery {
  page?: number
  page_size?: number
  sort?: string
  order?: 'asc' | 'desc'
  q?: string
}

export interface Health {
  status: string
  version: string
  db: string
}

export type Access = 'rw' | 'ro'
export type PermissionKey =
  | 'departments' | 'users' | 'roles' | 'api_keys' | 'security' | 'logs'
  | 'extensions' | 'calls' | 'trunks' | 'numbers' | 'routes' | 'time_groups' | 'lists'
  | 'speed_dials'
  | 'tts' | 'ivr' | 'workbench'
/** Menu key → access; a key not present is not granted. */
export type PermissionMap = Partial<Record<PermissionKey | string, Access>>
export type DataScope = 'department' | 'department_tree' | 'tenant'

export interface PermissionKeyItem {
  key: PermissionKey | string
  module: string
}
export interface PermissionKeyList {
  items: PermissionKeyItem[]
}

export interface LoginRequest {
  tenant: string
  username: string
  password: string
}
export interface LoginResponse {
  token: string
  expires_at: Millis
  user: User
  tenant: Tenant
  permissions: PermissionMap
  data_scope: DataScope
}
export interface Me {
  user: User
  tenant: Tenant
  permissions: PermissionMap
  data_scope: DataScope
}
export interface PasswordChange {
  old_password: string
  new_password: string
}

export interface Tenant {
  id: Id
  code: string
  name: string
  timezone: string
  enabled: boolean
  created_at: Millis
  updated_at: Millis
}
export interface TenantCreate {
  code: string
  name: string
  timezone?: string
  enabled?: boolean
  admin_username?: string
  admin_password: string
}
export interface TenantUpdate {
  name?: string
  timezone?: string
  enabled?: boolean
}
export interface TenantQuery extends ListQuery {
  enabled?: boolean
}

export interface Department {
  id: Id
  name: string
  parent_id: Id | null
  created_at: Millis
  updated_at: Millis
}
export interface DepartmentCreate {
  name: string
  parent_id?: Id | null
}
export interface DepartmentUpdate {
  name?: string
  parent_id?: Id | null
}
export interface DepartmentQuery extends ListQuery {
  parent_id?: Id
}

export interface User {
  id: Id
  username: string
  display_name: string
  email: string
  department_id: Id | null
  role_ids: Id[]
  enabled: boolean
  created_at: Millis
  updated_at: Millis
  last_login_at: Millis | null
}
export interface UserCreate {
  username: string
  display_name?: string
  email?: string
  department_id?: Id | null
  role_ids?: Id[]
  enabled?: boolean
  password: string
}
export interface UserUpdate {
  username?: string
  display_name?: string
  email?: string
  department_id?: Id | null
  role_ids?: Id[]
  enabled?: boolean
  password?: string
}
export interface UserQuery extends ListQuery {
  department_id?: Id
  enabled?: boolean
  role_id?: Id
}

export interface Role {
  id: Id
  name: string
  builtin: boolean
  permissions: PermissionMap
  data_scope: DataScope
  created_at: Millis
  updated_at: Millis
}
export interface RoleCreate {
  name: string
  permissions?: PermissionMap
  data_scope?: DataScope
}
export interface RoleUpdate {
  name?: string
  permissions?: PermissionMap
  data_scope?: DataScope
}

export interface ApiKey {
  id: Id
  name: string
  role_id: Id
  valid_seconds: number
  enabled: boolean
  created_at: Millis
  last_used_at: Millis | null
}
export interface ApiKeyCreated extends ApiKey {
  /** Shown only in the create answer. */
  secret: string
}
export interface ApiKeyCreate {
  name: string
  role_id: Id
  valid_seconds?: number
}
export interface ApiKeyQuery extends ListQuery {
  role_id?: Id
  enabled?: boolean
}

export interface IpAllowlist {
  cidrs: string[]
}

/** Whether an extension's or trunk's calls are recorded: follow the tenant's policy, always, never (never wins). */
export type RecordSetting = 'inherit' | 'always' | 'never'
export type RecordingStatus = 'recording' | 'done' | 'failed'
export interface Recording {
  id: Id
  call_id: Id
  leg_id: Id | null
  seq: number
  format: 'wav' | 'mp3'
  /** stereo: customer left, agent right; mono: mixed. */
  channels: 'stereo' | 'mono'
  rate: number
  /** Audio in the file, pauses excluded. */
  duration_ms: number
  paused_ms: number
  size_bytes: number
  started_at: Millis
  ended_at: Millis | null
  status: RecordingStatus | string
  note: string
  /** From the call record; null until it is written. */
  caller: string | null
  callee: string | null
  direction: CallDirection | null
  audio_url: string
  download_url: string
}
export interface RecordingQuery extends ListQuery {
  call_id?: Id
  from?: Millis
  to?: Millis
  status?: string
  format?: string
  direction?: string
}
export interface RecordingPolicy {
  inbound: boolean
  outbound: boolean
  internal: boolean
  format: 'wav' | 'mp3'
  mode: 'stereo' | 'mono'
  /** 0 keeps recordings forever. */
  retention_days: number
}
export interface RecordingPolicyView extends RecordingPolicy {
  updated_at: Millis | null
  mp3_available: boolean
}

/** Text to speech: espeak-ng voice (`cmn`, `yue`, `en`, `en-us`) and words a minute. */
export interface TtsSettings {
  voice: string
  rate: number
}
export interface TtsSettingsSaved extends TtsSettings {
  updated_at: number
}
export interface TtsSettingsView extends TtsSettings {
  updated_at: number | null
  voices: string[]
  rate_min: number
  rate_max: number
}
export interface TtsPreview {
  text: string
  voice?: string
  rate?: number
}

export interface OperationLog {
  id: Id
  user_id: Id | null
  username: string
  action: string
  resource: string
  resource_id: Id | null
  before: Record<string, unknown> | null
  after: Record<string, unknown> | null
  ip: string
  created_at: Millis
}
export interface OperationLogQuery extends ListQuery {
  from?: Millis
  to?: Millis
  user_id?: Id
  resource?: string
  action?: string
}

export interface LoginLog {
  id: Id
  username: string
  user_id: Id | null
  ip: string
  ok: boolean
  reason: string | null
  created_at: Millis
}
export interface LoginLogQuery extends ListQuery {
  from?: Millis
  to?: Millis
  username?: string
  ok?: boolean
}

// ---- Telephony -------------------------------------------------------------

export type Transport = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss'
export type Codec = 'PCMU' | 'PCMA' | 'G722' | 'opus' | 'G729'
export type DialPermission = 'internal' | 'local' | 'long_distance' | 'international'
export type DigestAlgorithm = 'SHA-256' | 'MD5'

export interface ExtensionWrite {
  number?: string
  /** SIP digest secret, 8-64 printable ASCII without spaces, quotes or backslashes. */
  password?: string
  display_name?: string
  transports?: Transport[]
  /** Empty: any source address. */
  allowed_cidrs?: string[]
  max_contacts?: number
  codecs?: Codec[]
  dial_permission?: DialPermission
  auth_algorithms?: DigestAlgorithm[]
  enabled?: boolean
  /** Do not disturb: calls are answered busy, or go to forward_busy. */
  dnd?: boolean
  /** Forwarding targets: digits with an optional leading +, or `voicemail` (the extension's own box); empty = off; not the extension itself. */
  forward_always?: string
  forward_busy?: string
  forward_no_answer?: string
  /** 5-300, default 20. */
  no_answer_seconds?: number
  record?: RecordSetting
}
export interface Extension {
  id: Id
  number: string
  display_name: string
  transports: Transport[]
  allowed_cidrs: string[]
  max_contacts: number
  codecs: Codec[]
  dial_permission: DialPermission
  auth_algorithms: DigestAlgorithm[]
  enabled: boolean
  dnd: boolean
  forward_always: string
  forward_busy: string
  forward_no_answer: string
  no_answer_seconds: number
  record: RecordSetting
  /** At least one live contact. */
  registered: boolean
  contacts: number
  created_at: Millis
  updated_at: Millis
  /** Only in the create answer and GET of one extension. */
  password?: string
}
export interface ExtensionQuery extends ListQuery {
  enabled?: boolean
  registered?: boolean
  dial_permission?: DialPermission
}

export interface Registration {
  id: Id
  extension_id: Id
  number: string
  contact: string
  transport: string
  /** ip:port the REGISTER came from. */
  source: string
  user_agent: string
  expires_at: Millis
  registered_at: Millis
}
export interface RegistrationQuery extends ListQuery {
  extension_id?: Id
  number?: string
  transport?: string
}

export type CallDirection = 'internal' | 'inbound' | 'outbound'
export type CallEndStatus =
  | 'normal_end' | 'caller_cancelled' | 'no_answer' | 'busy' | 'rejected' | 'unavailable' | 'vacant' | 'arrears'
  | 'carrier_error' | 'not_connected' | 'media_timeout' | 'session_expired' | 'transferred' | 'transfer_failed' | 'system_error' | 'blacklisted'
  | 'no_route' | 'closed' | 'permission_denied' | 'caller_id_not_allowed' | 'no_trunk' | 'tenant_disabled' | 'over_capacity' | 'hangup'
  | 'not_implemented' | 'forward_loop'
export type HangupSide = 'caller' | 'callee' | 'system' | 'admin'

export interface CallRecord {
  id: Id
  direction: CallDirection | string
  caller: string
  caller_name: string
  callee: string
  /** Endpoint that answered; empty when nobody did. */
  answered_by: string
  start_at: Millis
  ring_at: Millis | null
  answer_at: Millis | null
  end_at: Millis
  /** Seconds from start to end. */
  duration: number
  /** Seconds from answer to end. */
  talk_time: number
  end_status: CallEndStatus | string
  hangup_side: HangupSide | string
  trunk_id: Id | null
  sip_code: number
  sip_reason: string
  /** The ACD queue the call last waited in (or tried). */
  queue_id: Id | null
  /** The agent who took it from a queue, and their number ("" when none). */
  agent_id: Id | null
  agent_no: string
}
export interface CallLeg {
  id: Id
  seq: number
  role: 'caller' | 'callee' | string
  endpoint: string
  uri: string
  sip_call_id: string
  codec: string | null
  start_at: Millis
  ring_at: Millis | null
  answer_at: Millis | null
  end_at: Millis | null
  sip_code: number
  rx_packets: number
  tx_packets: number
  lost: number
  jitter_ms: number
  rx_mos: number | null
  tx_mos: number | null
  rtt_ms: number | null
}
export interface CallDetail extends CallRecord {
  legs: CallLeg[]
  /** Only for users who hold the `recordings` menu. */
  recordings?: Recording[]
  /** The IVR flows the call went through, step by step (empty when none). */
  ivr_path?: IvrPathStep[]
}
export type LiveCallState = 'trying' | 'ringing' | 'talking'
/** A call in progress (GET /calls/live). */
export interface LiveCall {
  id: Id
  direction: CallDirection | string
  caller: string
  caller_name: string
  callee: string
  /** `ringing` also while a transferred caller waits for the target. */
  state: LiveCallState | string
  start_at: Millis
  answer_at: Millis | null
  /** Empty until answered. */
  answered_by: string
  caller_codec: string | null
  callee_codec: string | null
  recording: 'off' | 'recording' | 'paused'
  /** The last queue the call waited in, and the agent who took it from a queue. */
  queue_id: Id | null
  agent_id: Id | null
  agent_no: string | null
  /** Waiting in a queue now. */
  waiting: boolean
  /** Held or muted by the agent. */
  on_hold: boolean
  muted: boolean
  /** A supervisor on the call (POST /calls/live/{id}/monitor). */
  monitor: { mode: 'listen' | 'whisper' | 'barge' | 'intercept', phone: string, by: string, answered: boolean } | null
}
export interface LiveCallList {
  items: LiveCall[]
  total: number
}
export interface CallQuery extends ListQuery {
  /** Earliest start_at (inclusive). */
  from?: Millis
  /** Latest start_at (exclusive). */
  to?: Millis
  direction?: string
  end_status?: string
  caller?: string
  callee?: string
  hangup_side?: string
}

// ---- Routing (trunks, numbers, time groups, routes, lists) -------------------

export type TrunkType = 'register' | 'peer'
export type TrunkState = 'registered' | 'registering' | 'failed' | 'disabled' | string
export interface TrunkStatus {
  state: TrunkState
  code: number
  reason: string
  updated_at: Millis
}
export interface TrunkWrite {
  name?: string
  type?: TrunkType
  host?: string
  port?: number
  transport?: 'udp' | 'tcp' | 'tls'
  username?: string
  auth_username?: string
  /** Write-only. */
  password?: string
  realm?: string
  expires?: number
  outbound_proxy?: string
  peer_cidrs?: string[]
  codecs?: Codec[]
  caller_id_format?: 'as_is' | 'e164' | 'national'
  country_code?: string
  max_calls?: number
  failover_group?: string
  enabled?: boolean
  record?: RecordSetting
}
export interface Trunk extends Required<Omit<TrunkWrite, 'password'>> {
  id: Id
  has_password: boolean
  /** Live registration state (register trunks); null before the first attempt. */
  status: TrunkStatus | null
  created_at: Millis
  updated_at: Millis
}

export interface NumberWrite {
  number?: string
  trunk_id?: Id | null
  description?: string
  enabled?: boolean
}
export interface PhoneNumber {
  id: Id
  number: string
  trunk_id: Id | null
  description: string
  enabled: boolean
  created_at: Millis
  updated_at: Millis
}

export interface TimeRule {
  /** 1 = Monday … 7 = Sunday. */
  days: number[]
  start: string
  end: string
}
export interface Holiday {
  date: string
  name?: string
}
export interface TimeGroupWrite {
  name?: string
  rules?: TimeRule[]
  holidays?: Holiday[]
}
export interface TimeGroup extends Required<TimeGroupWrite> {
  id: Id
  created_at: Millis
  updated_at: Millis
}

export type DestinationType = 'extension' | 'ring_group' | 'external' | 'hangup' | 'ivr' | 'queue' | 'voicemail'
export interface Destination {
  type: DestinationType
  target?: string | string[] | null
}
export interface InboundRouteWrite {
  name?: string
  priority?: number
  number?: string
  caller_prefix?: string
  time_group_id?: Id | null
  time_match?: 'in' | 'out'
  destination?: Destination
  enabled?: boolean
}
export interface InboundRoute extends Required<InboundRouteWrite> {
  id: Id
  created_at: Millis
  updated_at: Millis
}

export type CallerIdPolicy = 'extension' | 'fixed' | 'pool_random' | 'same_area'
export interface OutboundRouteWrite {
  name?: string
  priority?: number
  patterns?: string[]
  strip?: number
  prepend?: string
  caller_id_policy?: CallerIdPolicy
  caller_id_number?: string
  caller_id_pool?: string[]
  /** A calling extension may choose one of the pool (the workbench's dial pad). */
  caller_id_choice?: boolean
  /** In failover order. */
  trunk_ids?: Id[]
  dial_permission?: DialPermission
  enabled?: boolean
}
export interface OutboundRoute extends Required<OutboundRouteWrite> {
  id: Id
  created_at: Millis
  updated_at: Millis
}

export interface NumberListWrite {
  name?: string
  direction?: 'inbound' | 'outbound'
  type?: 'black' | 'white'
  /** Numbers, or prefixes ending in '*'. */
  entries?: string[]
  enabled?: boolean
}
export interface NumberList extends Required<NumberListWrite> {
  id: Id
  created_at: Millis
  updated_at: Millis
}
/** Speed dial: a phone dials `*` + `short_number` to call `number`. */
export interface SpeedDialWrite {
  /** 1-6 digits, unique in the tenant; feature codes (8, 80-83, 86-88, 841…, 851-853) are refused. */
  short_number?: string
  /** Digits with an optional leading '+': an extension or an outside number. */
  number?: string
  remark?: string
}
export interface SpeedDial extends Required<SpeedDialWrite> {
  id: Id
  created_at: Millis
  updated_at: Millis
}
export interface ConferenceRoomWrite {
  /** 2-8 digits; not an extension's or a voicemail box's number of the tenant. */
  number?: string
  name?: string
  /** Up to 12 digits; empty = anyone may enter. */
  pin?: string
  /** Up to 12 digits, not the user PIN; empty = no administrator by PIN. */
  admin_pin?: string
  /** 2-64, default 10. */
  max_members?: number
  join_tones?: boolean
  enabled?: boolean
}
/** A conference room; `pin`/`admin_pin` only in GET of one room, create and update, for users who may write. */
export interface ConferenceRoom {
  id: Id
  number: string
  name: string
  has_pin: boolean
  has_admin_pin: boolean
  pin?: string
  admin_pin?: string
  max_members: number
  join_tones: boolean
  enabled: boolean
  created_at: Millis
  updated_at: Millis
}
export interface VoicemailBoxWrite {
  /** Create only: the extension whose own box this is (reached on its number)... */
  extension_id?: Id | null
  /** ...or a number (2-16 digits) for a box of the tenant. */
  number?: string | null
  name?: string
  /** 4-12 digits; empty = none. */
  pin?: string
  /** An approved voice; null = the default prompt and beep. */
  greeting_voice_id?: Id | null
  /** 10-600, default 120. */
  max_message_s?: number
  enabled?: boolean
  /** Kept for event notifications (the event bus is not built yet). */
  notify?: boolean
}
export interface VoicemailBox {
  id: Id
  extension_id: Id | null
  /** The extension's number for an extension's box. */
  number: string
  name: string
  has_pin: boolean
  pin?: string
  greeting_voice_id: Id | null
  greeting_voice_name: string | null
  max_message_s: number
  enabled: boolean
  notify: boolean
  new_messages: number
  messages: number
  created_at: Millis
  updated_at: Millis
}
export type VoicemailStatus = 'new' | 'read'
export interface VoicemailMessage {
  id: Id
  box_id: Id
  box_number: string
  box_name: string
  call_id: string
  caller: string
  caller_name: string
  duration_ms: number
  status: VoicemailStatus
  created_at: Millis
  read_at: Millis | null
  /** WAV, with HTTP Range; add ?download=1 to save it. */
  audio_url: string
}
export type VoiceStatus = 'pending' | 'approved' | 'rejected'
/** A voice of the library: the upload's facts; the stored audio is 16 kHz mono WAV. */
export interface Voice {
  id: Id
  tenant_id: Id
  name: string
  remark: string
  format: 'wav' | 'mp3'
  original_rate: number
  original_channels: number
  duration_ms: number
  size_bytes: number
  status: VoiceStatus
  review_reason: string
  reviewed_by: string
  reviewed_at: Millis | null
  created_by: string
  created_at: Millis
  updated_at: Millis
  /** Music-on-hold classes that play it. */
  used_by: number
  audio_url: string
}
export interface VoiceReview {
  status: 'approved' | 'rejected'
  reason?: string
}
export interface MohClassWrite {
  name?: string
  remark?: string
  mode?: 'sequential' | 'random'
  /** Approved voices, in playing order. */
  voice_ids?: Id[]
}
export interface MohClass extends Required<MohClassWrite> {
  id: Id
  voices: { id: Id; name: string; status: VoiceStatus; duration_ms: number }[]
  created_at: Millis
  updated_at: Millis
}
/** List query with the endpoint's exact-match filters (e.g. `type`, `direction`, `enabled`). */
export type FilterQuery = ListQuery & { [filter: string]: string | number | boolean | undefined }

/** Someone in a meeting room now (from the call engine's memory). */
export interface RoomParticipant {
  call_id: Id
  caller: string
  caller_name: string
  joined_at: Millis
  muted: boolean
  admin: boolean
}

// ---- IVR flows (docs/ivr.md) -------------------------------------------------

export type IvrNodeType =
  | 'start' | 'play' | 'menu' | 'collect' | 'set' | 'condition' | 'time' | 'region' | 'http' | 'dynamic_menu'
  | 'transfer_extension' | 'transfer_external' | 'queue' | 'voicemail' | 'survey' | 'counter' | 'back' | 'top'
  | 'subflow' | 'hangup' | 'speech_menu'
export type IvrTone = 'beep' | 'confirm' | 'busy' | 'dial'
/** One part of a prompt; a prompt is 0-8 parts played one after the other. */
export type IvrPromptPart =
  | { type: 'tts'; text: string }
  | { type: 'voice'; id: Id }
  | { type: 'tone'; name: IvrTone }
  | { type: 'digits'; text: string }
  | { type: 'number'; text: string }
export type IvrPrompt = IvrPromptPart[]
/** A node of the graph: `exits` maps every exit of its type to a node id, or null (the flow ends here);
 *  an exit left out is "not connected" (a validation error). */
export interface IvrNode {
  id: string
  type: IvrNodeType | string
  name: string
  x: number
  y: number
  params: Record<string, unknown>
  exits: Record<string, string | null>
}
export interface IvrGraph {
  nodes: IvrNode[]
}
export interface IvrFlowWrite {
  name?: string
  description?: string
  /** 2-8 digits extensions can dial to reach the flow; empty = none. */
  number?: string
}
export interface IvrFlow {
  id: Id
  name: string
  description: string
  number: string
  published_version_id: Id | null
  /** The published version's number. */
  published_version: number | null
  /** On create only: draft version 1. */
  draft_version_id?: Id
  created_at: Millis
  updated_at: Millis
}
export type IvrVersionStatus = 'draft' | 'published' | 'retired'
export interface IvrVersion {
  id: Id
  flow_id: Id
  flow_name: string
  version: number
  note: string
  based_on: Id | null
  status: IvrVersionStatus
  created_at: Millis
  updated_at: Millis
  /** When it was last published. */
  published_at: Millis | null
  /** Only in GET of one version. */
  graph?: IvrGraph
}
export interface IvrVersionCreate {
  based_on?: Id
  note?: string
}
export interface IvrVersionUpdate {
  graph?: IvrGraph
  note?: string
}
export interface IvrProblem {
  /** Empty for the graph as a whole. */
  node_id: string
  message: string
}
export interface IvrValidation {
  valid: boolean
  errors: IvrProblem[]
}
export interface IvrReport {
  keys: { node_id: string; node_name: string; key: string; count: number }[]
  anchors: { name: string; count: number }[]
  /** Calls that entered the flow, and their average time in it. */
  calls: number
  avg_ivr_ms: number
}
export interface IvrReportQuery {
  from?: Millis
  to?: Millis
}
/** One step of a call through a flow (GET /calls/{id} → ivr_path). */
export interface IvrPathStep {
  seq: number
  flow_id: Id
  flow_name: string
  version: number
  node_id: string
  node_name: string
  node_type: string
  entered_at: Millis
  left_at: Millis | null
  /** The exit taken; null: the call ended in the node. */
  exit: string | null
  /** Keys pressed in the node. */
  digits: string
}

// ---- ACD configuration (issue 6): skills, busy reasons, agents, queues ----
export interface SkillWrite {
  /** 1-64, unique in the tenant. */
  name?: string
  description?: string
}
export interface Skill extends Required<SkillWrite> {
  id: Id
  created_at: Millis
  updated_at: Millis
}
/** A reason agents give when busy (break, meal, training...); listed in the order of `sort`. */
export interface BusyReasonWrite {
  /** 1-32, unique in the tenant. */
  name?: string
  /** 0-1000. */
  sort?: number
}
export interface BusyReason extends Required<BusyReasonWrite> {
  id: Id
  created_at: Millis
  updated_at: Millis
}
export interface AgentSkill {
  skill_id: Id
  /** 0-9. */
  level?: number
}
export interface AgentWrite {
  /** The agent number (工号): 3-10 digits, unique in the tenant. */
  agent_no?: string
  name?: string
  department_id?: Id | null
  /** The bound phone (a SIP extension); one agent per phone (409). */
  extension_id?: Id | null
  /** The console user who works as this agent on the workbench; one agent per user (409). */
  user_id?: Id | null
  skills?: AgentSkill[]
  /** 1-10, default 1. */
  max_calls?: number
  /** 0-600, default 5. */
  wrap_up_s?: number
  /** Set busy after a call rang out. */
  busy_after_miss?: boolean
  /** Queue calls ask the agent's phone to answer by itself. */
  auto_answer?: boolean
  /** An outside number (mobile) the agent may work on; "" none. */
  external_number?: string
  /** The caller ID shown to the outside number; "" the route's. */
  external_caller_id?: string
  outbound?: boolean
  monitor?: boolean
  enabled?: boolean
}
export interface Agent extends Required<AgentWrite> {
  id: Id
  created_at: Millis
  updated_at: Millis
}
export type QueueStrategy =
  | 'ring_all' | 'sequential' | 'round_robin' | 'longest_idle' | 'fewest_calls' | 'random' | 'skill_first'
export interface QueueMember {
  agent_id: Id
  /** 0-100. */
  priority?: number
}
export interface QueueSkill {
  skill_id: Id
  /** 0-9: agents whose level is at least this are members too. */
  min_level?: number
}
export interface QueueWrite {
  /** 1-64, unique in the tenant. */
  name?: string
  /** 2-8 digits in the tenant's dial plan (409 when taken), or "". */
  number?: string
  strategy?: QueueStrategy
  members?: QueueMember[]
  skills?: QueueSkill[]
  /** 0-100, higher first for agents in several queues. */
  priority?: number
  ring_timeout_s?: number
  retry_delay_s?: number
  /** 0 = unlimited. */
  max_waiting?: number
  /** Not less than ring_timeout_s. */
  max_wait_s?: number
  service_level_s?: number
  /** 0: the agent's own. */
  wrap_up_s?: number
  moh_class_id?: Id | null
  /** 0 = no position announcements. */
  announce_position_s?: number
  sticky_days?: number
  sticky_strict?: boolean
  /** An inbound white list: callers on it wait with vip_priority. */
  vip_list_id?: Id | null
  /** 0-100, higher waits ahead. */
  vip_priority?: number
  /** 0 = none, else every 5-600 s announce_prompt. */
  announce_s?: number
  announce_prompt?: QueuePromptPart[]
  /** Played to the agent before the caller is connected. */
  whisper_prompt?: QueuePromptPart[]
  /** The agent's phone shows "queue name: caller". */
  agent_display_queue?: boolean
  /** For calls sent straight to the queue: where each reason goes. */
  overflow?: Partial<Record<QueueOverflowReason, QueueOverflow>>
  /** 0-9, * or #; "" none. */
  leave_key?: string
  leave_to?: '' | 'voicemail' | 'callback'
  /** A voicemail box's number (leave_to voicemail). */
  leave_box?: string
  leave_prompt?: QueuePromptPart[]
  /** The workbench's screen pop: an http(s) URL template with ${name} variables; '' for none. */
  screen_pop_url?: string
  /** The IVR flow of the workbench's one-click survey invite (null: none). */
  survey_flow_id?: string | null
  enabled?: boolean
}
/** A prompt part, as in IVR flows. */
export type QueuePromptPart =
  | { type: 'tts'; text: string }
  | { type: 'voice'; id: Id }
  | { type: 'tone'; name: 'beep' | 'confirm' | 'busy' | 'dial' }
export type QueueOverflowReason = 'no_agent' | 'full' | 'timeout'
export interface QueueOverflow {
  type: 'queue' | 'ivr' | 'voicemail' | 'external' | 'hangup'
  /** queue / IVR flow id, a voicemail box's number, an outside number. */
  target?: string
  /** hangup only. */
  prompt?: QueuePromptPart[]
}
export type CallbackStatus = 'pending' | 'done' | 'failed' | 'cancelled'
export interface CallbackRequest {
  id: Id
  queue_id: Id | null
  call_id: Id
  caller: string
  status: CallbackStatus
  note: string
  agent_id: Id | null
  created_at: Millis
  updated_at: Millis
}
export interface Queue extends Required<QueueWrite> {
  id: Id
  created_at: Millis
  updated_at: Millis
}

// ---- ACD at run time (live board) ---------------------------------------------

/** An answer of a live (not paged) list. */
export interface LiveList<T> {
  items: T[]
  total: number
}
export type AgentLiveState = 'offline' | 'idle' | 'busy' | 'ringing' | 'talking' | 'wrap_up'
/** An agent now (GET /api/v1/agents/live; the answer of login, logout and state). */
export interface LiveAgent {
  id: Id
  agent_no: string
  name: string
  state: AgentLiveState | string
  /** The busy reason; empty otherwise. */
  reason: string
  /** When the current state began; null while offline since the daemon started. */
  since: Millis | null
  /** The phone the agent works on: the extension chosen at login, else the bound one; or their outside number. */
  phone: string
  /** `phone` is the agent's outside number (login with phone "external", or no extension bound). */
  external: boolean
  answered_today: number
  active_calls: number
  /** A queue call rings the agent now. */
  offered: boolean
  max_calls: number
  /** Calls on the agent's phone the ACD did not give; no queue call is offered meanwhile. */
  other_calls: number
}
/** A queue with calls waiting now (GET /api/v1/queues/live). */
export interface LiveQueue {
  queue_id: Id
  waiting: number
  /** How long the first caller has waited, at the time of the answer (0: nobody waits). */
  longest_wait_ms: number
}
/** Body of agent login and state: idle, or busy with an optional reason (at most 32 characters). */
export interface AgentStateChange {
  state?: 'idle' | 'busy'
  reason?: string
  /** Login only: the extension to work on this session, or "external" (default: the bound phone). */
  phone?: string
}
export type MonitorMode = 'listen' | 'whisper' | 'barge' | 'intercept'
/** POST /api/v1/calls/live/{id}/monitor: the supervisor's phone (an extension number) is called and joins the call. */
export interface MonitorRequest {
  mode: MonitorMode
  phone: string
}

/** GET /api/v1/queue-calls: one visit of a call to a queue (docs/api.md). */
export interface QueueCall {
  id: Id
  call_id: Id
  queue_id: Id
  caller: string
  entered_at: number
  /** false: refused at entry (no_agent / full) */
  queued: boolean
  outcome: 'waiting' | 'answered' | 'abandoned' | 'timeout' | 'no_agent' | 'full' | 'interrupted'
  answered_at: number | null
  left_at: number | null
  agent_id: Id | null
  wait_ms: number | null
}
export type ReportInterval = 'none' | '15m' | 'hour' | 'day'
export interface ReportQuery {
  from: number
  to: number
  interval?: ReportInterval
  queue_id?: Id
  agent_id?: Id
  short_abandon_s?: number
}
/** A percentage with two decimals; null when its denominator is 0 (shown as `-`). */
export type Rate = number | null
/** Queue figures of a period or interval (docs/guide.md "Queue and agent statistics"). */
export interface QueueFigures {
  start?: number
  end?: number
  offered: number
  queued: number
  refused_no_agent: number
  refused_full: number
  answered: number
  abandoned: number
  short_abandoned: number
  overflowed: number
  overflowed_timeout: number
  overflowed_no_agent: number
  other: number
  waiting: number
  answered_in_time: number
  abandoned_in_time: number
  handled: number
  wait_answered_ms: number
  wait_abandoned_ms: number
  talk_ms: number
  hold_ms: number
  wrap_up_ms: number
  longest_wait_ms: number
  longest_wait_s: number
  service_level: Rate
  sl: Rate
  sl2: Rate
  answer_rate: Rate
  abandon_rate: Rate
  asa_s: number | null
  avg_abandon_s: number | null
  aht_s: number | null
}
export interface QueueReport {
  from: number
  to: number
  interval: ReportInterval
  timezone: string
  short_abandon_s: number
  queues: { queue_id: Id; name: string; service_level_s: number; total: QueueFigures; intervals: QueueFigures[] }[]
}
export interface AgentFigures {
  start?: number
  end?: number
  offered: number
  answered: number
  login_ms: number
  idle_ms: number
  busy_ms: number
  busy_reasons: Record<string, number>
  ringing_ms: number
  talking_ms: number
  hold_ms: number
  wrap_up_ms: number
  other_ms: number
  answer_rate: Rate
  occupancy: Rate
  utilisation: Rate
  work_rate: Rate
}
export interface AgentReport {
  from: number
  to: number
  interval: ReportInterval
  timezone: string
  agents: { agent_id: Id; agent_no: string; name: string; department_id: Id | null; total: AgentFigures; intervals: AgentFigures[] }[]
}
