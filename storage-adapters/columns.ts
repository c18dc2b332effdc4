/** Columnar scans for any adapter: its own `executeColumns` when it has one, else rows turned into columns. */
import type { ColumnBatch, PlanFragment, StorageAdapter } from './adapter.ts';

export async function* scanColumns(adapter: StorageAdapter, fragment: PlanFragment, options?: { signal?: AbortSignal }): AsyncIterable<ColumnBatch> {
  if (adapter.executeColumns) {
    yield* adapter.executeColumns(fragment, options);
    return;
  }
  for await (const b of adapter.execute(fragment, options)) {
    yield {
      length: b.rows.length,
      columns: b.columns.map((c, i) => {
        const values = b.rows.map((r) => r[i]);
        let valid: Uint8Array | null = null;
        values.forEach((v, k) => {
          if (v !== null && v !== undefined) return;
          valid ??= new Uint8Array((values.length + 7) >> 3).fill(0xff);
          valid[k >> 3]! &= ~(1 << (k & 7));
        });
        return { name: c.name, type: c.type, values, valid };
      }),
    };
  }
}

export function isValidAt(valid: Uint8Array | null, i: number): boolean {
  return valid === null || (valid[i >> 3]! & (1 << (i & 7))) !== 0;
}
