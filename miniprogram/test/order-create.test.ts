import test from 'ava'
import { fixture, input, loadPage, open, signedInAs, stubWx, tap, waitText } from './helpers'

const id = loadPage('pages/order-create/order-create')

test.serial('validates the amount, then posts fen with an idempotency key and confirms', async (t) => {
  const s = stubWx({ 'POST /orders': fixture('orders-create') })
  signedInAs(s, 'rep')
  const page = open(id, { customerId: '1', name: encodeURIComponent('张三') })
  await waitText(page, '为 张三 记录订单')
  for (const bad of ['', '0', 'abc', '1.234', '-5']) {
    input(page, '#amount', bad)
    tap(page, '#submit')
    await waitText(page, '请输入正确的金额')
  }
  t.is(s.calls.length, 0)
  input(page, '#amount', '128.5')
  tap(page, '#submit')
  const order = fixture('orders-create').body as any
  await waitText(page, `已记录订单 ${order.orderNo}`)
  const call = s.calls[0]!
  t.deepEqual(call.data, { customerId: 1, amountFen: 12850 })
  t.regex(call.header['Idempotency-Key']!, /^mp-/)
})

test.serial('a 400 shows the API message; the retry reuses the same idempotency key; an earlier day is sent as paidAt', async (t) => {
  const s = stubWx({ 'POST /orders': fixture('orders-create-invalid') })
  signedInAs(s, 'rep')
  const page = open(id, { customerId: '1' })
  await waitText(page, '提交订单')
  input(page, '#amount', '99')
  page.querySelector('#day')!.dispatchEvent('change', { detail: { value: '2026-11-01' } })
  tap(page, '#submit')
  await waitText(page, (fixture('orders-create-invalid').body as any).error.message)
  s.set('POST /orders', fixture('orders-create'))
  tap(page, '#submit')
  await waitText(page, '已记录订单')
  t.is(s.calls.length, 2)
  t.is(s.calls[0]!.header['Idempotency-Key'], s.calls[1]!.header['Idempotency-Key'])
  t.is(s.calls[1]!.data.paidAt, '2026-11-01T12:00:00+08:00')
})

test.serial('without a customer the form is not offered', async (t) => {
  const s = stubWx()
  signedInAs(s, 'rep')
  const page = open(id, {})
  await waitText(page, '缺少客户，请从客户详情进入')
  t.is(page.querySelector('#submit'), undefined)
})
