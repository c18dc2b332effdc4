/**
 * The PostgreSQL JDBC driver (Debian libpostgresql-jdbc-java) against the wire server:
 * Statement, PreparedStatement across the server-prepare threshold, forced binary transfer,
 * fetch-size paging over a suspended portal, errors with position and hint, cancel.
 * `testing/JdbcCheck.java` is compiled with javac into a temp dir at test time.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { JDBC_JAR, probe, requireTool, runTool } from './testing/client-tools.ts';
import { startFixtureServer, type FixtureServer } from './testing/fixture-server.ts';

const source = fileURLToPath(new URL('./testing/JdbcCheck.java', import.meta.url));
const hasJava = probe('javac', ['-version']) && probe('java', ['-version']);
const hasJar = existsSync(JDBC_JAR);

let fx: FixtureServer;
let classes: string;
before(async () => {
  fx = await startFixtureServer();
  classes = mkdtempSync(join(tmpdir(), 'metaflow-jdbc-'));
});
after(async () => {
  await fx.close();
  rmSync(classes, { recursive: true, force: true });
});

describe('JDBC', () => {
  it('serves Statement, PreparedStatement, binary transfer, paging and cancel', async (t) => {
    if (!requireTool(t, hasJava, 'OpenJDK (java, javac)', 'openjdk-17-jdk-headless')) return;
    if (!requireTool(t, hasJar, `the JDBC driver ${JDBC_JAR}`, 'libpostgresql-jdbc-java')) return;
    const compiled = await runTool('javac', ['-d', classes, '-cp', JDBC_JAR, source], { timeoutMs: 120_000 });
    assert.equal(compiled.code, 0, compiled.stderr);
    const run = await runTool('java', ['-cp', `${JDBC_JAR}:${classes}`, 'JdbcCheck', String(fx.port)], { timeoutMs: 120_000 });
    assert.equal(run.code, 0, run.stderr);
    const out = Object.fromEntries(run.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    assert.equal(out.product, '15.0 (MetaFlow)');
    assert.deepEqual(
      Object.entries(out).filter(([k]) => k.startsWith('text.')).map(([k, v]) => `${k.slice(5)}=${v}`),
      [
        'b=t', 'i2=-32768', 'i4=2147483647', 'i8=9007199254740993', 'f4=1.5', 'f8=0.1', 'num=12345678901234567890.000123', 't=héllo',
        'vc=varchar', 'ts=2023-11-14 22:13:20.123456+00', 'tsn=2023-11-14 22:13:20.123456', 'd=2024-02-29',
        'iv=1 year 2 mons 3 days 04:05:06.5', 'j={"a":[1,2],"b":"x"}', 'jb={"k":true}', 'ba=\\x0001feff',
        'u=a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'o=4294967295', 'ta={a,"b c",NULL,"NULL",""}', 'ia={1,NULL,-3}', 'null=null,true',
      ],
    );
    assert.equal(out.prepared, '1:frontend:12.5 2:cart:0.1 3:ledger, "main":0.0 1:frontend:12.5 2:cart:0.1 3:ledger, "main":0.0 1:frontend:12.5');
    assert.equal(out.error, '42703;8;Perhaps you meant to reference the column "services.name".');
    assert.equal(out.fetched, '250:250');
    assert.equal(out.cancel, '57014');
    assert.equal(out.app, 'jdbc-check');
    assert.equal(out.binary, '9007199254740993;2024-01-02T03:04:05.678901Z;héllo;-12.3400;0.1;true;2024-02-29;null');
    assert.equal(out['binary.typed'], 'UUID:a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11;9007199254740993;2023-11-14T22:13:20.123456Z;12345678901234567890.000123');
  });
});
