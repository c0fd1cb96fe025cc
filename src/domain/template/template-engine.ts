import { badRequest } from '../../shared/errors.js';

/**
 * The one template engine of every text Siyu sends: channel welcomes, the default welcome,
 * bot rule replies, the bot's system texts, journey messages and journey task titles.
 *
 * One syntax: a variable is its name in single braces, `{name}`. Bot rules, the bot's system
 * texts and journeys were already written that way (dozens of shipped texts); only welcomes
 * used `{{name}}`, so single braces keep every text but one kind as it is and are the shorter
 * thing for an operator to type. Stored welcomes were rewritten by the migration
 * 20261207190000_templates_single_braces; `{{name}}` is refused when a text is saved, with a
 * message saying what to write instead.
 *
 * A variable name is ASCII letters, digits and `_`; any other brace text (`{不是变量`, `{楼栋}`,
 * a lone `}`) is literal. Which variables a text may use depends on where it is sent: the
 * catalogue below for operators' texts, `DEFAULT_REPLY_TEXTS[key].vars` for each system text of
 * the bot (listed by GET /api/bot/templates). A text is checked when it is saved; rendering
 * never fails, a variable without a value renders as ''.
 */

const VARIABLE = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const DOUBLE_BRACED = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/;

/** What each variable means, for error messages and the README; one meaning per name everywhere. */
export const TEMPLATE_VARIABLES = {
  name: '客户的称呼（落地页填写的姓名，否则为微信昵称）',
  store: '客户所属门店的名称',
  coupon: '旅程为本次发放的券码',
} as const;

/**
 * The variables of each kind of text an operator writes. Extending a context means filling the
 * value where that text is rendered, then adding the name here and to README's table.
 */
export const TEXT_CONTEXTS = {
  /** Channel welcomes and WELCOME_DEFAULT_TEXT: sent by WeCom within seconds of the add. */
  welcome: ['name'],
  /** A keyword rule's reply, 1:1 or in a group. */
  botReply: ['name', 'store'],
  /** A journey `send` step. */
  journeyMessage: ['name', 'coupon'],
  /** A journey `task` step's title (read by the rep, not the customer). */
  journeyTask: ['name', 'coupon'],
} as const satisfies Record<string, ReadonlyArray<keyof typeof TEMPLATE_VARIABLES>>;

export type TextContext = keyof typeof TEXT_CONTEXTS;

/** Values for variables; a missing one renders as ''. */
export type TemplateVars = Readonly<Record<string, string | number | null | undefined>>;

/**
 * A text split once into literal text and variable names (literals at even indexes, names at
 * odd ones), so rendering is a loop of concatenations.
 */
export type CompiledTemplate = readonly string[];

export function compileTemplate(text: string): CompiledTemplate {
  const parts: string[] = [];
  let last = 0;
  for (const m of text.matchAll(VARIABLE)) {
    parts.push(text.slice(last, m.index), m[1]!);
    last = m.index + m[0].length;
  }
  parts.push(text.slice(last));
  return parts;
}

/** Replaces each variable by its value; a missing value renders as ''. Never throws. */
export function renderTemplate(t: CompiledTemplate, vars: TemplateVars): string {
  let out = t[0]!;
  for (let i = 1; i < t.length; i += 2) {
    const v = vars[t[i]!];
    out += (v === undefined || v === null ? '' : String(v)) + t[i + 1]!;
  }
  return out;
}

/** compile + render, for a text rendered once. */
export const renderText = (text: string, vars: TemplateVars): string => renderTemplate(compileTemplate(text), vars);

/** Whether the text uses the variable (e.g. to fetch a value only when it is needed). */
export const usesVariable = (t: CompiledTemplate, name: string): boolean => t.some((p, i) => i % 2 === 1 && p === name);

export interface TemplateProblem {
  code: 'TEMPLATE.UNKNOWN_VARIABLE' | 'TEMPLATE.DOUBLE_BRACES';
  /** Chinese, names the variable and what may be used instead. */
  message: string;
}

const list = (names: readonly string[]) => names.map((v) => `{${v}}`).join('、');

/** Why the text's variables do not fit `allowed` (a context or a list), or undefined. Length and emptiness are the caller's rules. */
export function templateProblem(text: string, allowed: TextContext | readonly string[]): TemplateProblem | undefined {
  const vars: readonly string[] = typeof allowed === 'string' ? TEXT_CONTEXTS[allowed] : allowed;
  const old = DOUBLE_BRACED.exec(text);
  if (old) {
    return { code: 'TEMPLATE.DOUBLE_BRACES', message: `变量请用单层花括号：把 ${old[0]} 改为 {${old[1]}}` };
  }
  const unknown = [...new Set([...text.matchAll(VARIABLE)].map((m) => m[1]!))].filter((v) => !vars.includes(v));
  if (!unknown.length) return undefined;
  const known = vars.length ? `可用：${list(vars)}` : '此文案不支持变量';
  return { code: 'TEMPLATE.UNKNOWN_VARIABLE', message: `未知变量 ${list(unknown)}，${known}` };
}

/**
 * Refuses a text whose variables do not fit: a 400 AppError with the problem's code and its
 * message, prefixed with `what` (e.g. 「欢迎语」, 「第 2 步」) when given.
 */
export function checkTemplate(text: string, allowed: TextContext | readonly string[], what?: string): void {
  const p = templateProblem(text, allowed);
  if (p) throw badRequest(p.code, what ? `${what}：${p.message}` : p.message);
}
