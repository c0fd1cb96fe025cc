/**
 * The few SQL spellings that differ between MariaDB and SQLite, so every seeding statement is
 * written once. Rows come from number sequences (MariaDB's Sequence engine tables, a recursive
 * CTE on SQLite) and pseudo-random but deterministic picks: h(k, col) is an affine map modulo a
 * prime, a different one per stream k and per --seed, so the same seed builds the same data.
 */
export const PRIME = 1_000_003;

export interface Dialect {
  mysql: boolean;
  /** A FROM item yielding column `seq` = a..b (give it an alias). */
  seq(a: number, b: number): string;
  div(a: string, b: string): string;
  cat(...parts: string[]): string;
  least(a: string, b: string): string;
  /** 64 hex-ish characters standing for a keyed hash (ip_hash). */
  hash64(e: string): string;
  /** Deterministic pseudo-random in [0, PRIME) from an integer column, stream k. */
  h(k: number, col: string): string;
}

export function dialect(mysql: boolean, seed: number): Dialect {
  const a = (k: number) => 1 + ((2_654_435_761 * (k + 1) + seed * 40_503) % (PRIME - 1));
  const b = (k: number) => (seed * 7_919 + k * 104_729) % PRIME;
  return {
    mysql,
    seq: (lo, hi) => (mysql ? `seq_${lo}_to_${hi}` : `(WITH RECURSIVE s(seq) AS (SELECT ${lo} UNION ALL SELECT seq + 1 FROM s WHERE seq < ${hi}) SELECT seq FROM s)`),
    div: (x, y) => (mysql ? `((${x}) DIV (${y}))` : `((${x}) / (${y}))`),
    // SQLite's || binds tighter than %, so each part keeps its own parentheses.
    cat: (...p) => (mysql ? `CONCAT(${p.join(', ')})` : `(${p.map((x) => `(${x})`).join(' || ')})`),
    least: (x, y) => (mysql ? `LEAST(${x}, ${y})` : `MIN(${x}, ${y})`),
    hash64: (e) => (mysql ? `SHA2(${e}, 256)` : `printf('%064x', ${e})`),
    h: (k, col) => `((${col} * ${a(k)} + ${b(k)}) % ${PRIME})`,
  };
}

/** A SQL string literal (only for the seed's own constant texts). */
export const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;
