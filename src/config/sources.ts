import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Reads the raw configuration, before validation: config/default.json, then
 * config/<NODE_ENV>.json, then environment variables (a secret may also come from
 * `<NAME>_FILE`), then the caller's overrides. Problems are collected, not thrown, so start-up
 * can list every one at once.
 */
export function readSources(o: {
  env: NodeJS.ProcessEnv;
  nodeEnv: string;
  configDir: string;
  /** Environment variable → dotted path in the config object. */
  envMap: Record<string, string>;
  /** The variables that may be given as `<NAME>_FILE` instead. */
  secrets: readonly string[];
  overrides?: Record<string, unknown>;
  problems: string[];
}): Record<string, unknown> {
  const { env, problems } = o;
  let raw = merge(readJson(join(o.configDir, 'default.json'), problems), readJson(join(o.configDir, `${o.nodeEnv}.json`), problems));
  raw.env = o.nodeEnv;
  const fromEnv: Record<string, unknown> = {};
  for (const [name, path] of Object.entries(o.envMap)) {
    let v = env[name];
    const fileVar = env[`${name}_FILE`];
    if ((v === undefined || v === '') && fileVar && o.secrets.includes(name)) {
      try {
        v = readFileSync(fileVar, 'utf8').trim();
      } catch (e) {
        problems.push(`${name}_FILE: cannot read ${fileVar} (${(e as Error).message})`);
      }
    }
    if (v !== undefined && v !== '') setPath(fromEnv, path, v);
  }
  raw = merge(raw, fromEnv);
  return o.overrides ? merge(raw, o.overrides) : raw;
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let o = obj;
  for (const p of parts.slice(0, -1)) {
    if (typeof o[p] !== 'object' || o[p] === null) o[p] = {};
    o = o[p] as Record<string, unknown>;
  }
  o[parts[parts.length - 1]!] = value;
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' && !Array.isArray(prev)
        ? merge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

function readJson(file: string, problems: string[]): Record<string, unknown> {
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    problems.push(`${file}: not valid JSON (${(e as Error).message})`);
    return {};
  }
}
