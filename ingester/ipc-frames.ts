/**
 * A framing check of an Arrow IPC stream before decoding it, so a truncated or garbage body
 * is rejected with the byte offset at fault (the decoder itself says only "failed").
 * Stream = messages of [0xFFFFFFFF][int32 metadata length][flatbuffer Message][body], ended by
 * [0xFFFFFFFF][0] or the end of the body. Old streams omit the 0xFFFFFFFF marker.
 */
import { IngestError } from './errors.ts';

const CONTINUATION = 0xffffffff;
/** Message.header_type values (Arrow format Message.fbs). */
const HEADER = { Schema: 1, DictionaryBatch: 2, RecordBatch: 3 } as const;
/** Field slots in the Message table's vtable: version, header_type, header, bodyLength. */
const FIELD_HEADER_TYPE = 1;
const FIELD_BODY_LENGTH = 3;

export interface FrameSummary { messages: number; recordBatches: number }

function fail(offset: number, detail: string): never {
  throw new IngestError('BAD_ARROW', `${detail} at byte ${offset}`, { offset });
}

/** Reads one field's position in a flatbuffer table, or 0 when absent. */
function fieldPos(view: DataView, table: number, field: number, end: number): number {
  const vtable = table - view.getInt32(table, true);
  if (vtable < 0 || vtable + 4 > end) return -1;
  const vtSize = view.getUint16(vtable, true);
  const slot = 4 + 2 * field;
  if (slot + 2 > vtSize) return 0;
  const off = view.getUint16(vtable + slot, true);
  return off === 0 ? 0 : table + off;
}

export function checkFrames(body: Uint8Array): FrameSummary {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  let pos = 0;
  let messages = 0;
  let recordBatches = 0;
  while (pos < body.length) {
    const start = pos;
    if (pos + 4 > body.length) fail(start, 'truncated message length');
    let len = view.getUint32(pos, true);
    pos += 4;
    if (len === CONTINUATION) {
      if (pos + 4 > body.length) fail(start, 'truncated message length');
      len = view.getUint32(pos, true);
      pos += 4;
    }
    if (len === 0) return summary(messages, recordBatches, start);
    if (len > body.length - pos) fail(start, `message metadata of ${len} bytes runs past the end of the body (${body.length} bytes)`);
    const meta = pos;
    const metaEnd = pos + len;
    if (len < 8) fail(start, 'message metadata too short');
    const table = meta + view.getUint32(meta, true);
    if (table + 4 > metaEnd) fail(start, 'message metadata is not an Arrow Message');
    const typePos = fieldPos(view, table, FIELD_HEADER_TYPE, metaEnd);
    const bodyPos = fieldPos(view, table, FIELD_BODY_LENGTH, metaEnd);
    if (typePos < 0 || bodyPos < 0 || typePos + 1 > metaEnd || bodyPos + 8 > metaEnd) fail(start, 'message metadata is not an Arrow Message');
    const headerType = typePos === 0 ? 0 : view.getUint8(typePos);
    const bodyLength = bodyPos === 0 ? 0n : view.getBigInt64(bodyPos, true);
    if (messages === 0 && headerType !== HEADER.Schema) fail(start, 'stream does not start with a schema message');
    if (headerType !== HEADER.Schema && headerType !== HEADER.DictionaryBatch && headerType !== HEADER.RecordBatch) {
      fail(start, `unknown message type ${headerType}`);
    }
    if (bodyLength < 0n || bodyLength > BigInt(body.length - metaEnd)) {
      fail(start, `message body of ${bodyLength} bytes runs past the end of the body (${body.length} bytes)`);
    }
    pos = metaEnd + Number(bodyLength);
    messages++;
    if (headerType === HEADER.RecordBatch) recordBatches++;
  }
  return summary(messages, recordBatches, pos);
}

function summary(messages: number, recordBatches: number, at: number): FrameSummary {
  if (messages === 0) fail(at, 'stream has no schema message');
  return { messages, recordBatches };
}
