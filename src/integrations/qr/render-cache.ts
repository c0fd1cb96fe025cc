import { createHash } from 'node:crypto';

export interface RenderCacheOptions {
  /** Upper bound on the bytes held, default 32 MiB. */
  maxBytes?: number;
}

export interface CachedRender {
  /** The rendered bytes; shared by every caller, so never mutate them. */
  bytes: Buffer;
  /** Strong ETag: the quoted hex SHA-1 of `bytes`. */
  etag: string;
}

const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;

/**
 * In-memory LRU of rendered images (QR codes, posters), bounded by total bytes. Rendering is
 * CPU-bound and the same images are asked for again and again, so each key is rendered once:
 * concurrent callers of the same key share one render (single-flight), later ones get the
 * cached bytes. A failed render is not cached; every caller waiting on it gets the error and the
 * next call tries again.
 *
 * Keys must cover everything the bytes depend on (see `qrCacheKey`), including a version of the
 * source data (e.g. the channel's `updated_at`), since entries only leave by eviction or `clear()`.
 * One instance per process, created in `src/main` and handed to the routes.
 */
export class RenderCache {
  readonly #maxBytes: number;
  /** Map iteration order is insertion order: the first entry is the least recently used. */
  readonly #entries = new Map<string, CachedRender>();
  readonly #inflight = new Map<string, Promise<CachedRender>>();
  #bytes = 0;
  /** Bumped by clear(), so a render that started before it does not refill the cache. */
  #generation = 0;

  constructor(opts: RenderCacheOptions = {}) {
    const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
    if (!Number.isFinite(maxBytes) || maxBytes <= 0) throw new RangeError('RenderCache maxBytes must be a positive number');
    this.#maxBytes = maxBytes;
  }

  /** Number of cached entries. */
  get size(): number {
    return this.#entries.size;
  }

  /** Total bytes of the cached entries. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * The cached bytes for `key`, or the result of `render()`, which is called at most once at a
   * time per key. Rejects with `render`'s error.
   */
  getOrRender(key: string, render: () => Promise<Buffer>): Promise<CachedRender> {
    const hit = this.#entries.get(key);
    if (hit) {
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return Promise.resolve(hit);
    }
    const pending = this.#inflight.get(key);
    if (pending) return pending;

    const generation = this.#generation;
    // Starting from a resolved promise turns a synchronous throw in render() into a rejection.
    const flight = Promise.resolve()
      .then(render)
      .then((bytes) => {
        if (!Buffer.isBuffer(bytes)) throw new TypeError(`render for ${key} did not return a Buffer`);
        const entry: CachedRender = { bytes, etag: `"${createHash('sha1').update(bytes).digest('hex')}"` };
        if (generation === this.#generation) this.#store(key, entry);
        return entry;
      });
    this.#inflight.set(key, flight);
    const forget = () => {
      if (this.#inflight.get(key) === flight) this.#inflight.delete(key);
    };
    flight.then(forget, forget);
    return flight;
  }

  /**
   * Drops every entry. Renders already under way still answer their callers but are not cached,
   * and new callers start afresh: a clear usually means the source data changed.
   */
  clear(): void {
    this.#entries.clear();
    this.#inflight.clear();
    this.#bytes = 0;
    this.#generation++;
  }

  #store(key: string, entry: CachedRender): void {
    // An entry larger than the whole budget would only flush everything else and then itself.
    if (entry.bytes.length > this.#maxBytes) return;
    const previous = this.#entries.get(key);
    if (previous) this.#bytes -= previous.bytes.length;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    this.#bytes += entry.bytes.length;
    for (const [oldKey, old] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#entries.delete(oldKey);
      this.#bytes -= old.bytes.length;
    }
  }
}
