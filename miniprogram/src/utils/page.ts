import { messageOf } from './format'

interface Settable {
  setData(d: Record<string, unknown>): void
}

/**
 * Runs a load with the page's `loading`/`error` flags around it, so no page forgets to show
 * either. `fn` returns the data to set on success.
 */
export async function loadInto(page: Settable, fn: () => Promise<Record<string, unknown>>, keys = { loading: 'loading', error: 'error' }): Promise<boolean> {
  page.setData({ [keys.loading]: true, [keys.error]: '' })
  try {
    page.setData({ ...(await fn()), [keys.loading]: false })
    return true
  } catch (err) {
    page.setData({ [keys.loading]: false, [keys.error]: messageOf(err) })
    return false
  }
}

export function toast(title: string, icon: 'success' | 'none' = 'none'): void {
  wx.showToast({ title, icon, duration: 2000 })
}
