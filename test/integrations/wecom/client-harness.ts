import type { ExecutionContext } from 'ava';
import { WecomClient } from '../../../src/integrations/wecom/api-client.js';
import { WecomEmulator } from '../../../src/sandbox/wecom/index.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { createLogger } from '../../../src/shared/logger.js';
import { createMetrics } from '../../../src/shared/metrics.js';
import { cacheKeys } from '../../../src/shared/cache-keys.js';
import { freshCache } from '../../support/backends.js';

export const CORP = 'wwAPICLIENTTEST001';
export const AGENT_ID = 1000002;

/** An emulator on loopback and a real WecomClient pointed at it; both closed when the test ends. */
export async function emulatorWithClient(t: ExecutionContext, o: { linkedMiniAppIds?: string[] } = {}): Promise<{ em: WecomEmulator; client: WecomClient; clock: ManualClock }> {
  const clock = new ManualClock(Date.now());
  const em = new WecomEmulator({ corpId: CORP, secrets: ['contact-secret', 'agent-secret'], agentIds: [AGENT_ID], linkedMiniAppIds: o.linkedMiniAppIds, clock });
  const base = await em.listen(0);
  t.teardown(() => em.close());
  const { cache, prefix } = await freshCache(t, clock);
  const client = new WecomClient({
    apiBase: base,
    corpId: CORP,
    secrets: { contact: 'contact-secret', agent: 'agent-secret' },
    timeoutMs: 1000,
    maxRetries: 2,
    ratePerMinute: 10_000,
    cache,
    keys: cacheKeys(prefix),
    metrics: createMetrics(),
    log: createLogger({ level: 'silent' }),
    clock,
    backoffMs: 2,
  });
  t.teardown(() => client.close());
  em.addEmployee('rep001', { name: '小王' });
  em.addEmployee('rep002', { name: '小李' });
  return { em, client, clock };
}
