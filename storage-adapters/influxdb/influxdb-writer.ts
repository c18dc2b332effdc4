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
 * Slots handed out so far, per series and µs, keyed by a 32-bit hash of the two: a hash
 * collision only makes two (series, µs) pairs share a counter, which wastes slots but never
 * gives one pair the same slot twice. Two generations bound memory (small-integer keys,
 * ~40 bytes each): a key is remembered for at least `limit` newer keys, far longer than rows
 * of one series and µs keep arriving.
 */
export class SlotBook {
  private current = new Map<number, number>();
  private previous = new Map<number, number>();
  constructor(private readonly limit = 500_000) {}

  get(key: number): number {
    return this.current.get(key) ?? this.previous.get(key) ?? 0;
  }

  set(key: number, next: number): void {
    if (this.current.size >= this.limit && !this.current.has(key)) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(key, next);
  }
}

/** Slots of one write call, kept apart until the write succeeds: a retried write reuses them and so overwrites itself instead of duplicating. */
export class SlotDraft {
  private readonly taken = new Map<number, number>();
  constructor(private readonly book: SlotBook) {}

  next(key: number): number {
    const slot = this.taken.get(key) ?? this.book.get(key);
    if (slot >= SLOTS_PER_US) throw new RangeError(`more than ${SLOTS_PER_US} rows with the same tags in one microsecond`);
    this.taken.set(key, slot + 1);
    return slot;
  }

  commit(): void {
    for (const [k, v] of this.taken) this.book.set(k, v);
  }
}

/** FNV-1a over the series text and the µs text. */
export function slotKey(series: string, us: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < series.length; i++) h = Math.imul(h ^ series.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ 0x20, 0x01000193);
  for (let i = 0; i < us.length; i++) h = Math.imul(h ^ us.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** µs and a slot → the point's ns time as text (string work instead of BigInt arithmetic for the usual positive times). */
function nsText(us: bigint, usText: string, slot: number): string {
  if (us >= 0n) return us === 0n ? String(slot) : usText + String(slot).padStart(3, '0');
  return String(us * 1000n + BigInt(slot));
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
  // Tag values are integers (IDs, enum codes): their text needs no escaping.
  const tags = present.filter(isTag).map((c) => ({ key: escapeKey(c.name), read: reader(c.type, batch.getChild(c.name)!.data[0]!) }));
  tags.push({ key: WRITER_TAG, read: () => escapeKey(writer) });
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
      if (v !== null) series += `,${t.key}=${v}`;
    }
    let fieldText = `${ROW_FIELD}=1i`;
    for (const f of fields) {
      const v = f.read(i);
      if (v !== null) fieldText += `,${f.key}=${fieldValue(f.type, v)}`;
    }
    const usText = String(us);
    lines.push(`${series} ${fieldText} ${nsText(us, usText, slots.next(slotKey(series, usText)))}`);
  }
  return lines;
}
