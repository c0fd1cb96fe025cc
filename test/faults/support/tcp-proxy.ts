import { createServer, connect, type Server, type Socket } from 'node:net';

export type ProxyMode = 'up' | 'refuse' | 'blackhole';

/**
 * A TCP proxy between the app and MariaDB or Redis, so a test can take the backend "down"
 * without stopping the real server, which other test runs on this machine share.
 *
 * - `up`: forwards bytes both ways.
 * - `refuse`: every open connection is destroyed at once and each new one is closed as soon
 *   as it is accepted (what a crashed or restarting server looks like to a client).
 * - `blackhole`: open connections are destroyed, new ones are accepted and then never
 *   answered (a network partition: the client only learns through its own timeouts).
 *
 * What it proves: the app's handling of connections that die and of a backend it cannot reach,
 * and its recovery when it can reach it again. What it does not: the backend's own crash
 * semantics (a transaction the server committed just before dying, a restarted server's
 * cold caches, Redis losing keys that were not persisted). The backend never goes away.
 *
 * Given several targets it takes turns per connection: a load balancer in front of app
 * instances (WeCom opens a connection per delivery).
 */
export class TcpProxy {
  private readonly server: Server;
  private readonly open = new Set<Socket>();
  private mode: ProxyMode = 'up';
  private turn = 0;
  private delayMs = 0;
  /** connections accepted, in any mode (tests check that the app really went through here) */
  accepted = 0;

  private constructor(private targets: Array<{ host: string; port: number }>) {
    this.server = createServer((client) => this.onConnection(client));
  }

  static async start(target: { host: string; port: number } | Array<{ host: string; port: number }>): Promise<TcpProxy> {
    const p = new TcpProxy(Array.isArray(target) ? target : [target]);
    await new Promise<void>((resolve, reject) => {
      p.server.once('error', reject);
      p.server.listen(0, '127.0.0.1', () => resolve());
    });
    return p;
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  /** The given URL with its host and port replaced by this proxy's. */
  rewrite(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  setTargets(targets: Array<{ host: string; port: number }>): void {
    this.targets = targets;
  }

  /** Holds every chunk this long in each direction: a slow network, so work can be caught midway. */
  setDelay(ms: number): void {
    this.delayMs = ms;
  }

  setMode(mode: ProxyMode): void {
    this.mode = mode;
    if (mode !== 'up') this.cut();
  }

  private cut(): void {
    for (const s of this.open) s.destroy();
    this.open.clear();
  }

  private track(s: Socket): void {
    this.open.add(s);
    s.once('close', () => this.open.delete(s));
    // A reset peer is the point of this class; the error needs a listener, nothing else.
    s.on('error', () => undefined);
  }

  private onConnection(client: Socket): void {
    this.accepted++;
    this.track(client);
    if (this.mode === 'refuse') {
      client.destroy();
      return;
    }
    if (this.mode === 'blackhole') {
      client.pause();
      return;
    }
    const target = this.targets[this.turn++ % this.targets.length]!;
    const upstream = connect(target.port, target.host);
    this.track(upstream);
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (chunk: Buffer) => {
        if (this.delayMs === 0) to.write(chunk);
        else setTimeout(() => to.writable && to.write(chunk), this.delayMs);
      });
    forward(client, upstream);
    forward(upstream, client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Host and port of a mysql:// or redis:// URL. */
export function targetOf(url: string, defaultPort: number): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname || '127.0.0.1', port: Number(u.port || defaultPort) };
}
