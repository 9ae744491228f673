import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router'
import { access, loadMe, session } from './session'
import MainLayout from './layout/MainLayout.vue'
import Login from './views/Login.vue'

/** Side-bar groups, in order (`menu.<key>` is the title; the key is also the `module` of GET /api/v1/permissions). */
export const MENU_GROUPS = [
  { key: 'platform', icon: 'Setting' },
  { key: 'telephony', icon: 'Phone' },
  { key: 'acd', icon: 'Headset' },
  { key: 'media', icon: 'Microphone' },
  { key: 'records', icon: 'Tickets' },
] as const
export type MenuGroup = (typeof MENU_GROUPS)[number]['key']

/** Menu entries of the side bar, in order; `perm` is the menu key of GET /api/v1/auth/me; `title` the
 *  `menu.<title>` label when several entries share one key (default: the key). */
export const MENU: readonly { path: string; perm: string; title?: string; test: string; icon: string; group: MenuGroup }[] = [
  { path: '/departments', perm: 'departments', test: 'menu-departments', icon: 'OfficeBuilding', group: 'platform' },
  { path: '/users', perm: 'users', test: 'menu-users', icon: 'User', group: 'platform' },
  { path: '/roles', perm: 'roles', test: 'menu-roles', icon: 'Avatar', group: 'platform' },
  { path: '/api-keys', perm: 'api_keys', test: 'menu-api-keys', icon: 'Key', group: 'platform' },
  { path: '/security', perm: 'security', test: 'menu-security', icon: 'Lock', group: 'platform' },
  { path: '/logs', perm: 'logs', test: 'menu-logs', icon: 'Document', group: 'platform' },
  { path: '/tenants', perm: 'tenants', test: 'menu-tenants', icon: 'School', group: 'platform' },
  { path: '/extensions', perm: 'extensions', test: 'menu-extensions', icon: 'Iphone', group: 'telephony' },
  { path: '/trunks', perm: 'trunks', test: 'menu-trunks', icon: 'Connection', group: 'telephony' },
  { path: '/numbers', perm: 'numbers', test: 'menu-numbers', icon: 'Postcard', group: 'telephony' },
  { path: '/routes', perm: 'routes', test: 'menu-routes', icon: 'Share', group: 'telephony' },
  { path: '/time-groups', perm: 'time_groups', test: 'menu-time-groups', icon: 'Calendar', group: 'telephony' },
  { path: '/lists', perm: 'lists', test: 'menu-lists', icon: 'CircleCheck', group: 'telephony' },
  { path: '/speed-dials', perm: 'speed_dials', test: 'menu-speed-dials', icon: 'Lightning', group: 'telephony' },
  { path: '/conference-rooms', perm: 'conferences', test: 'menu-conferences', icon: 'ChatDotRound', group: 'telephony' },
  { path: '/voicemail', perm: 'voicemail', test: 'menu-voicemail', icon: 'Message', group: 'telephony' },
  { path: '/ivr-flows', perm: 'ivr', test: 'menu-ivr', icon: 'Operation', group: 'telephony' },
  { path: '/workbench', perm: 'workbench', test: 'menu-workbench', icon: 'Service', group: 'acd' },
  { path: '/agents', perm: 'agents', test: 'menu-agents', icon: 'UserFilled', group: 'acd' },
  { path: '/queues', perm: 'queues', test: 'menu-queues', icon: 'List', group: 'acd' },
  { path: '/skills', perm: 'agents', title: 'skills', test: 'menu-skills', icon: 'Medal', group: 'acd' },
  { path: '/busy-reasons', perm: 'agents', title: 'busy_reasons', test: 'menu-busy-reasons', icon: 'Coffee', group: 'acd' },
  { path: '/acd-board', perm: 'agents', title: 'acd_board', test: 'menu-acd-board', icon: 'Monitor', group: 'acd' },
  { path: '/acd-reports', perm: 'queues', title: 'acd_reports', test: 'menu-acd-reports', icon: 'DataAnalysis', group: 'acd' },
  { path: '/callback-requests', perm: 'queues', title: 'callback_requests', test: 'menu-callback-requests', icon: 'PhoneFilled', group: 'acd' },
  { path: '/voices', perm: 'voices', test: 'menu-voices', icon: 'Mic', group: 'media' },
  { path: '/moh', perm: 'moh', test: 'menu-moh', icon: 'Service', group: 'media' },
  { path: '/tts', perm: 'tts', test: 'menu-tts', icon: 'Microphone', group: 'telephony' },
  { path: '/live-calls', perm: 'calls', title: 'live_calls', test: 'menu-live-calls', icon: 'Headset', group: 'records' },
  { path: '/calls', perm: 'calls', test: 'menu-calls', icon: 'PhoneFilled', group: 'records' },
  { path: '/recordings', perm: 'recordings', test: 'menu-recordings', icon: 'VideoPlay', group: 'records' },
  { path: '/recording-policy', perm: 'recordings', title: 'recording_policy', test: 'menu-recording-policy', icon: 'Setting', group: 'records' },
]

