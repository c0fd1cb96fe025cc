/**
 * The one place a page shows "loading", "nothing here" or "failed — retry". Pages pass their
 * state down and listen for `retry`.
 */
Component({
  properties: {
    loading: { type: Boolean, value: false },
    error: { type: String, value: '' },
    empty: { type: Boolean, value: false },
    emptyText: { type: String, value: '暂无数据' },
  },
  methods: {
    onRetryTap() {
      this.triggerEvent('retry')
    },
  },
})
