import { badRequest } from '../../shared/errors.js';
import { DAY_MS, shanghaiMidnightOf } from '../../shared/shanghai-time.js';
import type { ChannelRepo } from '../channel/channel.ports.js';
import { groupFunnel, type FunnelRepo, type FunnelRow } from './funnel.js';

export interface FunnelQuery {
  /** Inclusive Asia/Shanghai calendar days, YYYY-MM-DD. */
  from: string;
  to: string;
  groupBy: { kind: 'channel' } | { kind: 'attribute'; label: string };
  storeId?: number;
  batchKey?: string;
  /** Only channels that route to this rep (the mini-program's rep scope). */
  staffUserId?: string;
}


export class FunnelService {
  constructor(private readonly d: { funnel: FunnelRepo; channels: ChannelRepo }) {}

  async report(q: FunnelQuery): Promise<{ from: string; to: string; rows: FunnelRow[] }> {
    const from = shanghaiMidnightOf(q.from);
    const to = shanghaiMidnightOf(q.to) + DAY_MS;
    if (!Number.isFinite(from) || !Number.isFinite(to)) throw badRequest('FUNNEL.BAD_DATE', '日期格式应为 YYYY-MM-DD');
    if (to <= from) throw badRequest('FUNNEL.BAD_RANGE', '结束日期不能早于开始日期');
    if (to - from > 366 * DAY_MS) throw badRequest('FUNNEL.RANGE_TOO_LONG', '查询范围最长一年');
    const { items } = await this.d.channels.listChannels({ storeId: q.storeId, limit: 100_000, offset: 0 });
    const channels = items.filter((c) => (!q.batchKey || c.batchKey === q.batchKey) && (!q.staffUserId || c.staffUserIds.includes(q.staffUserId)));
    const counts = await this.d.funnel.countSteps({ from, to, channelIds: channels.map((c) => c.id) });
    return { from: q.from, to: q.to, rows: groupFunnel(counts, channels, q.groupBy) };
  }
}
