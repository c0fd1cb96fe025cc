import { WecomEmulator } from '../../src/sandbox/wecom/index.js';

/**
 * The WeCom emulator in its own process for the bench, so the load generator and WeCom do not
 * compete for one event loop. Driven over IPC: mint customers with fresh welcome codes, read
 * back the welcomes it received; or play WeCom's push side itself (`drive`): each customer
 * scans, their WelcomeCode is minted at that moment and the callback sent, so the 20-s window
 * runs from the real send. RATE_PER_MINUTE turns on WeCom's per-corp limit (45009 past it).
 */
const corpId = process.env.CORP!;
const em = new WecomEmulator({
  corpId,
  secrets: process.env.SECRETS!.split(','),
  agentIds: [1000002],
  ...(process.env.RATE_PER_MINUTE ? { ratePerMinute: Number(process.env.RATE_PER_MINUTE) } : {}),
});
for (const r of process.env.REPS!.split(',')) em.addEmployee(r);
const base = await em.listen(0, '127.0.0.1');

type Msg =
  | { id: number; type: 'mint'; n: number; state: string; reps: string[] }
  | { id: number; type: 'welcomes'; from: number }
  | { id: number; type: 'callback'; url: string; token: string; encodingAesKey: string }
  | { id: number; type: 'drive'; configId: string; rate: number; count: number }
  | { id: number; type: 'driven'; from: number };
let seq = 0;
/** Codes minted by `drive`, in order, with the moment their callback was sent. */
const driven: Array<{ code: string; sentAt: number }> = [];

/** `total` customers scan, `rate` a second (0: all at once). */
async function drive(configId: string, rate: number, total: number): Promise<number> {
  const started = Date.now();
  const pending: Array<Promise<unknown>> = [];
  let launched = 0;
  while (launched < total) {
    const due = rate > 0 ? Math.min(total, Math.floor(((Date.now() - started) / 1000) * rate) + 1) : total;
    for (; launched < due; launched++) {
      const sentAt = Date.now();
      pending.push(
        em.customerScans(configId, { name: `客户${++seq}` }).then(
          (r) => r.welcomeCode && driven.push({ code: r.welcomeCode, sentAt }),
          () => undefined,
        ),
      );
    }
    if (launched < total) await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(pending);
  return Date.now() - started;
}

process.on('message', (m: Msg) => {
  void (async () => {
    if (m.type === 'mint') {
      const out: Array<{ userid: string; externalUserId: string; code: string }> = [];
      for (let i = 0; i < m.n; i++) {
        const userid = m.reps[seq++ % m.reps.length]!;
        const { externalUserId } = em.addExternalUser({ name: `客户${seq}` });
        em.addRelationship(userid, externalUserId, { state: m.state, addWay: 1 });
        out.push({ userid, externalUserId, code: em.issueWelcomeCode(userid, externalUserId) });
      }
      process.send!({ id: m.id, result: out });
    } else if (m.type === 'welcomes') {
      process.send!({ id: m.id, result: em.welcomes.slice(m.from).map((w) => [w.code, w.at]), total: em.welcomes.length });
    } else if (m.type === 'callback') {
      em.setCallback({ url: m.url, token: m.token, encodingAesKey: m.encodingAesKey });
      process.send!({ id: m.id, result: true });
    } else if (m.type === 'drive') {
      const from = driven.length;
      const ms = await drive(m.configId, m.rate, m.count);
      process.send!({ id: m.id, result: { from, ms } });
    } else if (m.type === 'driven') {
      // [sentAt, welcomedAt | null]
      const welcomed = new Map(em.welcomes.map((w) => [w.code, w.at]));
      process.send!({ id: m.id, result: driven.slice(m.from).map((d) => [d.sentAt, welcomed.get(d.code) ?? null]) });
    }
  })();
});
process.on('SIGTERM', () => void em.close().then(() => process.exit(0)));
console.log(`EMULATOR ${base}`);
