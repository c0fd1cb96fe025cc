import type { Clock } from '../../shared/clock.js';
import { conflict, notFound } from '../../shared/errors.js';

/** A store's own quiet hours for journey messages, "HH:MM" in Asia/Shanghai (from may be after to: overnight). */
export interface StoreQuietHours {
  from: string;
  to: string;
}

export interface Store {
  id: number;
  code: string;
  name: string;
  /** null: the configured JOURNEY_QUIET_FROM / JOURNEY_QUIET_TO apply. */
  quietHours: StoreQuietHours | null;
  /** null: the configured DORMANT_DAYS applies. */
  dormantDays: number | null;
  createdAt: number;
}

export type NewStore = Omit<Store, 'id' | 'createdAt'>;
export type StorePatch = Partial<NewStore>;

/** Thrown by the repo when another store already has the code (a unique key in the database). */
export class StoreCodeTakenError extends Error {
  constructor() {
    super('store code already taken');
  }
}

/** Storage of stores. */
export interface StoreRepo {
  /** Throws StoreCodeTakenError when the code is taken. */
  insertStore(s: NewStore, now: number): Promise<number>;
  findStore(id: number): Promise<Store | undefined>;
  listStores(): Promise<Store[]>;
  /** Throws StoreCodeTakenError when the new code is taken; false when there is no such store. */
  updateStore(id: number, patch: StorePatch): Promise<boolean>;
}

/**
 * Stores and their own settings (quiet hours for journeys, the dormant threshold of
 * reactivation). A code is unique (409 STORE.CODE_TAKEN). `onChange` runs after every write,
 * so readers that keep copies of store settings (the journey engine) drop them.
 */
export class StoreService {
  constructor(
    private readonly d: {
      repo: StoreRepo;
      clock: Clock;
      onChange?(storeId: number): Promise<void>;
    },
  ) {}

  async create(s: NewStore): Promise<Store> {
    const id = await this.write(() => this.d.repo.insertStore(s, this.d.clock.now()));
    await this.d.onChange?.(id);
    return this.get(id);
  }

  async update(id: number, patch: StorePatch): Promise<Store> {
    if (!(await this.write(() => this.d.repo.updateStore(id, patch)))) throw storeNotFound();
    await this.d.onChange?.(id);
    return this.get(id);
  }

  async get(id: number): Promise<Store> {
    const s = await this.d.repo.findStore(id);
    if (!s) throw storeNotFound();
    return s;
  }

  list(): Promise<Store[]> {
    return this.d.repo.listStores();
  }

  private async write<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (e instanceof StoreCodeTakenError) throw conflict('STORE.CODE_TAKEN', '门店编码已被使用');
      throw e;
    }
  }
}

const storeNotFound = () => notFound('STORE.NOT_FOUND', '门店不存在');
