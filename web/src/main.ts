import { createApp } from 'vue'
import ElementPlus from 'element-plus'
import 'element-plus/dist/index.css'
import {
  ArrowDown, Avatar, Document, HomeFilled, Key, Lock, OfficeBuilding, Plus, Refresh, School, Search, User, Setting,
  Phone, PhoneFilled, Iphone, Tickets, Connection, Calendar, Postcard, Share, CircleCheck, Headset, Lightning,
  Microphone, Mic, Service, Upload, Download, VideoPlay, ChatDotRound, Message, Operation, ArrowLeft,
  UserFilled, List, Medal, Coffee, Monitor, DataAnalysis,
} from '@element-plus/icons-vue'
import App from './App.vue'
import { i18n } from './i18n'
import { router } from './router'
import { setUnauthenticatedHandler } from './api'
import { clearSession } from './session'
import './style.css'

setUnauthenticatedHandler(() => {
  clearSession()
  if (router.currentRoute.value.path !== '/login') {
    router.push({ path: '/login', query: { redirect: router.currentRoute.value.fullPath } })
  }
})

const app = createApp(App)
const icons = {
  ArrowDown, Avatar, Document, HomeFilled, Key, Lock, OfficeBuilding, Plus, Refresh, School, Search, User, Setting,
  Phone, PhoneFilled, Iphone, Tickets, Connection, Calendar, Postcard, Share, CircleCheck, Headset, Lightning,
  Microphone, Mic, Service, Upload, Download, VideoPlay, ChatDotRound, Message, Operation, ArrowLeft,
  UserFilled, List, Medal, Coffee, Monitor, DataAnalysis,
}
for (const [name, comp] of Object.entries(icons)) app.component(name, comp)
app.use(ElementPlus).use(i18n).use(router).mount('#app')
