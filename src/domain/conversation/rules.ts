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
import { templateProblem } from './reply-texts.js';
import { compileOperatorRegex, compileRegexSet, type OperatorRegexSet } from './operator-regex.js';
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

/** Why a rule cannot be saved (Chinese, safe to show), or undefined. */
export function ruleProblem(r: NewBotRule): string | undefined {
  if (r.pattern.length < 1 || r.pattern.length > MAX_PATTERN_CHARS) return `关键词需为 1 到 ${MAX_PATTERN_CHARS} 个字符`;
  if (r.matchKind === 'regex') {
    const { problem } = compileOperatorRegex(r.pattern);
    if (problem) return problem;
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
  /** A regex rule's index in its list's regex set. */
  readonly slot: number;
}

/** One store's rules (or the global ones), best first, with their regexes as one set. */
interface RuleList {
  readonly rules: readonly CompiledRule[];
  readonly regexes: OperatorRegexSet;
}

const NONE: RuleList = { rules: [], regexes: compileRegexSet([]) };
const first = (a: CompiledRule, b: CompiledRule) => b.priority - a.priority || a.id - b.id;

function compileRule(r: BotRule, slot: number): CompiledRule {
  const reply: CompiledTemplate = compileTemplate(r.reply);
  return {
    rule: { ...r, renderReply: (vars) => renderTemplate(reply, vars) },
    mask: SCOPE_MASK[r.scope],
    priority: r.priority,
    id: r.id,
    kind: r.matchKind,
    needle: r.matchKind === 'regex' ? '' : normalizeText(r.pattern),
    slot,
  };
}

/** Sorts a list best first and compiles its regexes (linear-time RE2) as one set. */
function ruleList(rules: BotRule[]): RuleList {
  let slots = 0;
  const compiled = rules.map((r) => compileRule(r, r.matchKind === 'regex' ? slots++ : -1)).sort(first);
  return { rules: compiled, regexes: compileRegexSet(rules.filter((r) => r.matchKind === 'regex').map((r) => r.pattern)) };
}

export interface RuleBookDeps extends VersionedDeps {
  rules: Pick<BotRuleRepo, 'listBotRules'>;
}

/**
 * The enabled keyword rules, compiled once per version. `match` is synchronous and allocates
 * nothing beyond the normalised text and, once a regex rule is reached, its list's regex hits;
 * call `maybeRefresh` per message (cheap) or `refresh` after a known change.
 */
export class RuleBook extends VersionedCopy {
  private byStore = new Map<number, RuleList>();
  private global: RuleList = NONE;

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
    const ownList = m.storeId === null ? NONE : (this.byStore.get(m.storeId) ?? NONE);
    const own = ownList.rules;
    const global = this.global.rules;
    // Each list's regexes are searched in one pass, the first time one of them is reached.
    let ownFound: ReadonlySet<number> | undefined;
    let globalFound: ReadonlySet<number> | undefined;
    // Both lists are sorted the same way: merge them and stop at the first hit.
    let i = 0;
    let j = 0;
    while (i < own.length || j < global.length) {
      const mine = j >= global.length || (i < own.length && first(own[i]!, global[j]!) < 0);
      const c = mine ? own[i++]! : global[j++]!;
      if (!(c.mask & where)) continue;
      if (c.kind === 'regex') {
        const found = mine ? (ownFound ??= ownList.regexes.matching(text)) : (globalFound ??= this.global.regexes.matching(text));
        if (found.has(c.slot)) return c.rule;
      } else if (c.kind === 'exact' ? text === c.needle : text.includes(c.needle)) return c.rule;
    }
    return undefined;
  }

  protected async load(): Promise<void> {
    const byStore = new Map<number, BotRule[]>();
    const global: BotRule[] = [];
    for (const r of await this.d.rules.listBotRules({ enabledOnly: true })) {
      // Rules are validated on the way in; one written around the API, or saved before regexes
      // ran on RE2 (a lookahead, a backreference), must not stop the others.
      const problem = ruleProblem(r);
      if (problem) {
        this.d.log.warn({ ruleId: r.id, reason: problem }, 'bot rule skipped: invalid');
        continue;
      }
      if (r.storeId === null) global.push(r);
      else {
        const list = byStore.get(r.storeId);
        if (list) list.push(r);
        else byStore.set(r.storeId, [r]);
      }
    }
    this.byStore = new Map([...byStore].map(([storeId, rules]) => [storeId, ruleList(rules)]));
    this.global = ruleList(global);
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
