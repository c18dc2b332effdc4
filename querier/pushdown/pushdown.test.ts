/** What reaches the store: the split of bound plans under the DuckDB capability flags. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStatements } from '../sql/parse.ts';
import { bindQuery } from '../sql/bind-select.ts';
import { mapPlanExprs, type Plan } from '../sql/plan.ts';
import { foldConstants } from '../sql/fold.ts';
import { splitPlan } from './split.ts';
import { hoistDecode } from './hoist-decode.ts';
import { translateTags, inlineCustomTags } from '../tags/translate.ts';
import { DUCKDB_CAPABILITIES } from '../../storage-adapters/duckdb/duckdb-adapter.ts';
import { NO_CAPABILITIES } from '../../storage-adapters/adapter.ts';
import { compileFragment } from '../../storage-adapters/duckdb/duckdb-compiler.ts';

const POD_NAMES = new Map([
  ['r:pod', new Map([[1, 'web-0'], [2, 'web-1'], [3, 'db-0']])],
  ['c:pod:k8s.label.app', new Map([[1, 'web'], [2, 'web'], [3, 'postgres']])],
]);

function plan(sql: string, caps = DUCKDB_CAPABILITIES): Plan {
  const bound = bindQuery(parseStatements(sql)[0], { sql, now: () => 0, searchPath: ['flow_log'], params: [] });
  return splitPlan(hoistDecode(inlineCustomTags(translateTags(mapPlanExprs(bound.plan, foldConstants), POD_NAMES), POD_NAMES)), caps);
}
function remoteSql(p: Plan): string[] {
  if (p.kind === 'remote') return [compileFragment(p.fragment)];
  const kids = 'input' in p ? [p.input] : p.kind === 'union' ? p.inputs : p.kind === 'join' ? [p.left, p.right] : [];
  return kids.flatMap(remoteSql);
}

test('tag predicates become ID sets in the store; grouping by a tag groups by its ID', () => {
  const p = plan("SELECT pod_1, count(*) FROM l7_flow_log WHERE pod_1 LIKE 'web%' GROUP BY pod_1");
  const [sql] = remoteSql(p);
  assert.match(sql!, /"pod_id_1" IN \(1, 2\)/);
  assert.match(sql!, /GROUP BY "pod_id_1"/);
  assert.equal(p.kind, 'project', 'names are decoded in the querier');
});

test('ORDER BY/LIMIT on other columns go down below the decoding of a tag', () => {
  const p = plan('SELECT time, pod_1 FROM l7_flow_log ORDER BY time DESC LIMIT 5');
  const [sql] = remoteSql(p);
  assert.match(sql!, /ORDER BY "_c0" DESC NULLS FIRST LIMIT 5$/);
  assert.equal(p.kind, 'project');
});

test('a sort on the decoded name stays in the querier; the filter still goes down', () => {
  const p = plan("SELECT pod_1 FROM l7_flow_log WHERE server_port = 80 ORDER BY pod_1 LIMIT 3");
  assert.equal(p.kind, 'limit');
  const [sql] = remoteSql(p);
  assert.match(sql!, /WHERE \("server_port" = 80\)$/);
});

test('a predicate the store cannot run is split by conjunct', () => {
  const p = plan("SELECT count(*) FROM l7_flow_log WHERE server_port = 443 AND upper(pod_1) = 'WEB-0'");
  const [sql] = remoteSql(p);
  assert.match(sql!, /WHERE \("server_port" = 443\)$/);
});

test('without capabilities only the scan reaches the store', () => {
  const p = plan('SELECT pod_1, count(*) FROM l7_flow_log GROUP BY 1 ORDER BY 2 DESC LIMIT 3', NO_CAPABILITIES);
  const [sql] = remoteSql(p);
  assert.equal(sql, 'SELECT "pod_id_1" FROM "flow_log"."l7_flow_log"');
});

test('a renaming SELECT list is not mistaken for decoding: ORDER BY stays above it', () => {
  const p = plan("SELECT date_trunc('minute', time) AS m, count(*) FROM l7_flow_log GROUP BY 1 ORDER BY 1 LIMIT 2");
  const [sql] = remoteSql(p);
  assert.equal(p.kind, 'remote');
  assert.match(sql!, /^SELECT "_g0" AS "_c0", "_a0" AS "_c1" FROM \(SELECT date_trunc.* ORDER BY "_c0" ASC NULLS LAST LIMIT 2$/);
});

test('arithmetic, CASE and COALESCE go to a store that declares expressions', () => {
  const p = plan("SELECT response_duration / 1000 AS ms, CASE WHEN response_code >= 500 THEN 'bad' ELSE 'ok' END AS s, coalesce(endpoint, '-') AS e FROM l7_flow_log ORDER BY 1 DESC LIMIT 3");
  assert.equal(p.kind, 'remote');
  const [sql] = remoteSql(p);
  assert.match(sql!, /\(CAST\("response_duration" AS BIGINT\) \/\/ 1000\) AS "_c0"/);
  assert.match(sql!, /\(CASE WHEN \("response_code" >= 500\) THEN 'bad' ELSE 'ok' END\) AS "_c1"/);
  assert.match(sql!, /coalesce\("endpoint", '-'\) AS "_c2"/);
});

test('a custom tag groups in the store through its inlined dictionary', () => {
  const p = plan('SELECT "k8s.label.app_1" AS app, count(*) FROM l7_flow_log GROUP BY 1');
  assert.equal(p.kind, 'remote');
  const [sql] = remoteSql(p);
  assert.match(sql!, /GROUP BY \(CASE WHEN \("pod_id_1" IN \(3\)\) THEN 'postgres' WHEN \("pod_id_1" IN \(1, 2\)\) THEN 'web' END\)/);
});

test('tag conditions inside CASE WHEN and aggregate FILTERs become ID sets; under NOT they stay per row', () => {
  const p = plan("SELECT sum(CASE WHEN pod_1 LIKE 'web%' THEN 1 ELSE 0 END), count(*) FILTER (WHERE pod_1 = 'db-0') FROM l7_flow_log");
  assert.equal(p.kind, 'remote', 'the whole aggregate runs in the store');
  const [sql] = remoteSql(p);
  assert.match(sql!, /CASE WHEN \("pod_id_1" IN \(1, 2\)\) THEN 1 ELSE 0 END/);
  assert.match(sql!, /FILTER \(WHERE \("pod_id_1" IN \(3\)\)\)/);
  const negated = plan("SELECT sum(CASE WHEN NOT (pod_1 = 'db-0') THEN 1 ELSE 0 END) FROM l7_flow_log");
  assert.notEqual(negated.kind, 'remote', 'NOT over an unknown name is not the same as NOT IN the ID set');
});
