// Entry point: Element Plus (whole, zh-CN), router, and the API's redirects.
import { createApp } from 'vue'
import ElementPlus from 'element-plus'
import zhCn from 'element-plus/es/locale/lang/zh-cn'
import 'element-plus/dist/index.css'
import * as icons from './icons.js'
import App from './App.vue'
import { router } from './router.js'
import { clearSession, session } from './session.js'
import { onAuthRequired, onPasswordChangeRequired } from './api.js'
import './style.css'

onAuthRequired(() => {
  clearSession()
  const cur = router.currentRoute.value
  if (cur.name !== 'login') {
    router.replace({ name: 'login', query: cur.fullPath && cur.fullPath !== '/' ? { redirect: cur.fullPath } : {} })
  }
})

onPasswordChangeRequired(() => {
  if (session.user) session.user.must_change_password = true
  if (router.currentRoute.value.name !== 'password') router.replace({ name: 'password' })
})

const app = createApp(App)
app.use(ElementPlus, { locale: zhCn })
for (const [name, comp] of Object.entries(icons)) app.component(name, comp)
app.use(router)
app.mount('#app')
