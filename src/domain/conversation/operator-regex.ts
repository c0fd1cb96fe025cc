import { RE2JS, RE2JSSyntaxException, RE2Set } from 're2js';

/** A compiled operator regex: case-insensitive, searched anywhere in the text unless anchored. */
export interface OperatorRegex {
  test(text: string): boolean;
}

/**
 * Operators' regexes (bot rules) run on RE2 (re2js, a pure-JS port), whose matching time is
 * linear in the text whatever the pattern: `^\d*\d*…$` or `(a+)+$` cannot stall the bot on a
 * long message, which a backtracking engine's guard heuristics never fully ruled out. The price
 * is RE2's syntax: no backreferences and no lookaround. Patterns are written in JavaScript
 * syntax; the few spellings RE2 writes differently (`\uXXXX`, `\u{…}`) are translated.
 *
 * Answers the compiled regex, or why it cannot be used (Chinese, safe to show an operator).
 */
export function compileOperatorRegex(pattern: string): { re: OperatorRegex; problem?: undefined } | { re?: undefined; problem: string } {
  const unsupported = unsupportedFeature(pattern);
  if (unsupported) return { problem: `正则表达式使用了不支持的${unsupported}，机器人按线性时间匹配，无法执行这种写法，请改写` };
  try {
    const re = RE2JS.compile(toRe2Syntax(pattern), RE2JS.CASE_INSENSITIVE);
    return { re: { test: (text) => re.test(text) } };
  } catch (e) {
    if (e instanceof RE2JSSyntaxException) return { problem: syntaxProblem(e.error) };
    return { problem: '正则表达式过于复杂，请简化' };
  }
}

/** Several operator regexes searched in one pass: which of them the text matches. */
export interface OperatorRegexSet {
  /** The indexes (in the order given) of the patterns found in `text`. */
  matching(text: string): ReadonlySet<number>;
}

const NO_PATTERNS: OperatorRegexSet = { matching: () => new Set() };

/**
 * Patterns that compileOperatorRegex accepted, as one RE2 set: a message is scanned once for
 * all of a store's regex rules instead of once per rule (still linear in the text; RE2 falls
 * back from its DFA to its NFA when the DFA's memory budget runs out). A set too large for one
 * program is matched pattern by pattern instead.
 */
export function compileRegexSet(patterns: readonly string[]): OperatorRegexSet {
  if (!patterns.length) return NO_PATTERNS;
  try {
    const set = new RE2Set(RE2Set.UNANCHORED, RE2JS.CASE_INSENSITIVE);
    for (const p of patterns) set.add(toRe2Syntax(p));
    set.compile();
    return { matching: (text) => new Set(set.match(text)) };
  } catch {
    const each = patterns.map((p) => compileOperatorRegex(p).re);
    return { matching: (text) => new Set(each.flatMap((re, i) => (re?.test(text) ? [i] : []))) };
  }
}

/** The JavaScript features RE2 lacks, named for the operator, found outside character classes. */
function unsupportedFeature(p: string): string | undefined {
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\') {
      const n = p[++i];
      if ((n !== undefined && n >= '1' && n <= '9') || (n === 'k' && p[i + 1] === '<')) return '反向引用（如 \\1、\\k<名称>）';
    } else if (c === '[') {
      for (i++; i < p.length && p[i] !== ']'; i++) if (p[i] === '\\') i++;
    } else if (c === '(' && p[i + 1] === '?') {
      const rest = p.slice(i + 2, i + 4);
      if (rest.startsWith('=') || rest.startsWith('!')) return '先行断言（(?= 或 (?!）';
      if (rest === '<=' || rest === '<!') return '后行断言（(?<= 或 (?<!）';
    }
  }
  return undefined;
}

/** JavaScript's \uXXXX and \u{X…} escapes in RE2's spelling, \x{…}; everything else as written. */
function toRe2Syntax(p: string): string {
  return p.replace(/\\\\|\\u\{([0-9a-fA-F]{1,6})\}|\\u([0-9a-fA-F]{4})/g, (m, braced: string | undefined, four: string | undefined) => {
    const hex = braced ?? four;
    return hex === undefined ? m : `\\x{${hex}}`;
  });
}

const SYNTAX: Array<[string, string]> = [
  ['missing closing )', '括号不配对，缺少 )'],
  ['unexpected )', '括号不配对，多了 )'],
  ['missing closing ]', '方括号不配对，缺少 ]'],
  ['invalid repeat count', '重复次数最多 1000'],
  ['invalid nested repetition operator', '量词不能紧跟量词（如 a**、a{2}{3}）'],
  ['missing argument to repetition operator', '量词前缺少要重复的内容'],
  ['invalid escape sequence', '含有不支持的转义写法'],
  ['trailing backslash at end of expression', '末尾多了一个反斜杠'],
  ['invalid character class range', '字符范围无效'],
  ['invalid named capture', '命名分组写法无效'],
  ['duplicate capture group name', '命名分组重名'],
  ['invalid or unsupported Perl syntax', '含有不支持的 (? 写法'],
  ['expression nests too deeply', '嵌套过深'],
  ['expression too large', '过于复杂'],
];

function syntaxProblem(error: string): string {
  const hit = SYNTAX.find(([en]) => error === en);
  return hit ? `正则表达式无效：${hit[1]}` : '正则表达式无效，请检查括号、转义等写法';
}
