import { api, type Me } from '../../utils/api'
import { ROLE_LABELS, saveStaff } from '../../utils/auth'
import { messageOf } from '../../utils/format'
import { loadInto, toast } from '../../utils/page'

Component({
  data: { loading: true, error: '', me: null as Me | null, roleText: '', loggingOut: false },
  methods: {
    onLoad() {
      this.load()
    },
    load() {
      return loadInto(this, async () => {
        const me = await api.me()
        // The role may have changed since login: keep the stored copy (used to hide buttons) fresh.
        saveStaff({ staffId: me.staffId, wecomUserId: me.wecomUserId, name: me.name, role: me.role, storeId: me.storeId })
        return { me, roleText: ROLE_LABELS[me.role] || me.role }
      })
    },
    onRetry() {
      this.load()
    },
    onNavTap(e: WechatMiniprogram.TouchEvent) {
      wx.navigateTo({ url: e.currentTarget.dataset.url as string })
    },
    onLogoutTap() {
      wx.showModal({
        title: '退出登录',
        content: '退出后需要重新登录，确定退出吗？',
        success: async (r) => {
          if (!r.confirm) return
          this.setData({ loggingOut: true })
          try {
            await api.logout()
          } catch (err) {
            // The local session is gone either way; say that the server did not confirm.
            toast(`已在本机退出（${messageOf(err)}）`)
          }
          this.setData({ loggingOut: false })
          wx.reLaunch({ url: '/pages/login/login' })
        },
      })
    },
  },
})
