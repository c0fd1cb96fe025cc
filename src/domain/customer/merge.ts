/**
 * Merging two records of one person: everything that hangs off the source customer moves to the
 * target; rows the target already has an equivalent of (the same tag, the same rep, the same
 * coupon offer) are dropped from the source and kept in the journal. The journal makes the merge
 * reversible: undo moves exactly those rows back and restores the dropped ones.
 */
export interface MergeJournal {
  /** Rows moved by id, per table. */
  movedIds: Record<string, number[]>;
  /** Rows with a composite key moved, per table: the key values on the source side. */
  movedKeys: Record<string, string[]>;
  /** Rows dropped as duplicates of the target's, as they were. */
  dropped: Record<string, Array<Record<string, unknown>>>;
  /** Target fields that were empty and filled from the source, with their old values. */
  filled: Record<string, unknown>;
}

export interface MergeRecord {
  id: number;
  sourceId: number;
  targetId: number;
  reason: string;
  actor: string;
  createdAt: number;
  undoneAt: number | null;
}

export interface MergeRepo {
  findMerge(id: number): Promise<(MergeRecord & { journal: MergeJournal }) | undefined>;
  /** Moves the source's rows to the target; returns the journal. */
  moveAll(sourceId: number, targetId: number): Promise<MergeJournal>;
  /** Moves the journal's rows back and restores the dropped ones. */
  undo(sourceId: number, targetId: number, journal: MergeJournal): Promise<void>;
  insertMerge(m: Omit<MergeRecord, 'id' | 'undoneAt'> & { journal: MergeJournal }): Promise<number>;
  markUndone(id: number, at: number): Promise<void>;
  setMergedInto(customerId: number, into: number | null): Promise<void>;
  /** Both customers, locked for the transaction. */
  lockCustomers(ids: number[]): Promise<Array<{ id: number; mergedInto: number | null }>>;
}
