import test from 'ava'
import { fixture, loadPage, open, signedInAs, stubWx, tap, text, waitFor, waitText } from './helpers'

const id = loadPage('pages/home/home')

test.serial('shows today\'s numbers and a 7-day bar per day from the dashboard', async (t) => {
  const s = stubWx({ 'GET /dashboard': fixture('dashboard') })
  signedInAs(s, 'store_manager')
  const page = open(id)
  t.true(text(page).includes('加载中'))
  await waitText(page, '今日（2026-11-25）')
  t.true(text(page).includes('¥1288.00'))
  const bars = page.querySelectorAll('.bar-col')
  t.is(bars.length, 7)
  t.true(text(bars[3]!).includes('50'))
  t.is(s.calls[0]!.header.Authorization, 'Bearer access-store_manager')
  tap(page, '#metric-orders')
  await waitFor(() => text(page.querySelectorAll('.bar-col')[3]!).includes('6'))
  t.is(page.querySelector('#store-picker'), undefined)
})
