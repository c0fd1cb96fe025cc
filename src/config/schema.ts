import { z } from 'zod';
import { alertsEnv, alertsShape } from './alerts.schema.js';
import { botEnv, botSecrets, botShape } from './bot.schema.js';
import { journeysEnv, journeysShape } from './journeys.schema.js';
import { serverEnv, serverSecrets, serverShape } from './server.schema.js';
import { wecomEnv, wecomSecrets, wecomShape } from './wecom.schema.js';

/**
 * The whole configuration's schema, one file per area: server.schema.ts (ports, database,
 * cache, the process's own secrets), wecom.schema.ts (WeCom, WeChat, WeChat Pay),
 * bot.schema.ts, journeys.schema.ts, alerts.schema.ts. Each area lists its environment
 * variables next to its keys; rules across areas are in resolve.ts.
 */
export const schema = z.object({ ...serverShape, ...wecomShape, ...botShape, ...journeysShape, ...alertsShape });

/** Environment variable → dotted path in the config object. */
export const ENV_MAP: Record<string, string> = { ...serverEnv, ...wecomEnv, ...botEnv, ...journeysEnv, ...alertsEnv };

/** The variables that may also be given as `<NAME>_FILE` (a mounted secret). */
export const SECRET_ENV: readonly string[] = [...serverSecrets, ...wecomSecrets, ...botSecrets];

/** What the schema accepts, before the rules across keys (resolve.ts) derive the final Config. */
export type Raw = z.infer<typeof schema>;
