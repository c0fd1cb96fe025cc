import type { Clock } from '../../shared/clock.js';
import { badRequest, notFound } from '../../shared/errors.js';
import type { BotRuleRepo, RuleVersion } from './rules.ports.js';
import {
  ASK_QUESTIONS,
  RULE_REPLY_VARS,
  type BotRule,
  type BotRulePatch,
  type MatchInput,
  type NewBotRule,
} from './rules.types.js';
import { checkTemplate, compileTemplate, renderTemplate, type CompiledTemplate, type TemplateVars } from '../template/template-engine.js';
import { templateProblem } from './templates.js';
import { VersionedCopy, type VersionedDeps } from './versioned.js';

export const MAX_PATTERN_CHARS = 255;

/**
 * The form every message and every exact/contains pattern is compared in: NFKC (full-width
 * letters, digits and spaces become half-width), trimmed, lower-cased. Regex rules see the
 * same text (and are case-insensitive anyway).
 */
export function normalizeText(s: string): string {
  return s.normalize('NFKC').trim().toLowerCase();
}

/**
 * A heuristic for patterns that can backtrack catastrophically: a repeated group that itself
 * contains a quantifier or an alternation ((a+)+, (\w*x)*, (a|aa)+), and backreferences.
 * It rejects some harmless patterns; keyword rules rarely need any of these.
 */
export function backtrackingRisk(p: string): boolean {
  // Per open group: whether it contains a quantifier or an alternation.
  const risky: boolean[] = [false];
  let closedRisky = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    let afterGroup = false;
    if (c === '\\') {
      const n = p[++i];
      if (n === 'k' || (n !== undefined && n >= '1' && n <= '9')) return true;
    } else if (c === '[') {
      for (i++; i < p.length && p[i] !== ']'; i++) if (p[i] === '\\') i++;
    } else if (c === '(') {
      risky.push(false);
      if (p[i + 1] === '?') i += p[i + 2] === '<' && p[i + 3] !== '=' && p[i + 3] !== '!' ? p.indexOf('>', i) - i : p[i + 2] === '<' ? 3 : 2;
    } else if (c === ')') {
      closedRisky = risky.pop() ?? false;
      if (closedRisky) risky[risky.length - 1] = true;
      afterGroup = true;
    } else if (c === '|') {
      risky[risky.length - 1] = true;
    }
    const q = p[i + 1];
    const braces = q === '{' ? /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i + 1)) : null;
    if (q === '*' || q === '+' || q === '?' || braces) {
      const repeats = q === '*' || q === '+' || (braces !== null && (braces[2] === undefined ? Number(braces[1]) > 1 : braces[3] !== '1'));
      if (afterGroup && closedRisky && repeats) return true;
      risky[risky.length - 1] = true;
      i += braces ? braces[0].length : 1;
      if (p[i + 1] === '?') i++;
    }
  }
  return false;
}

/** Why a rule cannot be saved (Chinese, safe to show), or undefined. */
export function ruleProblem(r: NewBotRule): string | undefined {
  if (r.pattern.length < 1 || r.pattern.length > MAX_PATTERN_CHARS) return `关键词需为 1 到 ${MAX_PATTERN_CHARS} 个字符`;
  if (r.matchKind === 'regex') {
    try {
      new RegExp(r.pattern, 'iu');
    } catch {
      return '正则表达式无效，请检查括号、转义等写法';
    }
    if (backtrackingRisk(r.pattern)) return '正则表达式过于复杂（如嵌套量词 (a+)+、重复的分支或反向引用），可能拖慢机器人，请简化';
  } else if (!normalizeText(r.pattern)) {
    return '关键词不能只包含空白';
  }
  if (r.action === 'ask') {
    if (!r.actionArg) return '“提问”动作需要指定问题（actionArg）';
    if (!(ASK_QUESTIONS as readonly string[]).includes(r.actionArg)) return `未知的问题“${r.actionArg}”，可选：${ASK_QUESTIONS.join('、')}`;
  } else if (r.actionArg !== null) {
    return '只有“提问”动作可以指定 actionArg';
  }
  const reply = templateProblem(r.reply, RULE_REPLY_VARS);
  return reply && `回复${reply}`;
}

/** A rule the book matched, with its reply compiled. */
export interface MatchedRule extends BotRule {
  /** The reply with {name} and {store} filled in; missing values render as ''. */
  renderReply(vars: TemplateVars): string;
}

// Where a message is, as a bit; a rule carries the bits it answers in.
const DM = 1;
const GROUP_MENTIONED = 2;
const GROUP_PLAIN = 4;
const SCOPE_MASK = { dm: DM, both: DM | GROUP_MENTIONED, group: GROUP_MENTIONED | GROUP_PLAIN } as const;

interface CompiledRule {
  readonly rule: MatchedRule;
  readonly mask: number;
  readonly priority: number;
  readonly id: number;
  readonly kind: BotRule['matchKind'];
  readonly needle: string;
  readonly re: RegExp | undefined;
}

const NONE: readonly CompiledRule[] = [];
const first = (a: CompiledRule, b: CompiledRule) => b.priority - a.priority || a.id - b.id;

