import { api } from '../../utils/api'
import { messageOf } from '../../utils/format'
import { ApiError, signIn } from '../../utils/request'

/** wx.login → bound: into the app; not bound: the invite-code form (codes come from an admin). */
Component({
  data: { step: 'signing', error: '', inviteCode: '', formError: '', submitting: false },
  methods: {
    onLoad() {
      this.start()
    },
    async start() {
      this.setData({ step: 'signing', error: '' })
      try {
        if ((await signIn()) === 'ok') return this.enter()
        this.setData({ step: 'bind' })
      } catch (err) {
        this.setData({ step: 'error', error: messageOf(err) })
      }
    },
    onRetryTap() {
      this.start()
    },
    onInviteInput(e: WechatMiniprogram.Input) {
      this.setData({ inviteCode: e.detail.value, formError: '' })
    },
    async onBindTap() {
      const code = this.data.inviteCode.trim()
      if (!/^[A-Za-z0-9-]{4,32}$/.test(code)) return this.setData({ formError: '请输入管理员发给您的邀请码（4–32 位字母或数字）' })
      this.setData({ submitting: true, formError: '' })
      try {
        await api.bind(code)
        this.setData({ submitting: false })
        this.enter()
      } catch (err) {
        this.setData({ submitting: false, formError: messageOf(err) })
        // The bind token lives 10 minutes; get a fresh one so the next tap can succeed.
        if (err instanceof ApiError && err.code === 'MP.BIND_TOKEN_INVALID') await signIn().catch(() => undefined)
      }
    },
    enter() {
      wx.switchTab({ url: '/pages/home/home' })
    },
  },
})
