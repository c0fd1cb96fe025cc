import type { AuditRepo } from '../mp/mp.ports.js';

/**
 * One person as Siyu holds them: the customer row they are known by now and every row merged
 * into it (a merge keeps the source row, so a person can be several rows).
 */
export interface PersonCluster {
  /** The row the others were merged into (what operators see). */
  rootId: number;
  /** rootId and every row merged into it, directly or through another merged row. */
  ids: number[];
  /** When the person was erased before; null the first time. */
  erasedAt: number | null;
}

/** Rows changed per table by one erasure: scrubbed, deleted, cancelled or stopped. */
export type ErasureCounts = Record<string, number>;

/** The personal data of one person, as handed to them on an access request. */
export interface PersonalDataExport {
  customers: Array<Record<string, unknown>>;
  identities: Array<{ kind: string; value: string; createdAt: string }>;
  phones: string[];
  leads: Array<Record<string, unknown>>;
  consents: Array<Record<string, unknown>>;
  tags: Array<{ group: string; name: string; source: string; createdAt: string }>;
  relationships: Array<Record<string, unknown>>;
  timeline: Array<Record<string, unknown>>;
  orders: Array<Record<string, unknown>>;
  coupons: Array<Record<string, unknown>>;
  surveyAnswers: Array<Record<string, unknown>>;
  messagesToThem: Array<Record<string, unknown>>;
  journeyMessages: Array<Record<string, unknown>>;
  tasks: Array<Record<string, unknown>>;
  segments: Array<Record<string, unknown>>;
}

/**
 * Where a person's personal data lives, table by table (the store knows the tables; the
 * service decides when and for whom). Every method runs inside the caller's transaction.
 */
export interface PersonalDataRepo {
  /** The person the customer id belongs to, rows locked for the transaction; undefined when unknown. */
  lockCluster(customerId: number): Promise<PersonCluster | undefined>;
  /**
   * Erases or anonymises everything personal of these rows and stops what would still reach
   * them; keeps non-personal aggregates (order amounts, counts) on the anonymous rows.
   * `visitorToken` replaces the browser id on their scans and leads, so visitor counts stay
   * right without pointing at the browser. Running it again changes nothing more.
   */
  erase(ids: number[], o: { now: number; visitorToken: string; taskTitle: string }): Promise<ErasureCounts>;
  /** Everything personal held about these rows, phones decrypted by `reveal`. */
  collect(ids: number[], reveal: (enc: string) => string): Promise<PersonalDataExport>;
}

export interface PersonalDataTx {
  data: PersonalDataRepo;
  audit: AuditRepo;
}

/** What a task of an erased person is retitled to (its rep still sees the task was cancelled). */
export const ERASED_TASK_TITLE = '（客户已要求删除个人信息，任务已取消）';
