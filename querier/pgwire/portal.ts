/**
 * Prepared statements and portals of the extended protocol (the simple protocol uses an
 * unnamed portal per statement too). A portal pulls events from the handler's stream and
 * turns them into RowDescription/DataRow/NoticeResponse/CommandComplete; when Execute's row
 * limit is hit it keeps the rest for the next Execute and answers PortalSuspended.
 */
import { SqlError, SqlState } from '../../lib/errors.ts';
import { serialize, type FieldDescription, type WireValue } from './backend-messages.ts';
import type { ByteWriter } from './bytes.ts';
import type { Cancellation } from './cancellation.ts';
import { expandFormats } from './frontend-messages.ts';
import type { ColumnDescription, ExecuteEvent } from './handler.ts';
import type { Format } from './protocol-constants.ts';
import type { SessionCommand } from './session-commands.ts';
import { pgTypeOrText } from './types/type-registry.ts';

export interface PreparedStatement {
  name: string;
  sql: string;
  /** Only whitespace/comments: executes to EmptyQueryResponse. */
  empty: boolean;
  /** Set when the server answers the statement itself. */
  sessionCommand: SessionCommand | null;
  paramTypes: number[];
  columns: ColumnDescription[] | null;
}

/** Buffered output above this many bytes is sent before the result is complete. */
export const FLUSH_THRESHOLD = 64 * 1024;

/** Where a portal writes, and how it lets the connection send a large batch early. */
export interface PortalOutput {
  readonly w: ByteWriter;
  /** Sends buffered messages once they pass FLUSH_THRESHOLD, waiting while the socket is full. */
  flushIfLarge(): Promise<void>;
}

/**
 * Starts the statement: called on the portal's first Execute. An array is a result known up
 * front (the handler's `answerNow`), consumed without waiting.
 */
export type EventSource = (maxRows: number, signal: AbortSignal) => AsyncIterable<ExecuteEvent> | readonly ExecuteEvent[];

/** RowDescription fields for columns in the given formats. */
export function fieldDescriptions(columns: readonly ColumnDescription[], formats: readonly Format[]): FieldDescription[] {
  return columns.map((c, i) => ({
    name: c.name,
    tableOid: c.tableOid ?? 0,
    columnAttr: c.columnAttr ?? 0,
    typeOid: c.typeOid,
    typeSize: c.typeSize ?? pgTypeOrText(c.typeOid).size,
    typeMod: c.typeMod ?? -1,
    format: formats[i] ?? 0,
  }));
}

/** The CommandComplete tag PostgreSQL would send for a command word and row count. */
export function commandTag(command: string, rows: number): string {
  const c = command.toUpperCase();
  if (c === 'INSERT') return `INSERT 0 ${rows}`;
  if (['SELECT', 'FETCH', 'MOVE', 'COPY', 'UPDATE', 'DELETE', 'MERGE'].includes(c)) return `${c} ${rows}`;
  return c;
}

type Encoder = (v: unknown) => WireValue;

function encoders(columns: readonly ColumnDescription[], formats: readonly Format[]): Encoder[] {
  return columns.map((c, i) => {
    const { codec } = pgTypeOrText(c.typeOid);
    return formats[i] === 1
      ? (v) => (v === null || v === undefined ? null : codec.encodeBinary(v))
      : (v) => (v === null || v === undefined ? null : codec.encodeText(v));
  });
}

export class Portal {
  private iterator: AsyncIterator<ExecuteEvent> | null = null;
  /** Events known up front, and the next one to send. */
  private known: readonly ExecuteEvent[] | null = null;
  private knownAt = 0;
  private encode: Encoder[] = [];
  private pending: readonly (readonly unknown[])[] = [];
  private pendingAt = 0;
  private finished = false;

  /**
   * @param resultFormats Bind's result format codes as sent (0, 1 or one per column).
   * @param sendRowDescription true in the simple protocol, where no Describe precedes Execute.
   */
  constructor(
    readonly name: string,
    readonly statement: PreparedStatement,
    private readonly resultFormats: readonly Format[],
    private readonly source: EventSource,
    private readonly sendRowDescription: boolean,
  ) {}

  /** Formats per column of the described result, for Describe portal. */
  formats(columns: readonly ColumnDescription[]): Format[] {
    return expandFormats(this.resultFormats, columns.length, 'result');
  }

  /**
   * Runs until the stream ends or `maxRows` rows (0 = no limit) were sent in this call.
   * Throws SqlError on any failure; a cancel arrives as the cancel's reason.
   */
  async execute(out: PortalOutput, maxRows: number, cancel: Cancellation): Promise<'complete' | 'suspended'> {
    if (this.finished) {
      serialize.commandComplete(out.w, commandTag('SELECT', 0));
      return 'complete';
    }
    if (!this.iterator && !this.known) {
      const events = this.source(maxRows, cancel.signal);
      if (isEventList(events)) this.known = events;
      else this.iterator = events[Symbol.asyncIterator]();
    }
    let sent = 0;
    for (;;) {
      while (this.pendingAt < this.pending.length) {
        if (maxRows > 0 && sent >= maxRows) {
          serialize.portalSuspended(out.w);
          return 'suspended';
        }
        const row = this.pending[this.pendingAt++]!;
        serialize.dataRow(out.w, this.encode.map((enc, i) => enc(row[i])));
        sent++;
      }
      if (out.w.length >= FLUSH_THRESHOLD) await out.flushIfLarge();
      if (maxRows > 0 && sent >= maxRows) {
        serialize.portalSuspended(out.w);
        return 'suspended';
      }
      let step: IteratorResult<ExecuteEvent>;
      if (this.known) {
        step = this.knownAt < this.known.length ? { done: false, value: this.known[this.knownAt++]! } : { done: true, value: undefined };
      } else {
        try {
          step = await cancel.race(this.iterator!.next());
        } catch (err) {
          if (cancel.signal.aborted) this.close();
          throw cancel.signal.aborted ? cancel.signal.reason : err;
        }
      }
      if (step.done) {
        this.iterator = null; // finished: nothing to return() on close
        this.known = null;
        return this.complete(out, commandTag('SELECT', sent));
      }
      const event = step.value;
      switch (event.kind) {
        case 'columns': {
          const formats = this.formats(event.columns);
          this.encode = encoders(event.columns, formats);
          if (this.sendRowDescription) serialize.rowDescription(out.w, fieldDescriptions(event.columns, formats));
          break;
        }
        case 'rows':
          if (event.rows.length > 0 && this.encode.length === 0 && event.rows[0]!.length > 0) {
            throw new SqlError(SqlState.internalError, 'query handler sent rows before describing its columns');
          }
          this.pending = event.rows;
          this.pendingAt = 0;
          break;
        case 'notice':
          serialize.noticeResponse(out.w, event.notice);
          break;
        case 'complete':
          return this.complete(out, commandTag(event.command, event.rowCount ?? sent));
      }
    }
  }

  private complete(out: PortalOutput, tag: string): 'complete' {
    this.finished = true;
    this.close();
    serialize.commandComplete(out.w, tag);
    return 'complete';
  }

  /** Stops the handler's stream (a closed, cancelled or abandoned portal). */
  close(): void {
    const it = this.iterator;
    this.iterator = null;
    this.known = null;
    this.finished = true;
    it?.return?.().catch(() => undefined);
  }
}

function isEventList(events: AsyncIterable<ExecuteEvent> | readonly ExecuteEvent[]): events is readonly ExecuteEvent[] {
  return Array.isArray(events);
}
