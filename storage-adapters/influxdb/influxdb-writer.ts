/**
 * Arrow (storage form) → line protocol. InfluxDB keeps one point per (series, time): a second
 * row with the same tags and time would silently replace the first. Rows therefore get
 * nanosecond times µs × 1000 + slot, where the slot (0..999) counts earlier rows this writer
 * gave the same series and µs; the writer tag keeps two writers' series apart. Readers round
 * down to the µs, so times stay exact.
 */
import type { Data, RecordBatch } from 'apache-arrow';
import type { ColumnType, TableDef } from '../../schema/index.ts';
import { boolReader, numberReader, stringReader, timestampReader } from '../../lib/arrow-read.ts';
import { escapeKey, escapeMeasurement, fieldValue, isTag, measurementOf, ROW_FIELD, SLOTS_PER_US, WRITER_TAG } from './influxdb-types.ts';

/**
 * Slots handed out so far, per series and µs. Two generations bound memory: a key is
 * remembered for at least `limit` newer keys, far longer than rows of one µs keep arriving.
 */
export class SlotBook {
  private current = new Map<string, number>();
  private previous = new Map<string, number>();
  constructor(private readonly limit = 500_000) {}

  get(key: string): number {
    return this.current.get(key) ?? this.previous.get(key) ?? 0;
  }

  set(key: string, next: number): void {
    if (this.current.size >= this.limit && !this.current.has(key)) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(key, next);
  }
}

/** Slots of one write call, kept apart until the write succeeds: a retried write reuses them and so overwrites itself instead of duplicating. */
export class SlotDraft {
  private readonly taken = new Map<string, number>();
  constructor(private readonly book: SlotBook) {}

  next(key: string): number {
    const slot = this.taken.get(key) ?? this.book.get(key);
    if (slot >= SLOTS_PER_US) throw new RangeError(`more than ${SLOTS_PER_US} rows with the same tags in one microsecond`);
    this.taken.set(key, slot + 1);
    return slot;
  }

  commit(): void {
    for (const [k, v] of this.taken) this.book.set(k, v);
  }
}

function reader(type: ColumnType, data: Data): (i: number) => unknown {
  if (type === 'string') return stringReader(data);
  if (type === 'bool') return boolReader(data);
  if (type === 'timestamp') return timestampReader(data);
  return numberReader(data);
}

/** Line-protocol lines for one batch (every value validated before anything is sent). */
export function batchLines(table: TableDef, batch: RecordBatch, writer: string, slots: SlotDraft): string[] {
  const time = batch.getChild('time')?.data[0];
  if (!time) throw new RangeError(`batch for ${table.fullName} has no time column`);
  const readTime = timestampReader(time);
  const present = table.columns.filter((c) => c.role !== 'time' && batch.getChild(c.name));
  // Tags sorted by key, as InfluxDB stores them: the tag text then names the series exactly.
  const tags = present.filter(isTag).map((c) => ({ key: escapeKey(c.name), read: reader(c.type, batch.getChild(c.name)!.data[0]!) }));
  tags.push({ key: WRITER_TAG, read: () => writer });
  tags.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const fields = present.filter((c) => !isTag(c)).map((c) => ({ key: escapeKey(c.name), type: c.type, read: reader(c.type, batch.getChild(c.name)!.data[0]!) }));
  const prefix = escapeMeasurement(measurementOf(table));
  const lines: string[] = [];
  for (let i = 0; i < batch.numRows; i++) {
    const us = readTime(i);
    if (us === null) throw new RangeError(`row ${i} of ${table.fullName} has no time`);
    let series = prefix;
    for (const t of tags) {
      const v = t.read(i);
      if (v !== null) series += `,${t.key}=${escapeKey(String(v))}`;
    }
    let fieldText = `${ROW_FIELD}=1i`;
    for (const f of fields) {
      const v = f.read(i);
      if (v !== null) fieldText += `,${f.key}=${fieldValue(f.type, v)}`;
    }
    const ns = us * 1000n + BigInt(slots.next(`${series} ${us}`));
    lines.push(`${series} ${fieldText} ${ns}`);
  }
  return lines;
}
