import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router'
import { access, loadMe, session } from './session'
import MainLayout from './layout/MainLayout.vue'
import Login from './views/Login.vue'

/** Menu entries of the side bar, in order; `perm` is the menu key of GET /api/v1/auth/me. */
export const MENU = [
  { path: '/departments', perm: 'departments', test: 'menu-departments', icon: 'OfficeBuilding' },
  { path: '/users', perm: 'users', test: 'menu-users', icon: 'User' },
  { path: '/roles', perm: 'roles', test: 'menu-roles', icon: 'Avatar' },
  { path: '/api-keys', perm: 'api_keys', test: 'menu-api-keys', icon: 'Key' },
  { path: '/security', perm: 'security', test: 'menu-security', icon: 'Lock' },
  { path: '/logs', perm: 'logs', test: 'menu-logs', icon: 'Document' },
  { path: '/tenants', perm: 'tenants', test: 'menu-tenants', icon: 'School' },
] as const

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
