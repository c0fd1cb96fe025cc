import { api, type Channel, type Store } from '../../utils/api'
import { can, currentStaff } from '../../utils/auth'
import { CHANNEL_KINDS, messageOf } from '../../utils/format'
import { toast } from '../../utils/page'

/** "a, b，c d" → ['a','b','c']: operators type lists with Chinese or ASCII commas or spaces. */
export const splitList = (s: string): string[] =>
  s
    .split(/[,，、\s]+/)
    .map((x) => x.trim())
    .filter(Boolean)

const USERID = /^[A-Za-z0-9_.@-]{1,64}$/
const MAX_BATCH = 200

interface Dim {
  label: string
  values: string
}

Component({
  data: {
    mode: 'single' as 'single' | 'batch',
    kinds: CHANNEL_KINDS,
    kindNames: CHANNEL_KINDS.map((k) => k.label),
    kindIndex: 0,
    name: '',
    prefix: '',
    staff: '',
    welcomeText: '您好{name}，感谢关注！有任何问题随时在这里留言。',
    tags: '',
    attributes: '',
    dims: [{ label: '', values: '' }] as Dim[],
    batchCount: 0,
    canPickStore: false,
    stores: [] as Store[],
    storeNames: [] as string[],
    storeIndex: 0,
    storesError: '',
    formError: '',
    submitting: false,
    created: [] as Channel[],
    nameVar: '{name}',
  },
  methods: {
    onLoad() {
      const me = currentStaff()
      this.setData({ canPickStore: can('pickStore'), staff: me && me.wecomUserId ? me.wecomUserId : '' })
      if (!can('manageChannels')) this.setData({ formError: '当前角色无权新建渠道' })
      if (can('pickStore')) this.loadStores()
    },
    async loadStores() {
      try {
        const { items } = await api.stores()
        this.setData({ stores: items, storeNames: items.map((s) => s.name), storesError: '' })
      } catch (err) {
        this.setData({ storesError: `门店列表加载失败：${messageOf(err)}` })
      }
    },
    onStoresRetry() {
      this.loadStores()
    },
    onModeTap(e: WechatMiniprogram.TouchEvent) {
      this.setData({ mode: e.currentTarget.dataset.mode as 'single' | 'batch', formError: '' })
    },
    onField(e: WechatMiniprogram.Input) {
      this.setData({ [e.currentTarget.dataset.field as string]: e.detail.value, formError: '' })
    },
    onPick(e: WechatMiniprogram.PickerChange) {
      this.setData({ [e.currentTarget.dataset.key as string]: Number(e.detail.value) })
    },
    onDimInput(e: WechatMiniprogram.Input) {
      const { index, field } = e.currentTarget.dataset as { index: number; field: keyof Dim }
      const dims = this.data.dims.map((d, i) => (i === Number(index) ? { ...d, [field]: e.detail.value } : d))
      this.setData({ dims, batchCount: this.countOf(dims), formError: '' })
    },
    countOf: (dims: Dim[]): number => dims.reduce((n, d) => n * splitList(d.values).length, 1),
    onAddDimTap() {
      if (this.data.dims.length >= 4) return this.setData({ formError: '最多 4 个维度' })
      const dims = [...this.data.dims, { label: '', values: '' }]
      this.setData({ dims, batchCount: this.countOf(dims) })
    },
    onRemoveDimTap(e: WechatMiniprogram.TouchEvent) {
      const dims = this.data.dims.filter((_, i) => i !== Number(e.currentTarget.dataset.index))
      this.setData({ dims: dims.length ? dims : [{ label: '', values: '' }], batchCount: this.countOf(dims) })
    },
    /** The fields both modes share, or the first problem found. */
    common(): { error: string; value?: { kind: string; storeId?: number; staffUserIds: string[]; welcomeText: string; tags: string[] } } {
      const d = this.data
      const staffUserIds = splitList(d.staff)
      if (!staffUserIds.length) return { error: '请至少填写一位接待导购的企业微信账号' }
      const bad = staffUserIds.find((u) => !USERID.test(u))
      if (bad) return { error: `导购账号「${bad}」格式不正确（字母、数字和 _.@-）` }
      const welcomeText = d.welcomeText.trim()
      if (!welcomeText) return { error: '请填写欢迎语' }
      if (welcomeText.length > 500) return { error: '欢迎语最多 500 字' }
      const tags = splitList(d.tags)
      if (tags.length > 20) return { error: '标签最多 20 个' }
      if (tags.some((t) => t.length > 30)) return { error: '每个标签最多 30 字' }
      if (d.canPickStore && !d.stores.length) return { error: d.storesError || '门店列表尚未加载' }
      const storeId = d.canPickStore ? d.stores[d.storeIndex]?.id : undefined
      return { error: '', value: { kind: CHANNEL_KINDS[d.kindIndex]!.value, ...(storeId ? { storeId } : {}), staffUserIds, welcomeText, tags } }
    },
    async onSubmitTap() {
      const d = this.data
      const c = this.common()
      if (c.error || !c.value) return this.setData({ formError: c.error })
      const base = c.value
      let run: () => Promise<Channel[]>
      if (d.mode === 'single') {
        const name = d.name.trim()
        if (!name || name.length > 30) return this.setData({ formError: '渠道名称需 1–30 字' })
        const attributes: Record<string, string> = {}
        for (const pair of splitList(d.attributes)) {
          const [k, v] = pair.split(/[=:：]/)
          if (!k || !v) return this.setData({ formError: `投放属性「${pair}」请写成 名称=取值，如 楼栋=3号楼` })
          attributes[k] = v
        }
        run = async () => [await api.createChannel({ ...base, name, ...(Object.keys(attributes).length ? { attributes } : {}) })]
      } else {
        const prefix = d.prefix.trim()
        if (!prefix || prefix.length > 20) return this.setData({ formError: '名称前缀需 1–20 字' })
        const dimensions = d.dims.map((x) => ({ label: x.label.trim(), values: splitList(x.values) }))
        if (dimensions.some((x) => !x.label || !x.values.length)) return this.setData({ formError: '每个维度都要有名称和至少一个取值' })
        if (new Set(dimensions.map((x) => x.label)).size !== dimensions.length) return this.setData({ formError: '维度名称不能重复' })
        if (dimensions.some((x) => new Set(x.values).size !== x.values.length)) return this.setData({ formError: '同一维度的取值不能重复' })
        const count = this.countOf(d.dims)
        if (count > MAX_BATCH) return this.setData({ formError: `一次最多生成 ${MAX_BATCH} 个渠道（当前 ${count} 个）` })
        run = async () => (await api.createChannelBatch({ ...base, prefix, dimensions })).items
      }
      this.setData({ submitting: true, formError: '' })
      try {
        const created = await run()
        this.setData({ submitting: false, created })
        toast(`已创建 ${created.length} 个渠道`, 'success')
      } catch (err) {
        this.setData({ submitting: false, formError: messageOf(err) })
      }
    },
    onCreatedTap(e: WechatMiniprogram.TouchEvent) {
      wx.redirectTo({ url: `/pages/channel-detail/channel-detail?id=${e.currentTarget.dataset.id}` })
    },
    onAgainTap() {
      this.setData({ created: [], name: '', prefix: '' })
    },
  },
})
