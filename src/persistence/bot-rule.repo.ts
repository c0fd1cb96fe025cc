import type { Knex } from 'knex';
import type { BotRuleRepo } from '../domain/conversation/rules.ports.js';
import type { BotRule, BotRulePatch, MatchKind, NewBotRule, RuleAction, RuleScope } from '../domain/conversation/rules.types.js';

interface BotRuleRow {
  id: number;
  store_id: number | null;
  name: string;
  scope: RuleScope;
  match_kind: MatchKind;
  pattern: string;
  priority: number;
  action: RuleAction;
  action_arg: string | null;
  reply: string;
  cooldown_sec: number;
  // 0/1 on both SQLite and MySQL.
  enabled: number | boolean;
}

const toRule = (r: BotRuleRow): BotRule => ({
  id: Number(r.id),
  storeId: r.store_id === null ? null : Number(r.store_id),
  name: r.name,
  scope: r.scope,
  matchKind: r.match_kind,
  pattern: r.pattern,
  priority: Number(r.priority),
  action: r.action,
  actionArg: r.action_arg,
  reply: r.reply,
  cooldownSec: Number(r.cooldown_sec),
  enabled: Boolean(r.enabled),
});

const COLUMNS: { [K in keyof NewBotRule]: string } = {
  storeId: 'store_id',
  name: 'name',
  scope: 'scope',
  matchKind: 'match_kind',
  pattern: 'pattern',
  priority: 'priority',
  action: 'action',
  actionArg: 'action_arg',
  reply: 'reply',
  cooldownSec: 'cooldown_sec',
  enabled: 'enabled',
};

function toRow(p: BotRulePatch): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [field, column] of Object.entries(COLUMNS)) {
    const v = p[field as keyof NewBotRule];
    if (v !== undefined) row[column] = v;
  }
  return row;
}

export class SqlBotRuleRepo implements BotRuleRepo {
  constructor(private readonly db: Knex) {}

  async listBotRules(q: { storeId?: number | null; enabledOnly?: boolean } = {}): Promise<BotRule[]> {
    const rows = await this.db<BotRuleRow>('bot_rules')
      .modify((b) => {
        if (q.storeId === null) b.whereNull('store_id');
        else if (q.storeId !== undefined) b.where({ store_id: q.storeId });
        if (q.enabledOnly) b.where({ enabled: true });
      })
      .orderBy('id');
    return rows.map(toRule);
  }

  async findBotRule(id: number): Promise<BotRule | undefined> {
    const r = await this.db<BotRuleRow>('bot_rules').where({ id }).first();
    return r && toRule(r);
  }

  async insertBotRule(r: NewBotRule, now: number): Promise<BotRule> {
    const [id] = await this.db('bot_rules').insert({ ...toRow(r), created_at: now, updated_at: now });
    return { ...r, id: Number(id) };
  }

  async updateBotRule(id: number, p: BotRulePatch, now: number): Promise<void> {
    await this.db('bot_rules').where({ id }).update({ ...toRow(p), updated_at: now });
  }

  async deleteBotRule(id: number): Promise<boolean> {
    return (await this.db('bot_rules').where({ id }).delete()) > 0;
  }
}
