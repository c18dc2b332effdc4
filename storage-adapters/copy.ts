/**
 * Copies data and dictionaries from one store to another through the adapter interface, so
 * swapping the backend keeps history. Dictionary entries are claimed in the target by key;
 * when the target already gave a name another ID, ID columns are rewritten on the way.
 */
import { Field, makeData, RecordBatch, Schema, Struct, Utf8, vectorFromArray, type Data } from 'apache-arrow';
import { arrowType, TABLES, type ColumnDef, type TableDef } from '../schema/index.ts';
import type { ColumnBatch, DictEntry, StorageAdapter } from './adapter.ts';
import { scanColumns } from './columns.ts';

export interface CopyProgress { table: string; rows: number }
export interface CopyResult { tables: Record<string, { copied: number; targetBefore: number; targetAfter: number }>; dictionaryEntries: number; remapped: number }

/** Source ID → target ID, per resource type (only where they differ). */
type Remap = Map<string, Map<number, number>>;

async function copyDictionaries(from: StorageAdapter, to: StorageAdapter): Promise<{ entries: number; remap: Remap }> {
  const entries = await from.dictionaries.entries();
  const byType = new Map<string, DictEntry[]>();
  for (const e of entries) byType.set(e.type, [...(byType.get(e.type) ?? []), e]);
  const remap: Remap = new Map();
  for (const [type, list] of byType) {
    // Same IDs when free; otherwise the target keeps its own and we learn the mapping.
    await to.dictionaries.claim(list);
    let next = await to.dictionaries.maxId(type);
    const missing = async () => {
      const have = new Map((await to.dictionaries.findByKeys(type, list.map((e) => e.key))).map((e) => [e.key, e.id]));
      return { have, lost: list.filter((e) => !have.has(e.key)) };
    };
    let { have, lost } = await missing();
    while (lost.length) {
      await to.dictionaries.claim(lost.map((e) => ({ ...e, id: ++next })));
      ({ have, lost } = await missing());
      next = await to.dictionaries.maxId(type);
    }
    const m = new Map<number, number>();
    for (const e of list) if (have.get(e.key) !== e.id) m.set(e.id, have.get(e.key)!);
    if (m.size) remap.set(type, m);
  }
  const tags = await from.dictionaries.customTags();
  await to.dictionaries.putCustomTags(tags.map((t) => ({ ...t, id: remap.get(t.type)?.get(t.id) ?? t.id })));
  return { entries: entries.length, remap };
}

function toData(c: ColumnDef, col: ColumnBatch['columns'][number], n: number, remap: Map<number, number> | undefined): Data {
  if (c.type === 'string' || c.type === 'bool') {
    const values = Array.from({ length: n }, (_, i) => (col.valid && !(col.valid[i >> 3]! & (1 << (i & 7))) ? null : col.values[i]));
    return c.type === 'string' ? vectorFromArray(values as Array<string | null>, new Utf8()).data[0]! : vectorFromArray(values as Array<boolean | null>).data[0]!;
  }
  const type = arrowType(c.type);
  const Ctor = (type as unknown as { ArrayType: new (n: number) => { [i: number]: unknown } }).ArrayType;
  const out = new Ctor(n);
  const big = c.type === 'int64' || c.type === 'uint64' || c.type === 'timestamp';
  for (let i = 0; i < n; i++) {
    const v = col.values[i];
    if (v === null || v === undefined) continue;
    const mapped = remap ? remap.get(Number(v)) ?? Number(v) : v;
    out[i] = big ? BigInt(mapped as number | bigint) : Number(mapped);
  }
  const nulls = col.valid ? n - countValid(col.valid, n) : 0;
  return makeData({ type, length: n, nullCount: nulls, nullBitmap: nulls ? col.valid : null, data: out } as never);
}

function countValid(valid: Uint8Array, n: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (valid[i >> 3]! & (1 << (i & 7))) k++;
  return k;
}

function toBatch(t: TableDef, b: ColumnBatch, remap: Remap): RecordBatch {
  const cols = t.columns;
  const datas = cols.map((c, i) => toData(c, b.columns[i]!, b.length, c.encoding?.kind === 'resource' ? remap.get(c.encoding.resource) : undefined));
  const fields = cols.map((c, i) => new Field(c.name, datas[i]!.type, c.role !== 'time'));
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: b.length, children: datas }));
}

export async function copyStore(from: StorageAdapter, to: StorageAdapter, options: { sinceUs?: bigint; onProgress?: (p: CopyProgress) => void } = {}): Promise<CopyResult> {
  const { entries, remap } = await copyDictionaries(from, to);
  const before = await to.stats();
  const result: CopyResult = { tables: {}, dictionaryEntries: entries, remapped: [...remap.values()].reduce((s, m) => s + m.size, 0) };
  for (const t of TABLES) {
    let copied = 0;
    const fragment = { table: t, columns: t.columns.map((c) => c.name), filters: [], timeRange: options.sinceUs !== undefined ? { startUs: options.sinceUs } : undefined };
    for await (const b of scanColumns(from, fragment)) {
      if (b.length === 0) continue;
      await to.write(t, [toBatch(t, b, remap)]);
      copied += b.length;
      options.onProgress?.({ table: t.fullName, rows: copied });
    }
    result.tables[t.fullName] = { copied, targetBefore: before[t.fullName]?.rows ?? 0, targetAfter: 0 };
  }
  const after = await to.stats();
  for (const [name, r] of Object.entries(result.tables)) r.targetAfter = after[name]?.rows ?? 0;
  return result;
}
