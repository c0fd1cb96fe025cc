import type { IncomingHttpHeaders } from 'node:http';
import type { AccessToken, EmulatorState } from './state.js';
import type { Fields } from './validate.js';

/** What a route handler sees; handlers are synchronous because the state is in memory. */
export interface RouteContext {
  state: EmulatorState;
  config: RouteConfig;
  /** ms of the injected clock, read once per request */
  now: number;
  query: Record<string, string>;
  /** JSON body reader (empty for GET and multipart) */
  body: Fields;
  /** query-string reader, for GET endpoints */
  q: Fields;
  raw: Buffer;
  headers: IncomingHttpHeaders;
  /** the token the call authenticated with (absent on gettoken) */
  token?: AccessToken;
}

export interface RouteConfig {
  corpId: string;
  secrets: readonly string[];
  /** undefined: any agentid is accepted */
  agentIds?: readonly number[];
  /** mini-program appids linked to the app (miniprogram_notice); none when omitted */
  linkedMiniAppIds?: readonly string[];
  /** The qr_code URL of a new contact way; default a wework.qpic.cn-style address (the sandbox serves a real image instead) */
  contactWayQrUrl?: (configId: string) => string;
}

export interface Route {
  method: 'GET' | 'POST';
  /** path after the mount prefix, e.g. `/cgi-bin/externalcontact/get` */
  path: string;
  /** every WeCom API except gettoken needs an access_token */
  auth?: boolean;
  /** multipart uploads skip JSON parsing */
  rawBody?: boolean;
  /** returns the success fields; business errors are thrown as WecomApiError */
  handle(ctx: RouteContext): Record<string, unknown> | void;
}
