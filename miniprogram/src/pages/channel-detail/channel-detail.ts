import { api, type Channel } from '../../utils/api'
import { can } from '../../utils/auth'
import { kindLabel, messageOf } from '../../utils/format'
import { loadInto, toast } from '../../utils/page'
import { download } from '../../utils/request'

/** WeChat reports a refused album permission with one of these in errMsg, depending on the version. */
export const isAuthDenied = (errMsg: string): boolean => /auth deny|auth denied|authorize|permission/i.test(errMsg)

const confirm = (title: string, content: string, confirmText = '确定') =>
  new Promise<boolean>((resolve) => wx.showModal({ title, content, confirmText, success: (r) => resolve(r.confirm), fail: () => resolve(false) }))

Component({
  data: {
    id: 0,
    loading: true,
    error: '',
    channel: null as Channel | null,
    kindText: '',
    tags: [] as string[],
    attributes: [] as Array<{ label: string; value: string }>,
    canManage: false,
    posterLoading: false,
    posterError: '',
    poster: '',
    saving: false,
    switching: false,
  },
  methods: {
    onLoad(q: Record<string, string | undefined>) {
      const id = Number(q.id)
      this.setData({ id, canManage: can('manageChannels') })
      if (!Number.isInteger(id) || id <= 0) return this.setData({ loading: false, error: '渠道编号无效' })
      this.load()
    },
    async load() {
      const ok = await loadInto(this, async () => this.present(await api.channel(this.data.id)))
      if (ok && !this.data.poster) this.loadPoster()
    },
    present(c: Channel) {
      const tags = (c.tags || []).map((t) => (typeof t === 'string' ? t : t.group ? `${t.group}:${t.name}` : t.name))
      return { channel: c, tags, kindText: kindLabel(c.kind), attributes: Object.keys(c.attributes || {}).map((k) => ({ label: k, value: c.attributes[k]! })) }
    },
    onRetry() {
      this.load()
    },
    async loadPoster() {
      this.setData({ posterLoading: true, posterError: '' })
      try {
        // The poster is authed: <image src> cannot send the token, so download it first.
        this.setData({ poster: await download(api.posterPath(this.data.id)), posterLoading: false })
      } catch (err) {
        this.setData({ posterLoading: false, posterError: `海报加载失败：${messageOf(err)}` })
      }
    },
    onPosterRetry() {
      this.loadPoster()
    },
    onPreviewTap() {
      if (this.data.poster) wx.previewImage({ urls: [this.data.poster] })
    },
    onSaveTap() {
      if (!this.data.poster) return toast('海报还没有加载好')
      this.setData({ saving: true })
      wx.saveImageToPhotosAlbum({
        filePath: this.data.poster,
        success: () => {
          this.setData({ saving: false })
          toast('已保存到相册', 'success')
        },
        fail: async (e) => {
          this.setData({ saving: false })
          if (/cancel/i.test(e.errMsg)) return
          if (isAuthDenied(e.errMsg)) {
            if (await confirm('需要相册权限', '保存海报需要允许「添加到相册」。请在设置中打开权限后再保存。', '去设置')) wx.openSetting({})
            return
          }
          wx.showModal({ title: '保存失败', content: e.errMsg, showCancel: false })
        },
      })
    },
    onCopyLinkTap() {
      const c = this.data.channel
      if (c) wx.setClipboardData({ data: c.landingUrl })
    },
    async onToggleTap() {
      const c = this.data.channel
      if (!c) return
      const pausing = c.status === 'active'
      if (pausing && !(await confirm('暂停渠道', '暂停后扫码的客户将不再分配导购，确定暂停吗？'))) return
      this.setData({ switching: true })
      try {
        const next = pausing ? await api.pauseChannel(c.id) : await api.resumeChannel(c.id)
        this.setData({ ...this.present(next), switching: false })
        toast(pausing ? '已暂停' : '已恢复投放', 'success')
      } catch (err) {
        this.setData({ switching: false })
        wx.showModal({ title: '操作失败', content: messageOf(err), showCancel: false })
      }
    },
  },
})