function compileRule(r: BotRule): CompiledRule {
  const reply: CompiledTemplate = compileTemplate(r.reply);
  return {
    rule: { ...r, renderReply: (vars) => renderTemplate(reply, vars) },
    mask: SCOPE_MASK[r.scope],
    priority: r.priority,
    id: r.id,
    kind: r.matchKind,
    needle: r.matchKind === 'regex' ? '' : normalizeText(r.pattern),
    // No g/y flag: test() keeps no lastIndex state between messages.
    re: r.matchKind === 'regex' ? new RegExp(r.pattern, 'iu') : undefined,
  };
}

function hits(c: CompiledRule, text: string): boolean {
  if (c.kind === 'exact') return text === c.needle;
  if (c.kind === 'contains') return text.includes(c.needle);
  return c.re!.test(text);
}

export interface RuleBookDeps extends VersionedDeps {
  rules: Pick<BotRuleRepo, 'listBotRules'>;
}

/**
 * The enabled keyword rules, compiled once per version. `match` is synchronous and allocates
 * nothing beyond the normalised text; call `maybeRefresh` per message (cheap) or `refresh`
 * after a known change.
 */
export class RuleBook extends VersionedCopy {
  private byStore = new Map<number, readonly CompiledRule[]>();
  private global: readonly CompiledRule[] = NONE;

  constructor(private readonly d: RuleBookDeps) {
    super(d, 'rules');
  }

  /**
   * The best rule for the message: the store's rules and the global ones, highest priority
   * first, ties to the lowest id. In a 1:1 chat rules of scope dm|both apply; in a group
   * group|both when the bot is @mentioned, only group otherwise.
   */
  match(m: MatchInput): MatchedRule | undefined {
    const where = m.where === 'dm' ? DM : m.mentioned ? GROUP_MENTIONED : GROUP_PLAIN;
    const text = normalizeText(m.text);
    if (!text) return undefined;
    const own = m.storeId === null ? NONE : (this.byStore.get(m.storeId) ?? NONE);
    const global = this.global;
    // Both lists are sorted the same way: merge them and stop at the first hit.
    let i = 0;
    let j = 0;
    while (i < own.length || j < global.length) {
      const c = j >= global.length || (i < own.length && first(own[i]!, global[j]!) < 0) ? own[i++]! : global[j++]!;
      if (c.mask & where && hits(c, text)) return c.rule;
    }
    return undefined;
  }

  protected async load(): Promise<void> {
    const byStore = new Map<number, CompiledRule[]>();
    const global: CompiledRule[] = [];
    for (const r of await this.d.rules.listBotRules({ enabledOnly: true })) {
      // Rules are validated on the way in; one written around the API must not stop the others.
      const problem = ruleProblem(r);
      if (problem) {
        this.d.log.warn({ ruleId: r.id }, 'bot rule skipped: invalid');
        continue;
      }
      const c = compileRule(r);
      if (r.storeId === null) global.push(c);
      else {
        const list = byStore.get(r.storeId);
        if (list) list.push(c);
        else byStore.set(r.storeId, [c]);
      }
    }
    for (const list of byStore.values()) list.sort(first);
    this.byStore = byStore;
    this.global = global.sort(first);
  }
}

export interface BotRuleServiceDeps {
  rules: BotRuleRepo;
  version: RuleVersion;
  clock: Clock;
  storeExists: (id: number) => Promise<boolean>;
}

/** Managing rules (admin API). Every change bumps the version so each RuleBook reloads. */
export class BotRuleService {
  constructor(private readonly d: BotRuleServiceDeps) {}

  /** storeId: that store's own rules; null: the global rules; undefined: all. */
  list(q: { storeId?: number | null } = {}): Promise<BotRule[]> {
    return this.d.rules.listBotRules({ storeId: q.storeId });
  }

  async get(id: number): Promise<BotRule> {
    const r = await this.d.rules.findBotRule(id);
    if (!r) throw notFound('BOT.RULE_NOT_FOUND', '规则不存在');
    return r;
  }

  async create(input: NewBotRule): Promise<BotRule> {
    await this.check(input);
    const r = await this.d.rules.insertBotRule(input, this.d.clock.now());
    await this.d.version.bump();
    return r;
  }

  async edit(id: number, patch: BotRulePatch): Promise<BotRule> {
    const { id: _, ...current } = await this.get(id);
    const next: NewBotRule = { ...current, ...patch };
    // Switching away from 'ask' drops its question unless the patch sets one.
    if (patch.action !== undefined && patch.action !== 'ask' && patch.actionArg === undefined) next.actionArg = null;
    await this.check(next, current.storeId);
    await this.d.rules.updateBotRule(id, { ...patch, actionArg: next.actionArg }, this.d.clock.now());
    await this.d.version.bump();
    return { id, ...next };
  }

  async remove(id: number): Promise<void> {
    if (!(await this.d.rules.deleteBotRule(id))) throw notFound('BOT.RULE_NOT_FOUND', '规则不存在');
    await this.d.version.bump();
  }

  private async check(r: NewBotRule, knownStore?: number | null): Promise<void> {
    checkTemplate(r.reply, RULE_REPLY_VARS, '回复');
    const problem = ruleProblem(r);
    if (problem) throw badRequest('BOT.RULE_INVALID', problem);
    if (r.storeId !== null && r.storeId !== knownStore && !(await this.d.storeExists(r.storeId))) {
      throw badRequest('BOT.STORE_NOT_FOUND', '门店不存在');
    }
  }
}
