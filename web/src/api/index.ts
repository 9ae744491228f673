// Endpoint functions, one per operation of docs/openapi.yaml.
import { request, requestBlob } from './client'
import type * as T from './types'

export * from './types'
export { ApiError, request, setUnauthenticatedHandler } from './client'

const B = '/api/v1'
type Q = Record<string, string | number | boolean | null | undefined>
const q = (x?: object) => x as Q | undefined

export const api = {
  health: () => request<T.Health>('GET', `${B}/health`),

  login: (body: T.LoginRequest) =>
    request<T.LoginResponse>('POST', `${B}/auth/login`, { body, noAuthRedirect: true }),
  logout: () => request<void>('POST', `${B}/auth/logout`, { noAuthRedirect: true }),
  me: () => request<T.Me>('GET', `${B}/auth/me`, { noAuthRedirect: true }),
  changePassword: (body: T.PasswordChange) =>
    request<void>('POST', `${B}/auth/password`, { body, noAuthRedirect: true }),
  permissions: () => request<T.PermissionKeyList>('GET', `${B}/permissions`),

  tenants: {
    list: (query?: T.TenantQuery) => request<T.List<T.Tenant>>('GET', `${B}/tenants`, { query: q(query) }),
    get: (id: T.Id) => request<T.Tenant>('GET', `${B}/tenants/${id}`),
    create: (body: T.TenantCreate) => request<T.Tenant>('POST', `${B}/tenants`, { body }),
    update: (id: T.Id, body: T.TenantUpdate) => request<T.Tenant>('PATCH', `${B}/tenants/${id}`, { body }),
    remove: (id: T.Id) => request<void>('DELETE', `${B}/tenants/${id}`),
  },
  departments: {
    list: (query?: T.DepartmentQuery) =>
      request<T.List<T.Department>>('GET', `${B}/departments`, { query: q(query) }),
    get: (id: T.Id) => request<T.Department>('GET', `${B}/departments/${id}`),
    create: (body: T.DepartmentCreate) => request<T.Department>('POST', `${B}/departments`, { body }),
    update: (id: T.Id, body: T.DepartmentUpdate) =>
      request<T.Department>('PATCH', `${B}/departments/${id}`, { body }),
    remove: (id: T.Id) => request<void>('DELETE', `${B}/departments/${id}`),
  },
  users: {
    list: (query?: T.UserQuery) => request<T.List<T.User>>('GET', `${B}/users`, { query: q(query) }),
    get: (id: T.Id) => request<T.User>('GET', `${B}/users/${id}`),
    create: (body: T.UserCreate) => request<T.User>('POST', `${B}/users`, { body }),
    update: (id: T.Id, body: T.UserUpdate) => request<T.User>('PATCH', `${B}/users/${id}`, { body }),
    remove: (id: T.Id) => request<void>('DELETE', `${B}/users/${id}`),
  },
  roles: {
    list: (query?: T.ListQuery) => request<T.List<T.Role>>('GET', `${B}/roles`, { query: q(query) }),
    get: (id: T.Id) => request<T.Role>('GET', `${B}/roles/${id}`),
    create: (body: T.RoleCreate) => request<T.Role>('POST', `${B}/roles`, { body }),
    update: (id: T.Id, body: T.RoleUpdate) => request<T.Role>('PATCH', `${B}/roles/${id}`, { body }),
    remove: (id: T.Id) => request<void>('DELETE', `${B}/roles/${id}`),
  },
  apiKeys: {
    list: (query?: T.ApiKeyQuery) => request<T.List<T.ApiKey>>('GET', `${B}/api-keys`, { query: q(query) }),
    get: (id: T.Id) => request<T.ApiKey>('GET', `${B}/api-keys/${id}`),
    create: (body: T.ApiKeyCreate) => request<T.ApiKeyCreated>('POST', `${B}/api-keys`, { body }),
    revoke: (id: T.Id) => request<void>('DELETE', `${B}/api-keys/${id}`),
  },
  security: {
    getIpAllowlist: () => request<T.IpAllowlist>('GET', `${B}/security/ip-allowlist`),
    putIpAllowlist: (body: T.IpAllowlist) => request<T.IpAllowlist>('PUT', `${B}/security/ip-allowlist`, { body }),
  },
  logs: {
    operations: (query?: T.OperationLogQuery) =>
      request<T.List<T.OperationLog>>('GET', `${B}/logs/operations`, { query: q(query) }),
    logins: (query?: T.LoginLogQuery) =>
      request<T.List<T.LoginLog>>('GET', `${B}/logs/logins`, { query: q(query) }),
  },
  extensions: {
    list: (query?: T.ExtensionQuery) =>
      request<T.List<T.Extension>>('GET', `${B}/extensions`, { query: q(query) }),
    get: (id: T.Id) => request<T.Extension>('GET', `${B}/extensions/${id}`),
    create: (body: T.ExtensionWrite) => request<T.Extension>('POST', `${B}/extensions`, { body }),
    update: (id: T.Id, body: T.ExtensionWrite) => request<T.Extension>('PATCH', `${B}/extensions/${id}`, { body }),
    remove: (id: T.Id) => request<void>('DELETE', `${B}/extensions/${id}`),
  },
  registrations: {
    list: (query?: T.RegistrationQuery) =>
      request<T.List<T.Registration>>('GET', `${B}/registrations`, { query: q(query) }),
  },
  trunks: {
    list: (query?: T.ListQuery | T.FilterQuery) =>
      request<T.List<T.Trunk>>('GET', `${B}/trunks`, { query: q(query) }),
    get: (id: T.Id) => request<T.Trunk>('GET', `${B}/trunks/${id}`),
    create: (body: T.TrunkWrite) => request<T.Trunk>('POST', `${B}/trunks`, { body }),
    update: (id: T.Id, body: T.TrunkWrite) => request<T.Trunk>('PATCH', `${B}/trunks/${id}`, { body }),
    remove: (id: T.Id) => request<void>('DELETE', `${B}/trunks/${id}`),
  },
  numbers: {
    list: (query?: T.ListQuery | T.FilterQuery) =>
      request<T.List<T.PhoneNumber>>('GET', `${B}/numbers`, { query: q(query) }),
    get: (id: T.Id) => request<T.PhoneNumber>('GET', `${B}/numbers/${id}`),
    create: (body: T.NumberWrite) => request<T.PhoneNumber>('POST', `${B}/numbers`, { body }),
    update: (id: T.Id, body: T.NumberWrite) => request<T.PhoneNumber>('PATCH', `${B}/numbers/${id}`, { body }),
    remove: (id: T.Id) => request<void>('DELETE', `${B}/numbers/${id}`),
  },
  timeGroups: {
    list: (query?: T.ListQuery | T.FilterQuery) =>
      request<T.List<T.TimeGroup>>('GET', `${B}/time-groups`, { query: q(query) }),
    get: (id: T.Id) => request<T.TimeGroup>('GET', `${B}/time-groups/${id}`),
    create: (body: T.TimeGroupWrite) => request<T.TimeGroup>('POST', `${B}/time-groups`, { body }),
    update: (id: T.Id, body: T.TimeGroupWrite) => request<T.TimeGroup>('PATCH', `${B}/time-groups/${id}`, { body }),
    remove: (id: T.Id) => request<void>('DELETE', `${B}/time-groups/${id}`),
  },
  inboundRoutes: {
    list: (query?: T.ListQuery | T.FilterQuery) =>
      request<T.List<T.InboundRoute>>('GET', `${B}/inbound-routes`, { query: q(query) }),
    get: (id: T.Id) => request<T.InboundRoute>('GET', `${B}/inbound-routes/${id}`),
    create: (body: T.InboundRouteWrite) => request<T.InboundRoute>('POST', `${B}/inbound-routes`, { body }),
    update: (id: T.Id, body: T.InboundRouteWrite) => request<T.InboundRoute>('PATCH', `${B}/inbound-routes/${id}`, { body }),
    remove: (id: T.Id) => request<void>('DELETE', `${B}/inbound-routes/${id}`),
  },
  outboundRoutes: {
    list: (query?: T.ListQuery | T.FilterQuery) =>
      request<T.List<T.OutboundRoute>>('GET', `${B}/outbound-routes`, { query: q(query) }),
    get: (id: T.Id) => request<T.OutboundRoute>('GET', `${B}/outbound-routes/${id}`),
    create: (body: T.OutboundRouteWrite) => request<T.OutboundRoute>('POST', `${B}/outbound-routes`, { body }),
    update: (id: T.Id, body: T.OutboundRouteWrite) => request<T.OutboundRoute>('PATCH', `${B}/outbound-routes/${id}`, { body }),
    remove: (id: T.Id) => request<void>('DELETE', `${B}/outbound-routes/${id}`),
  },
  voices: {
    list: (query?: T.FilterQuery) => request<T.List<T.Voice>>('GET', `${B}/voices`, { query: q(query) }),
    get: (id: T.Id) => request<T.Voice>('GET', `${B}/voices/${id}`),
    /** The file's bytes are the body; the daemon recognises WAV or MP3 from them. */
    upload: (file: Blob, name: string, remark?: string) =>
      request<T.Voice>('POST', `${B}/voices`, { file, query: { name, remark } }),
    update: (id: T.Id, body: { name?: string; remark?: string }) =>
      request<T.Voice>('PATCH', `${B}/voices/${id}`, { body }),
    replace: (id: T.Id, file: Blob) => request<T.Voice>('PUT', `${B}/voices/${id}/audio`, { file }),
    review: (id: T.Id, body: T.VoiceReview) => request<T.Voice>('POST', `${B}/voices/${id}/review`, { body }),
    remove: (id: T.Id) => request<void>('DELETE', `${B}/voices/${id}`),
    audioUrl: (v: T.Voice, download = false) => v.audio_url + (download ? '?download=1' : ''),
  },
  moh: {
    list: (query?: T.FilterQuery) => request<T.List<T.MohClass>>('GET', `${B}/moh-classes`, { query: q(query) }),
    get: (id: T.Id) => request<T.MohClass>('GET', `${B}/moh-classes/${id}`),
    create: (body: T.MohClassWrite) => request<T.MohClass>('POST', `${B}/moh-classes`, { body }),
    update: (id: T.Id, body: T.MohClassWrite) => request<T.MohClass>('PATCH', `${B}/moh-classes/${id}`, { body }),
    remove: (id: T.Id) => request<void>('DELETE', `${B}/moh-classes/${id}`),
  },
  lists: {
    list: (query?: T.ListQuery | T.FilterQuery) =>
      request<T.List<T.NumberList>>('GET', `${B}/lists`, { query: q(query) }),
    get: (id: T.Id) => request<T.NumberList>('GET', `${B}/lists/${id}`),
    create: (body: T.NumberListWrite) => request<T.NumberList>('POST', `${B}/lists`, { body }),
    update: (id: T.Id, body: T.NumberListWrite) => request<T.NumberList>('PATCH', `${B}/lists/${id}`, { body }),
    remove: (id: T.Id) => request<void>('DELETE', `${B}/lists/${id}`),
  },
  speedDials: {
    list: (query?: T.ListQuery | T.FilterQuery) =>
      request<T.List<T.SpeedDial>>('GET', `${B}/speed-dials`, { query: q(query) }),
    get: (id: T.Id) => request<T.SpeedDial>('GET', `${B}/speed-dials/${id}`),
    create: (body: T.SpeedDialWrite) => request<T.SpeedDial>('POST', `${B}/speed-dials`, { body }),
    update: (id: T.Id, body: T.SpeedDialWrite) => request<T.SpeedDial>('PATCH', `${B}/speed-dials/${id}`, { body }),
    remove: (id: T.Id) => request<void>('DELETE', `${B}/speed-dials/${id}`),
  },
  conferenceRooms: {
    list: (query?: T.ListQuery | T.FilterQuery) =>
      request<T.List<T.ConferenceRoom>>('GET', `${B}/conference-rooms`, { query: q(query) }),
    get: (id: T.Id) => request<T.ConferenceRoom>('GET', `${B}/conference-rooms/${id}`),
    create: (body: T.ConferenceRoomWrite) => request<T.ConferenceRoom>('POST', `${B}/conference-rooms`, { body }),
    update: (id: T.Id, body: T.ConferenceRoomWrite) =>
      request<T.ConferenceRoom>('PATCH', `${B}/conference-rooms/${id}`, { body }),
    remove: (id: T.Id) => request<void>('DELETE', `${B}/conference-rooms/${id}`),
    participants: (id: T.Id) =>
      request<{ items: T.RoomParticipant[]; total: number }>('GET', `${B}/conference-rooms/${id}/participants`),
    mute: (callId: T.Id, muted: boolean) =>
      request<{ call_id: string; muted: boolean }>('POST', `${B}/calls/live/${callId}/conference`, { body: { muted } }),
  },
  voicemailBoxes: {
    list: (query?: T.ListQuery | T.FilterQuery) =>
      request<T.List<T.VoicemailBox>>('GET', `${B}/voicemail-boxes`, { query: q(query) }),
    get: (id: T.Id) => request<T.VoicemailBox>('GET', `${B}/voicemail-boxes/${id}`),
    create: (body: T.VoicemailBoxWrite) => request<T.VoicemailBox>('POST', `${B}/voicemail-boxes`, { body }),
    update: (id: T.Id, body: T.VoicemailBoxWrite) =>
      request<T.VoicemailBox>('PATCH', `${B}/voicemail-boxes/${id}`, { body }),
    remove: (id: T.Id) => request<void>('DELETE', `${B}/voicemail-boxes/${id}`),
  },
  voicemailMessages: {
    list: (query?: T.ListQuery | T.FilterQuery) =>
      request<T.List<T.VoicemailMessage>>('GET', `${B}/voicemail-messages`, { query: q(query) }),
    get: (id: T.Id) => request<T.VoicemailMessage>('GET', `${B}/voicemail-messages/${id}`),
    mark: (id: T.Id, status: T.VoicemailStatus) =>
      request<T.VoicemailMessage>('PATCH', `${B}/voicemail-messages/${id}`, { body: { status } }),
    remove: (id: T.Id) => request<void>('DELETE', `${B}/voicemail-messages/${id}`),
    audioUrl: (m: T.VoicemailMessage, download = false) => m.audio_url + (download ? '?download=1' : ''),
  },
  calls: {
    list: (query?: T.CallQuery) => request<T.List<T.CallRecord>>('GET', `${B}/calls`, { query: q(query) }),
    get: (id: T.Id) => request<T.CallDetail>('GET', `${B}/calls/${id}`),
    /** Calls in progress on this node (not paged); 503 `unavailable` when telephony is off. */
    live: () => request<T.LiveCallList>('GET', `${B}/calls/live`),
    /** Hang a call in progress up (204); 404 when it is no longer in progress. */
    hangUp: (id: T.Id) => request<void>('DELETE', `${B}/calls/live/${id}`),
    recording: (id: T.Id, action: 'start' | 'pause' | 'resume' | 'stop') =>
      request<{ recording: 'off' | 'recording' | 'paused'; recording_id: string | null }>(
        'POST', `${B}/calls/live/${id}/recording`, { body: { action } }),
    /** A supervisor listens, whispers, barges in or intercepts: their phone is called into the call. */
    monitor: (id: T.Id, body: T.MonitorRequest) =>
      request<Record<string, unknown> | void>('POST', `${B}/calls/live/${id}/monitor`, { body }),
  },
  recordings: {
    list: (query?: T.RecordingQuery) => request<T.List<T.Recording>>('GET', `${B}/recordings`, { query: q(query) }),
    get: (id: T.Id) => request<T.Recording>('GET', `${B}/recordings/${id}`),
    remove: (id: T.Id) => request<void>('DELETE', `${B}/recordings/${id}`),
    /** Runs the retention clean-up of the tenant now. */
    cleanup: () => request<{ deleted: number }>('POST', `${B}/recordings/cleanup`),
    getPolicy: () => request<T.RecordingPolicyView>('GET', `${B}/recording-policy`),
    putPolicy: (body: Partial<T.RecordingPolicy>) => request<T.RecordingPolicyView>('PUT', `${B}/recording-policy`, { body }),
  },
  skills: {
    list: (query?: T.ListQuery) => request<T.List<T.Skill>>('GET', `${B}/skills`, { query: q(query) }),
    get: (id: T.Id) => request<T.Skill>('GET', `${B}/skills/${id}`),
    create: (body: T.SkillWrite) => request<T.Skill>('POST', `${B}/skills`, { body }),
    update: (id: T.Id, body: T.SkillWrite) => request<T.Skill>('PATCH', `${B}/skills/${id}`, { body }),
    /** 409 `in_use` while an agent or a queue names it. */
    remove: (id: T.Id) => request<void>('DELETE', `${B}/skills/${id}`),
  },
  busyReasons: {
    list: (query?: T.ListQuery) => request<T.List<T.BusyReason>>('GET', `${B}/busy-reasons`, { query: q(query) }),
    get: (id: T.Id) => request<T.BusyReason>('GET', `${B}/busy-reasons/${id}`),
    create: (body: T.BusyReasonWrite) => request<T.BusyReason>('POST', `${B}/busy-reasons`, { body }),
    update: (id: T.Id, body: T.BusyReasonWrite) => request<T.BusyReason>('PATCH', `${B}/busy-reasons/${id}`, { body }),
    remove: (id: T.Id) => request<void>('DELETE', `${B}/busy-reasons/${id}`),
  },
  agents: {
    list: (query?: T.ListQuery | T.FilterQuery) => request<T.List<T.Agent>>('GET', `${B}/agents`, { query: q(query) }),
    get: (id: T.Id) => request<T.Agent>('GET', `${B}/agents/${id}`),
    create: (body: T.AgentWrite) => request<T.Agent>('POST', `${B}/agents`, { body }),
    update: (id: T.Id, body: T.AgentWrite) => request<T.Agent>('PATCH', `${B}/agents/${id}`, { body }),
    /** 409 `in_use` while a queue lists the agent. */
    remove: (id: T.Id) => request<void>('DELETE', `${B}/agents/${id}`),
    /** Every agent of the tenant now (not paged). */
    live: () => request<T.LiveList<T.LiveAgent>>('GET', `${B}/agents/live`),
    /** 409 `cannot_login` (disabled, no bound phone) or `conflict` (already logged in). */
    login: (id: T.Id, body: T.AgentStateChange = {}) => request<T.LiveAgent>('POST', `${B}/agents/${id}/login`, { body }),
    /** 409 `on_a_call` during a call, `conflict` when already out. */
    logout: (id: T.Id) => request<T.LiveAgent>('POST', `${B}/agents/${id}/logout`),
    /** idle or busy (reason); during a call, the state after it. 409 `offline` when not logged in. */
    setState: (id: T.Id, body: T.AgentStateChange) => request<T.LiveAgent>('POST', `${B}/agents/${id}/state`, { body }),
  },
  queues: {
    list: (query?: T.ListQuery | T.FilterQuery) => request<T.List<T.Queue>>('GET', `${B}/queues`, { query: q(query) }),
    get: (id: T.Id) => request<T.Queue>('GET', `${B}/queues/${id}`),
    create: (body: T.QueueWrite) => request<T.Queue>('POST', `${B}/queues`, { body }),
    update: (id: T.Id, body: T.QueueWrite) => request<T.Queue>('PATCH', `${B}/queues/${id}`, { body }),
    /** 409 `in_use` while an inbound route or a published IVR flow sends calls to it. */
    remove: (id: T.Id) => request<void>('DELETE', `${B}/queues/${id}`),
    /** Queues with calls waiting now (not paged). */
    live: () => request<T.LiveList<T.LiveQueue>>('GET', `${B}/queues/live`),
  },
  callbackRequests: {
    list: (query?: T.ListQuery | T.FilterQuery) =>
      request<T.List<T.CallbackRequest>>('GET', `${B}/callback-requests`, { query: q(query) }),
    get: (id: T.Id) => request<T.CallbackRequest>('GET', `${B}/callback-requests/${id}`),
    update: (id: T.Id, body: { status?: T.CallbackStatus; note?: string; agent_id?: T.Id | null }) =>
      request<T.CallbackRequest>('PATCH', `${B}/callback-requests/${id}`, { body }),
  },
  /** The queue call log: one row per visit of a call to a queue. */
  queueCalls: {
    list: (query?: T.ListQuery | T.FilterQuery) => request<T.List<T.QueueCall>>('GET', `${B}/queue-calls`, { query: q(query) }),
  },
  /** Queue and agent statistics of [from, to) per interval of the tenant's time zone. */
  reports: {
    queues: (query: T.ReportQuery) => request<T.QueueReport>('GET', `${B}/reports/queues`, { query: q(query) }),
    agents: (query: T.ReportQuery) => request<T.AgentReport>('GET', `${B}/reports/agents`, { query: q(query) }),
  },
  ivrFlows: {
    list: (query?: T.ListQuery | T.FilterQuery) => request<T.List<T.IvrFlow>>('GET', `${B}/ivr-flows`, { query: q(query) }),
    get: (id: T.Id) => request<T.IvrFlow>('GET', `${B}/ivr-flows/${id}`),
    /** Creates the flow with draft version 1 holding a start node (`draft_version_id`). */
    create: (body: T.IvrFlowWrite) => request<T.IvrFlow>('POST', `${B}/ivr-flows`, { body }),
    update: (id: T.Id, body: T.IvrFlowWrite) => request<T.IvrFlow>('PATCH', `${B}/ivr-flows/${id}`, { body }),
    /** 409 while an inbound route points at the flow. */
    remove: (id: T.Id) => request<void>('DELETE', `${B}/ivr-flows/${id}`),
    /** All its versions, newest first, without graphs (not paged). */
    versions: (id: T.Id) => request<{ items: T.IvrVersion[]; total: number }>('GET', `${B}/ivr-flows/${id}/versions`),
    /** A new draft copied from `based_on` (default: the published version, else the latest). */
    newVersion: (id: T.Id, body: T.IvrVersionCreate) => request<T.IvrVersion>('POST', `${B}/ivr-flows/${id}/versions`, { body }),
    report: (id: T.Id, query?: T.IvrReportQuery) => request<T.IvrReport>('GET', `${B}/ivr-flows/${id}/report`, { query: q(query) }),
  },
  ivrVersions: {
    get: (id: T.Id) => request<T.IvrVersion>('GET', `${B}/ivr-versions/${id}`),
    /** Drafts only: 409 `version_frozen` once published. */
    update: (id: T.Id, body: T.IvrVersionUpdate) => request<T.IvrVersion>('PATCH', `${B}/ivr-versions/${id}`, { body }),
    remove: (id: T.Id) => request<void>('DELETE', `${B}/ivr-versions/${id}`),
    validate: (id: T.Id) => request<T.IvrValidation>('POST', `${B}/ivr-versions/${id}/validate`),
    /** Publish (or roll back to) the version; 400 `invalid_flow` with `errors`. */
    publish: (id: T.Id) => request<T.IvrVersion>('POST', `${B}/ivr-versions/${id}/publish`),
  },
  tts: {
    getSettings: () => request<T.TtsSettingsView>('GET', `${B}/tts/settings`),
    putSettings: (body: T.TtsSettings) => request<T.TtsSettingsSaved>('PUT', `${B}/tts/settings`, { body }),
    /** The text rendered as a WAV file (16 kHz mono); 422 when it cannot be spoken. */
    preview: (body: T.TtsPreview) => requestBlob('POST', `${B}/tts/preview`, { body }),
  },
}

/** Fetch every page of a list endpoint (page_size 500). */
export async function listAll<R>(fn: (query: T.ListQuery) => Promise<T.List<R>>, query: object = {}): Promise<R[]> {
  const out: R[] = []
  for (let page = 1; page < 1000; page++) {
    const r = await fn({ ...query, page, page_size: 500 })
    out.push(...r.items)
    if (r.items.length === 0 || out.length >= r.total) break
  }
  return out
}
