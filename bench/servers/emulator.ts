import { WecomEmulator } from '../../src/sandbox/wecom/index.js';

/**
 * The WeCom emulator in its own process for the bench, so the load generator and WeCom do not
 * compete for one event loop. Driven over IPC: mint customers with fresh welcome codes, read
 * back the welcomes it received.
 */
const corpId = process.env.CORP!;
const em = new WecomEmulator({ corpId, secrets: process.env.SECRETS!.split(','), agentIds: [1000002] });
for (const r of process.env.REPS!.split(',')) em.addEmployee(r);
const base = await em.listen(0, '127.0.0.1');

type Msg = { id: number; type: 'mint'; n: number; state: string; reps: string[] } | { id: number; type: 'welcomes'; from: number };
let seq = 0;
process.on('message', (m: Msg) => {
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
  }
});
process.on('SIGTERM', () => void em.close().then(() => process.exit(0)));
console.log(`EMULATOR ${base}`);
