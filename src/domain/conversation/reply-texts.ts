import { badRequest, notFound } from '../../shared/errors.js';
import { DEFAULT_REPLY_TEXTS, isReplyTextKey, REPLY_TEXT_KEYS, type ReplyTextKey } from './default-reply-texts.js';
import type { ReplyTextRepo, TemplateOverride } from './rules.ports.js';
import { checkTemplate, compileTemplate, renderTemplate, templateProblem as engineProblem, type CompiledTemplate, type TemplateVars } from '../template/template-engine.js';
import { VersionedCopy, type VersionedDeps } from './versioned.js';

export const MAX_TEMPLATE_CHARS = 1000;

/**
 * Why a bot text cannot be saved (Chinese), or undefined: emptiness and length are the bot's
 * rules, variables are the template engine's.
 */
export function templateProblem(text: string, allowed: readonly string[]): string | undefined {
  if (!text.trim()) return '内容不能为空';
  if (text.length > MAX_TEMPLATE_CHARS) return `内容不能超过 ${MAX_TEMPLATE_CHARS} 字`;
  return engineProblem(text, allowed)?.message;
}

export interface ReplyTextEntry {
  key: ReplyTextKey;
  vars: readonly string[];
  /** The text the store gets: its own override, else the global override, else the default. */
  text: string;
  defaultText: string;
  source: 'store' | 'global' | 'default';
  /** Whether an override exists at the level asked for (the store, or global when no store). */
  overridden: boolean;
}

export interface ReplyTextsDeps extends VersionedDeps {
  templates: ReplyTextRepo;
  storeExists: (id: number) => Promise<boolean>;
}

/** Store id 0 holds the overrides of every store (bot_templates). */
const GLOBAL = 0;
const DEFAULTS = new Map(REPLY_TEXT_KEYS.map((k) => [k, compileTemplate(DEFAULT_REPLY_TEXTS[k].text)]));

/**
 * The bot's system texts. `render` is synchronous and reads the copy loaded by refresh (the
 * defaults until then); the admin methods read and write the database and bump the version
 * so every process reloads.
 */
export class ReplyTexts extends VersionedCopy {
  private overrides = new Map<number, Map<string, CompiledTemplate>>();

  constructor(private readonly d: ReplyTextsDeps) {
    super(d, 'templates');
  }

  protected async load(): Promise<void> {
    const next = new Map<number, Map<string, CompiledTemplate>>();
    for (const o of await this.d.templates.listBotTemplates()) {
      if (!isReplyTextKey(o.key)) continue;
      let m = next.get(o.storeId);
      if (!m) next.set(o.storeId, (m = new Map()));
      m.set(o.key, compileTemplate(o.text));
    }
    this.overrides = next;
  }

  /** The text of `key` for the store (store override, then global override, then default). */
  render(key: ReplyTextKey, storeId: number | null, vars: TemplateVars = {}): string {
    const t =
      (storeId === null ? undefined : this.overrides.get(storeId)?.get(key)) ?? this.overrides.get(GLOBAL)?.get(key) ?? DEFAULTS.get(key)!;
    return renderTemplate(t, vars);
  }

  /** Every key with its effective text for the store (null: the global texts), read from the database. */
  async list(storeId: number | null): Promise<ReplyTextEntry[]> {
    const rows = await this.d.templates.listBotTemplates(storeId === null ? [GLOBAL] : [GLOBAL, storeId]);
    return REPLY_TEXT_KEYS.map((k) => entry(k, storeId, rows));
  }

  /** Sets the store's (or the global) text of `key`. Unknown key → 404; bad text or store → 400. */
  async setOverride(key: string, storeId: number | null, text: string): Promise<ReplyTextEntry> {
    const k = this.known(key);
    checkTemplate(text, DEFAULT_REPLY_TEXTS[k].vars, '文案');
    const problem = templateProblem(text, DEFAULT_REPLY_TEXTS[k].vars);
    if (problem) throw badRequest('BOT.TEMPLATE_INVALID', `文案${problem}`);
    if (storeId !== null && !(await this.d.storeExists(storeId))) throw badRequest('BOT.STORE_NOT_FOUND', '门店不存在');
    await this.d.templates.upsertBotTemplate({ storeId: storeId ?? GLOBAL, key: k, text }, this.d.clock.now());
    await this.changed();
    return (await this.list(storeId)).find((e) => e.key === k)!;
  }

  /** Drops the store's (or the global) override of `key`; a key without one is left as it is. */
  async resetOverride(key: string, storeId: number | null): Promise<ReplyTextEntry> {
    const k = this.known(key);
    if (await this.d.templates.deleteBotTemplate(storeId ?? GLOBAL, k)) await this.changed();
    return (await this.list(storeId)).find((e) => e.key === k)!;
  }

  private known(key: string): ReplyTextKey {
    if (!isReplyTextKey(key)) throw notFound('BOT.TEMPLATE_UNKNOWN', '没有这个文案');
    return key;
  }

  private async changed(): Promise<void> {
    await this.d.version.bump();
    await this.refresh();
  }
}

function entry(key: ReplyTextKey, storeId: number | null, rows: TemplateOverride[]): ReplyTextEntry {
  const def = DEFAULT_REPLY_TEXTS[key];
  const own = storeId === null ? undefined : rows.find((r) => r.storeId === storeId && r.key === key);
  const global = rows.find((r) => r.storeId === GLOBAL && r.key === key);
  return {
    key,
    vars: def.vars,
    text: own?.text ?? global?.text ?? def.text,
    defaultText: def.text,
    source: own ? 'store' : global ? 'global' : 'default',
    overridden: storeId === null ? !!global : !!own,
  };
}
