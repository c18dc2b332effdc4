/**
 * Time-window rollup of metric rows: rows with the same tag key in the same window merge
 * (counters add, max-type metrics take the max), and a window is emitted once the clock has
 * passed its end plus a grace for late rows. A row later than that opens the window again
 * and goes out as a second row with the same key and time; the store's counter and max
 * semantics make the two read as one, so late data is never lost, only split.
 */
import type { IngestRow } from '../ship/arrow-batch.ts';

export interface MetricSpec {
  name: string;
  /** 'sum' for counters (requests, bytes, rrt_sum), 'max' for max-type metrics (rrt_max). */
  kind: 'sum' | 'max';
}

interface Cell {
  tags: IngestRow;
  values: Float64Array;
}

export class Rollup {
  /** window start (s) → tag key → cell. */
  private readonly windows = new Map<number, Map<string, Cell>>();
  /** Rows added to a window that had already been emitted. */
  lateRows = 0;
  private emittedBefore = -Infinity;

  constructor(
    /** `db.table` the rows are for. */
    readonly table: string,
    readonly intervalSec: number,
    private readonly metrics: readonly MetricSpec[],
    private readonly graceSec: number,
  ) {}

  /**
   * Adds one observation. `tags` is only read when the key is new in its window, so callers
   * may build it lazily but must not mutate it afterwards.
   */
  add(timeSec: number, key: string, tags: () => IngestRow, values: Readonly<Record<string, number>>): void {
    const start = Math.floor(timeSec / this.intervalSec) * this.intervalSec;
    if (start + this.intervalSec <= this.emittedBefore) this.lateRows++;
    let w = this.windows.get(start);
    if (!w) { w = new Map(); this.windows.set(start, w); }
    let cell = w.get(key);
    if (!cell) { cell = { tags: tags(), values: new Float64Array(this.metrics.length) }; w.set(key, cell); }
    for (let i = 0; i < this.metrics.length; i++) {
      const m = this.metrics[i]!;
      const v = values[m.name];
      if (v === undefined) continue;
      if (m.kind === 'sum') cell.values[i]! += v;
      else if (v > cell.values[i]!) cell.values[i] = v;
    }
  }

  /** Emits every window whose end + grace is at or before `nowSec`. */
  close(nowSec: number): IngestRow[] {
    const out: IngestRow[] = [];
    for (const [start, w] of this.windows) {
      if (start + this.intervalSec + this.graceSec > nowSec) continue;
      this.emit(start, w, out);
      this.windows.delete(start);
      this.emittedBefore = Math.max(this.emittedBefore, start + this.intervalSec);
    }
    return out;
  }

  /** Emits every open window (end of input, shutdown). */
  closeAll(): IngestRow[] {
    return this.close(Infinity);
  }

  get openWindows(): number {
    return this.windows.size;
  }

  private emit(start: number, w: Map<string, Cell>, out: IngestRow[]): void {
    for (const cell of w.values()) {
      const row: IngestRow = { ...cell.tags, time: start * 1_000_000 };
      for (let i = 0; i < this.metrics.length; i++) row[this.metrics[i]!.name] = cell.values[i]!;
      out.push(row);
    }
  }
}
