/**
 * Message codecs against bytes written out by hand from the PostgreSQL manual's "Message
 * Formats" (the raw test client builds frontend bytes; backend bytes are spelled in hex here).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SqlError } from '../../lib/errors.ts';
import { serialize } from './backend-messages.ts';
import { ByteWriter } from './bytes.ts';
import { FrameReader } from './frame-reader.ts';
import { parseFrontendMessage, parseSaslInitialResponse, parseStartupPhaseMessage } from './frontend-messages.ts';
import { fe } from './testing/raw-client.ts';

const hex = (build: (w: ByteWriter) => void) => {
  const w = new ByteWriter(4);
  build(w);
  return w.take().toString('hex');
};
const ascii = (s: string) => Buffer.from(s, 'latin1').toString('hex');

function parseOne(bytes: Buffer) {
  const reader = new FrameReader(1 << 20);
  reader.push(fe.startup({ user: 'x' }));
  const { frames, error } = reader.push(bytes);
  assert.equal(error, null);
  assert.equal(frames.length, 1);
  return parseFrontendMessage(frames[0]!);
}

describe('frontend message parsing', () => {
  it('parses startup, SSLRequest and CancelRequest', () => {
    const startup = fe.startup({ user: 'bob', database: 'flow_log', options: '-c x=1' });
    assert.deepEqual(parseStartupPhaseMessage(startup.subarray(4)), {
      kind: 'startup', protocolVersion: 196608, parameters: { user: 'bob', database: 'flow_log', options: '-c x=1' },
    });
    assert.deepEqual(parseStartupPhaseMessage(fe.sslRequest().subarray(4)), { kind: 'sslRequest' });
    assert.deepEqual(parseStartupPhaseMessage(fe.cancel(1234, -5).subarray(4)), { kind: 'cancelRequest', processId: 1234, secretKey: -5 });
  });

  it('parses Query, Parse, Bind, Describe, Execute, Close, Sync, Flush, Terminate', () => {
    assert.deepEqual(parseOne(fe.query('SELECT 1')), { kind: 'query', sql: 'SELECT 1' });
    assert.deepEqual(parseOne(fe.parse('s', 'SELECT $1', [23])), { kind: 'parse', name: 's', sql: 'SELECT $1', paramTypeOids: [23] });
    assert.deepEqual(parseOne(fe.bind('p', 's', ['1', null, Buffer.of(0, 0, 0, 2)], [0, 0, 1], [1])), {
      kind: 'bind', portal: 'p', statement: 's', paramFormats: [0, 0, 1],
      params: [Buffer.from('1'), null, Buffer.of(0, 0, 0, 2)], resultFormats: [1],
    });
    const oneFormatForAll = parseOne(fe.bind('', '', ['a', 'b'], [1]));
    assert.deepEqual(oneFormatForAll.kind === 'bind' ? oneFormatForAll.paramFormats : null, [1, 1]);
    assert.deepEqual(parseOne(fe.describe('S', 'st')), { kind: 'describe', target: 'statement', name: 'st' });
    assert.deepEqual(parseOne(fe.describe('P', '')), { kind: 'describe', target: 'portal', name: '' });
    assert.deepEqual(parseOne(fe.execute('p', 10)), { kind: 'execute', portal: 'p', maxRows: 10 });
    assert.deepEqual(parseOne(fe.close('S', 'st')), { kind: 'close', target: 'statement', name: 'st' });
    assert.deepEqual(parseOne(fe.sync()), { kind: 'sync' });
    assert.deepEqual(parseOne(fe.flush()), { kind: 'flush' });
    assert.deepEqual(parseOne(fe.terminate()), { kind: 'terminate' });
    const pw = parseOne(fe.password('pw'));
    assert.equal(pw.kind, 'password');
  });

  it('parses SASLInitialResponse', () => {
    const body = Buffer.concat([Buffer.from('SCRAM-SHA-256\0'), Buffer.of(0, 0, 0, 3), Buffer.from('n,,')]);
    assert.deepEqual(parseSaslInitialResponse(body), { mechanism: 'SCRAM-SHA-256', data: Buffer.from('n,,') });
  });

  it('rejects trailing bytes, unknown codes, bad format codes and format count mismatches', () => {
    assert.throws(() => parseOne(Buffer.concat([Buffer.from('S'), Buffer.of(0, 0, 0, 5, 0)])), { sqlstate: '08P01', severity: 'FATAL' });
    assert.throws(() => parseOne(Buffer.concat([Buffer.from('!'), Buffer.of(0, 0, 0, 4)])), { message: 'invalid frontend message type "!"' });
    assert.throws(() => parseOne(fe.bind('', '', ['a'], [2])), { message: 'invalid format code 2' });
    assert.throws(() => parseOne(fe.bind('', '', ['a', 'b', 'c'], [0, 1])), (e: SqlError) => e.sqlstate === '08P01' && e.severity === 'ERROR');
    assert.throws(() => parseOne(Buffer.concat([Buffer.from('Q'), Buffer.of(0, 0, 0, 6), Buffer.from('ab')])), { message: /unterminated string/ });
  });
});

describe('frame reader', () => {
  it('reassembles messages split anywhere and pipelined in one chunk', () => {
    const stream = Buffer.concat([fe.sslRequest(), fe.startup({ user: 'x' }), fe.query('SELECT 1'), fe.parse('', 'SELECT 2'), fe.sync()]);
    for (const step of [1, 2, 3, 7, stream.length]) {
      const reader = new FrameReader(1 << 20);
      const frames = [];
      for (let i = 0; i < stream.length; i += step) frames.push(...reader.push(stream.subarray(i, i + step)).frames);
      assert.deepEqual(frames.map((f) => (f.code === null ? 'untyped' : String.fromCharCode(f.code))), ['untyped', 'untyped', 'Q', 'P', 'S'], `step ${step}`);
      assert.equal(reader.buffered, 0);
    }
  });

  it('returns the good messages before a bad length together with the error', () => {
    const reader = new FrameReader(100);
    reader.push(fe.startup({ user: 'x' }));
    const { frames, error } = reader.push(Buffer.concat([fe.sync(), Buffer.from('Q'), Buffer.of(0, 0, 1, 0)]));
    assert.equal(frames.length, 1);
    assert.match(error!.message, /invalid message length 256/);
  });
});

describe('backend message serialising', () => {
  it('writes authentication, status and key messages', () => {
    assert.equal(hex((w) => serialize.authenticationOk(w)), '520000000800000000');
    assert.equal(hex((w) => serialize.authenticationCleartextPassword(w)), '520000000800000003');
    assert.equal(hex((w) => serialize.authenticationSasl(w, ['SCRAM-SHA-256'])), `5200000017 0000000a ${ascii('SCRAM-SHA-256')}00 00`.replace(/ /g, ''));
    assert.equal(hex((w) => serialize.authenticationSaslContinue(w, 'r=a')), `520000000b0000000b${ascii('r=a')}`);
    assert.equal(hex((w) => serialize.authenticationSaslFinal(w, 'v=b')), `520000000b0000000c${ascii('v=b')}`);
    assert.equal(hex((w) => serialize.parameterStatus(w, 'TimeZone', 'UTC')), `5300000011${ascii('TimeZone')}00${ascii('UTC')}00`);
    assert.equal(hex((w) => serialize.backendKeyData(w, 1, 2)), '4b0000000c0000000100000002');
    assert.equal(hex((w) => serialize.readyForQuery(w, 0x49)), '5a0000000549');
    assert.equal(hex((w) => serialize.readyForQuery(w, 0x54)), '5a0000000554');
    assert.equal(hex((w) => serialize.readyForQuery(w, 0x45)), '5a0000000545');
  });

  it('writes RowDescription, DataRow, CommandComplete and the bodiless messages', () => {
    const field = { name: 'a', tableOid: 0, columnAttr: 0, typeOid: 23, typeSize: 4, typeMod: -1, format: 1 as const };
    assert.equal(hex((w) => serialize.rowDescription(w, [field])), `540000001a0001${ascii('a')}00 00000000 0000 00000017 0004 ffffffff 0001`.replace(/ /g, ''));
    assert.equal(hex((w) => serialize.dataRow(w, ['é', null, Buffer.of(7)])), '44000000150003 00000002c3a9 ffffffff 0000000107'.replace(/ /g, ''));
    assert.equal(hex((w) => serialize.commandComplete(w, 'SELECT 3')), `430000000d${ascii('SELECT 3')}00`);
    assert.equal(hex((w) => serialize.parameterDescription(w, [23, 25])), '740000000e00020000001700000019');
    const bodiless: [keyof typeof serialize, string][] = [
      ['emptyQueryResponse', '49'], ['parseComplete', '31'], ['bindComplete', '32'], ['closeComplete', '33'], ['noData', '6e'], ['portalSuspended', '73'],
    ];
    for (const [name, code] of bodiless) assert.equal(hex((w) => (serialize[name] as (w: ByteWriter) => void)(w)), `${code}00000004`, name);
  });

  it('writes ErrorResponse and NoticeResponse with every field', () => {
    const e = new SqlError('42703', 'column "x" does not exist', {
      position: 8, hint: 'h', detail: 'd', where: 'w', internalPosition: 2, internalQuery: 'q', schema: 's', table: 't', column: 'c', dataType: 'dt', constraint: 'n',
    });
    const body = ['SERROR', 'VERROR', 'C42703', 'Mcolumn "x" does not exist', 'Dd', 'Hh', 'P8', 'p2', 'qq', 'Ww', 'ss', 'tt', 'cc', 'ddt', 'nn'].map((f) => `${ascii(f)}00`).join('') + '00';
    const len = (body.length / 2 + 4).toString(16).padStart(8, '0');
    assert.equal(hex((w) => serialize.errorResponse(w, e)), `45${len}${body}`);
    const notice = hex((w) => serialize.noticeResponse(w, { sqlstate: '01000', message: 'm', severity: 'WARNING' }));
    const nbody = ['SWARNING', 'VWARNING', 'C01000', 'Mm'].map((f) => `${ascii(f)}00`).join('') + '00';
    assert.equal(notice, `4e${(nbody.length / 2 + 4).toString(16).padStart(8, '0')}${nbody}`);
  });
});
