import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** Node http plumbing shared by the emulator's routes; no framework so it mounts anywhere. */

/** Large enough for WeCom's biggest upload (file, 20 MB) plus multipart framing. */
export const MAX_BODY_BYTES = 21 * 1024 * 1024;

export class BodyTooLargeError extends Error {
  constructor() {
    super('request body too large');
    this.name = 'BodyTooLargeError';
  }
}

export function readBody(req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) {
        req.destroy();
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function sendJson(res: ServerResponse, status: number, obj: unknown): void {
  const body = JSON.stringify(obj);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * WeCom tolerates some malformed JSON and reports it in errmsg ("Warning: wrong json format.",
 * doc 90455) instead of failing; we mirror that by treating the body as empty plus a warning.
 */
export function parseJsonObject(raw: Buffer): { body: Record<string, unknown>; warning: boolean } {
  if (raw.length === 0) return { body: {}, warning: false };
  try {
    const v: unknown = JSON.parse(raw.toString('utf8'));
    if (v && typeof v === 'object' && !Array.isArray(v)) return { body: v as Record<string, unknown>, warning: false };
  } catch {
    // fall through: malformed JSON is reported through the warning, not an exception
  }
  return { body: {}, warning: true };
}

export interface MultipartPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

/** Minimal RFC 7578 parser: enough for `media/upload` (one file part named `media`). */
export function parseMultipart(contentType: string | undefined, body: Buffer): MultipartPart[] {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? '');
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) return [];
  const delim = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let pos = body.indexOf(delim);
  while (pos !== -1) {
    const start = pos + delim.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delim, start);
    if (next === -1) break;
    // Each part is CRLF, headers, CRLF CRLF, data, CRLF before the next delimiter.
    const part = body.subarray(start + 2, next - 2);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd !== -1) {
      const headers = part.subarray(0, headerEnd).toString('utf8');
      const disp = /content-disposition:[^\r\n]*/i.exec(headers)?.[0] ?? '';
      const name = /\bname="([^"]*)"/i.exec(disp)?.[1];
      const filename = /\bfilename="([^"]*)"/i.exec(disp)?.[1];
      const type = /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1]?.trim();
      if (name !== undefined) {
        parts.push({ name, filename, contentType: type, data: part.subarray(headerEnd + 4) });
      }
    }
    pos = next;
  }
  return parts;
}

export function queryOf(url: URL): Record<string, string> {
  const q: Record<string, string> = {};
  for (const [k, v] of url.searchParams) q[k] = v;
  return q;
}

/**
 * A standalone server for an emulator's `handle` (unknown paths answer 404 JSON). close() ends
 * open connections at once, and connections accepted while it runs are dropped.
 */
export class EmulatorServer {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private closing = false;

  constructor(private readonly handle: (req: IncomingMessage, res: ServerResponse) => boolean) {}

  /** Resolves the port listened on. */
  async listen(port: number, host: string): Promise<number> {
    if (this.server) throw new Error('emulator already listening');
    const server = createServer((req, res) => {
      if (!this.handle(req, res)) sendJson(res, 404, { errcode: 404, errmsg: 'not found' });
    });
    server.on('connection', (s) => {
      // A connection the kernel accepted while close() ran would otherwise keep it waiting.
      if (this.closing) {
        s.destroy();
        return;
      }
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const addr = server.address();
    return typeof addr === 'object' && addr ? addr.port : port;
  }

  async close(): Promise<void> {
    this.closing = true;
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