const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: Login, meta: { public: true } },
  {
    path: '/',
    component: MainLayout,
    children: [
      { path: '', name: 'home', component: () => import('./views/Home.vue') },
      { path: 'departments', component: () => import('./views/Departments.vue'), meta: { perm: 'departments' } },
      { path: 'users', component: () => import('./views/Users.vue'), meta: { perm: 'users' } },
      { path: 'roles', component: () => import('./views/Roles.vue'), meta: { perm: 'roles' } },
      { path: 'api-keys', component: () => import('./views/ApiKeys.vue'), meta: { perm: 'api_keys' } },
      { path: 'security', component: () => import('./views/Security.vue'), meta: { perm: 'security' } },
      { path: 'logs', component: () => import('./views/Logs.vue'), meta: { perm: 'logs' } },
      { path: 'tenants', component: () => import('./views/Tenants.vue'), meta: { perm: 'tenants' } },
      { path: 'extensions', component: () => import('./views/Extensions.vue'), meta: { perm: 'extensions' } },
      { path: 'trunks', component: () => import('./views/Trunks.vue'), meta: { perm: 'trunks' } },
      { path: 'numbers', component: () => import('./views/Numbers.vue'), meta: { perm: 'numbers' } },
      { path: 'routes', component: () => import('./views/Routes.vue'), meta: { perm: 'routes' } },
      { path: 'time-groups', component: () => import('./views/TimeGroups.vue'), meta: { perm: 'time_groups' } },
      { path: 'lists', component: () => import('./views/Lists.vue'), meta: { perm: 'lists' } },
      { path: 'speed-dials', component: () => import('./views/SpeedDials.vue'), meta: { perm: 'speed_dials' } },
      { path: 'conference-rooms', component: () => import('./views/ConferenceRooms.vue'), meta: { perm: 'conferences' } },
      { path: 'voicemail', component: () => import('./views/Voicemail.vue'), meta: { perm: 'voicemail' } },
      { path: 'ivr-flows', component: () => import('./views/IvrFlows.vue'), meta: { perm: 'ivr' } },
      { path: 'ivr-flows/:id/design', component: () => import('./views/IvrDesigner.vue'), meta: { perm: 'ivr' } },
      { path: 'workbench', component: () => import('./views/Workbench.vue'), meta: { perm: 'workbench' } },
      { path: 'agents', component: () => import('./views/Agents.vue'), meta: { perm: 'agents' } },
      { path: 'queues', component: () => import('./views/Queues.vue'), meta: { perm: 'queues' } },
      { path: 'skills', component: () => import('./views/Skills.vue'), meta: { perm: 'agents' } },
      { path: 'busy-reasons', component: () => import('./views/BusyReasons.vue'), meta: { perm: 'agents' } },
      { path: 'acd-board', component: () => import('./views/AcdBoard.vue'), meta: { perm: 'agents' } },
      { path: 'acd-reports', component: () => import('./views/AcdReports.vue'), meta: { perm: 'queues' } },
      { path: 'callback-requests', component: () => import('./views/CallbackRequests.vue'), meta: { perm: 'queues' } },
      { path: 'voices', component: () => import('./views/Voices.vue'), meta: { perm: 'voices' } },
      { path: 'moh', component: () => import('./views/Moh.vue'), meta: { perm: 'moh' } },
      { path: 'tts', component: () => import('./views/Tts.vue'), meta: { perm: 'tts' } },
      { path: 'calls', component: () => import('./views/Calls.vue'), meta: { perm: 'calls' } },
      { path: 'live-calls', component: () => import('./views/LiveCalls.vue'), meta: { perm: 'calls' } },
      { path: 'recordings', component: () => import('./views/Recordings.vue'), meta: { perm: 'recordings' } },
      { path: 'recording-policy', component: () => import('./views/RecordingPolicy.vue'), meta: { perm: 'recordings' } },
      { path: ':rest(.*)*', component: () => import('./views/Home.vue') },
    ],
  },
]

export const router = createRouter({ history: createWebHashHistory(), routes })

router.beforeEach(async (to) => {
  if (to.meta.public) return true
  if (!session.loaded || !session.me) {
    try {
      await loadMe()
    } catch {
      /* network or server error: fall through to login */
    }
  }
  if (!session.me) return { path: '/login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} }
  const perm = to.meta.perm as string | undefined
  if (perm && !access(perm)) return { path: '/' }
  return true
})
