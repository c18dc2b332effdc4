/**
 * Units behind the session: SCRAM against RFC 7677's published exchange, statement splitting,
 * and the session commands the server answers itself.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScramExchange, scramSecret } from './scram.ts';
import { parseSessionCommand, runSessionCommand, sessionCommandFor } from './session-commands.ts';
import { applyStartupParameters, Session } from './session.ts';
import { codePointOffset, splitStatements } from './sql-split.ts';

describe('SCRAM-SHA-256 (RFC 7677 section 3 example)', () => {
  const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
  const clientFirst = 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO';
  const serverNonce = '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
  const serverFirst = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';
  const clientFinal = 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=';

  it('produces the RFC server messages for the right password', () => {
    const x = new ScramExchange(scramSecret('pencil', salt, 4096), serverNonce);
    assert.equal(x.firstMessage(clientFirst), serverFirst);
    assert.equal(x.finalMessage(clientFinal), 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
  });

  it('rejects a wrong password, a tampered nonce and channel binding it did not offer', () => {
    const wrong = new ScramExchange(scramSecret('pencils', salt, 4096), serverNonce);
    wrong.firstMessage(clientFirst);
    assert.equal(wrong.finalMessage(clientFinal), null);
    const tampered = new ScramExchange(scramSecret('pencil', salt, 4096), serverNonce);
    tampered.firstMessage(clientFirst);
    assert.throws(() => tampered.finalMessage(clientFinal.replace('rOpr', 'xOpr')), /nonce/);
    assert.throws(() => new ScramExchange(scramSecret('pencil', salt, 4096)).firstMessage('p=tls-server-end-point,,n=,r=abc'), /channel binding/);
  });
});

describe('statement splitting', () => {
  it('splits at top-level semicolons only', () => {
    const text = "SELECT 'a;b', \"c;d\", E'\\';', $$x;y$$, $t$;$t$ /* ; /* ; */ */ -- ;\n; SELECT 2;;";
    const parts = splitStatements(text);
    assert.equal(parts.length, 2);
    assert.equal(parts[1]!.sql, ' SELECT 2');
    assert.equal(parts[1]!.offset, text.indexOf(' SELECT 2'));
    assert.deepEqual(splitStatements('  -- only a comment\n'), [{ sql: '  -- only a comment\n', offset: 0, empty: true }]);
    assert.equal(splitStatements('').length, 1);
  });

  it('counts positions in characters, not UTF-16 units', () => {
    assert.equal(codePointOffset('😀é;x', 4), 3);
  });
});

describe('session commands', () => {
  const session = () => new Session(1, '127.0.0.1:1', '15.0 (MetaFlow)');

  it('recognises the statements clients send around queries', () => {
    const kinds = (sql: string) => parseSessionCommand(sql)?.kind ?? null;
    assert.equal(kinds('begin'), 'begin');
    assert.equal(kinds('START TRANSACTION READ ONLY'), 'begin');
    assert.equal(kinds('COMMIT WORK'), 'commit');
    assert.equal(kinds('end'), 'commit');
    assert.equal(kinds('ABORT'), 'rollback');
    assert.equal(kinds('ROLLBACK TO SAVEPOINT s1'), 'rollbackToSavepoint');
    assert.equal(kinds('SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED'), 'setTransaction');
    assert.equal(kinds('DEALLOCATE PREPARE s1'), 'deallocate');
    assert.equal(kinds('SELECT 1'), null);
    assert.equal(kinds('SHOW TAGS FROM l7_flow_log'), null);
    assert.deepEqual(parseSessionCommand("SET search_path TO flow_log, 'x y'"), { kind: 'set', name: 'search_path', value: 'flow_log, x y' });
    assert.deepEqual(parseSessionCommand('set extra_float_digits = 3'), { kind: 'set', name: 'extra_float_digits', value: '3' });
    assert.deepEqual(parseSessionCommand('SET LOCAL statement_timeout TO DEFAULT'), { kind: 'set', name: 'statement_timeout', value: null });
  });

  it('leaves SHOW of names that are not settings to the handler', () => {
    const s = session();
    assert.equal(sessionCommandFor('SHOW TABLES', s), null);
    assert.equal(sessionCommandFor('SHOW DATABASES', s), null);
    assert.equal(sessionCommandFor('show TimeZone', s)?.kind, 'show');
    assert.deepEqual(runSessionCommand(sessionCommandFor('SHOW TIME ZONE', s)!, s).rows, [['UTC']]);
  });

  it('tracks settings, reports changed ones and resets to startup values', () => {
    const s = session();
    applyStartupParameters(s, { user: 'u', application_name: 'psql', options: '-c search_path=flow_log --statement-timeout=5s' });
    assert.equal(s.setting('search_path'), 'flow_log');
    assert.equal(s.setting('statement_timeout'), '5s');
    const set = runSessionCommand(parseSessionCommand("SET application_name = 'grafana'")!, s);
    assert.deepEqual(set.changed, ['application_name']);
    assert.equal(s.setting('APPLICATION_NAME'), 'grafana');
    runSessionCommand(parseSessionCommand('RESET application_name')!, s);
    assert.equal(s.setting('application_name'), 'psql');
    runSessionCommand(parseSessionCommand("SET DateStyle TO 'German'")!, s);
    assert.ok(runSessionCommand(parseSessionCommand('RESET ALL')!, s).changed.includes('DateStyle'));
    assert.equal(s.setting('datestyle'), 'ISO, MDY');
  });

  it('moves the transaction state like PostgreSQL, with warnings where it does', () => {
    const s = session();
    const run = (sql: string) => runSessionCommand(parseSessionCommand(sql)!, s);
    assert.equal(run('COMMIT').notices[0]?.sqlstate, '25P01');
    run('BEGIN');
    assert.equal(s.transactionState, 'in-transaction');
    assert.equal(run('BEGIN').notices[0]?.sqlstate, '25001');
    s.transactionState = 'failed';
    assert.equal(run('ROLLBACK TO SAVEPOINT a').tag, 'ROLLBACK');
    assert.equal(s.transactionState, 'in-transaction');
    s.transactionState = 'failed';
    assert.equal(run('COMMIT').tag, 'ROLLBACK');
    assert.equal(s.transactionState, 'idle');
    assert.throws(() => run('SAVEPOINT a'), { sqlstate: '25P01' });
  });
});
