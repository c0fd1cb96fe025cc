/** A unique-key violation on MySQL/MariaDB or SQLite. */
export const isDuplicate = (e: unknown) => {
  const code = (e as { code?: string }).code;
  return code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
};

/** InnoDB chose this transaction as a deadlock victim and rolled it back whole. */
export const isDeadlock = (e: unknown) => (e as { code?: string } | undefined)?.code === 'ER_LOCK_DEADLOCK';
