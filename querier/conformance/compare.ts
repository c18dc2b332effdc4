/**
 * Runs a query corpus against two SQL engines and reports every difference. Reusable by
 * `storage-adapters/testkit` for any adapter: pass a runner for MetaFlow over that adapter and
 * one for the reference database. Floats compare within a relative tolerance.
 */
export type Cell = number | bigint | string | boolean | null;
export type QueryRunner = (sql: string) => Promise<Cell[][]>;

export interface Mismatch { sql: string; detail: string; expected?: unknown; actual?: unknown }

export const FLOAT_TOLERANCE = 1e-9;

export function sameCell(a: Cell, b: Cell): boolean {
  if (a === null || b === null) return a === b;
  if (typeof a === 'string' || typeof b === 'string' || typeof a === 'boolean' || typeof b === 'boolean') return String(a) === String(b);
  const x = Number(a), y = Number(b);
  if (typeof a === 'bigint' && typeof b === 'bigint') return a === b;
  if (x === y) return true;
  return Math.abs(x - y) <= FLOAT_TOLERANCE * Math.max(Math.abs(x), Math.abs(y));
}

const show = (rows: Cell[][]): string => JSON.stringify(rows.slice(0, 5), (_k, v) => (typeof v === 'bigint' ? `${v}` : v));

/** A query both sides run as is, or [MetaFlow's spelling, the reference's spelling]. */
export type CorpusQuery = string | readonly [string, string];

/** Runs every query on both; resolves to the mismatches (empty when they agree). */
export async function compareEngines(queries: readonly CorpusQuery[], reference: QueryRunner, subject: QueryRunner, referenceSpelling = true): Promise<Mismatch[]> {
  const out: Mismatch[] = [];
  for (const q of queries) {
    const sql = typeof q === 'string' ? q : q[0];
    const refSql = typeof q === 'string' || !referenceSpelling ? sql : q[1];
    let expected: Cell[][], actual: Cell[][];
    try { expected = await reference(refSql); } catch (e) { out.push({ sql, detail: `reference failed: ${(e as Error).message}` }); continue; }
    try { actual = await subject(sql); } catch (e) { out.push({ sql, detail: `failed: ${(e as Error).message}` }); continue; }
    if (expected.length !== actual.length) { out.push({ sql, detail: `row count ${actual.length}, expected ${expected.length}: ${show(actual)} vs ${show(expected)}` }); continue; }
    for (let i = 0; i < expected.length; i++) {
      const e = expected[i]!, a = actual[i]!;
      if (e.length !== a.length || e.some((c, j) => !sameCell(c, a[j]!))) {
        out.push({ sql, detail: `row ${i} differs: ${show([a])} vs expected ${show([e])}` });
        break;
      }
    }
  }
  return out;
}
