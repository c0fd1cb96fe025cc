import type { BotRule, BotRulePatch, NewBotRule } from './rules.types.js';

export interface BotRuleRepo {
  /** Rules ordered by id; storeId filters to that store's own rules, null to the global ones. */
  listBotRules(q?: { storeId?: number | null; enabledOnly?: boolean }): Promise<BotRule[]>;
  findBotRule(id: number): Promise<BotRule | undefined>;
  insertBotRule(r: NewBotRule, now: number): Promise<BotRule>;
  updateBotRule(id: number, p: BotRulePatch, now: number): Promise<void>;
  /** False when there was no such rule. */
  deleteBotRule(id: number): Promise<boolean>;
}

/**
 * A change counter shared by every process (the admin API writes, the bot process reads).
 * `get` is 0 before the first bump; a reader reloads whenever the number differs from the one
 * it loaded, so a counter that was lost (cache flushed) also triggers a reload.
 */
export interface RuleVersion {
  get(): Promise<number>;
  bump(): Promise<void>;
}

/** An override of a system text; storeId 0 is the override for every store. */
export interface TemplateOverride {
  storeId: number;
  key: string;
  text: string;
}

export interface ReplyTextRepo {
  /** Every override, or those of the given store ids. */
  listBotTemplates(storeIds?: number[]): Promise<TemplateOverride[]>;
  /** Inserts or replaces the override of (storeId, key). */
  upsertBotTemplate(o: TemplateOverride, now: number): Promise<void>;
  /** False when there was no such override. */
  deleteBotTemplate(storeId: number, key: string): Promise<boolean>;
}
