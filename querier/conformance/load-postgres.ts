/** Loads the conformance rows into a real PostgreSQL as plain rows: names, not IDs. */
import pg from 'pg';
import type { L7Row, PodRecord } from './dataset.ts';
import { parseTimestamp } from '../sql/time.ts';
import type { Cell } from './compare.ts';

export async function loadIntoPostgres(client: pg.Client, rows: L7Row[], pods: PodRecord[]): Promise<void> {
  await client.query('CREATE SCHEMA flow_log');
  await client.query(`CREATE TABLE flow_log.l7_flow_log (time timestamptz NOT NULL, pod_0 text, pod_ns_0 text, pod_1 text, pod_ns_1 text,
    "k8s.label.app_0" text, "k8s.label.app_1" text, l7_protocol text, request_type text, endpoint text, response_code integer,
    response_status text, response_duration bigint, request_length bigint, server_port integer)`);
  const app = new Map(pods.map((p) => [p.name, p.app]));
  for (let i = 0; i < rows.length; i += 100) {
    const chunk = rows.slice(i, i + 100);
    const values: unknown[] = [];
    const tuples = chunk.map((r, k) => {
      const vs = [new Date(r.time / 1000).toISOString(), r.pod_0, r.pod_ns_0, r.pod_1, r.pod_ns_1, r.pod_0 ? app.get(r.pod_0) ?? null : null,
        r.pod_1 ? app.get(r.pod_1) ?? null : null, r.l7_protocol, r.request_type, r.endpoint, r.response_code, r.response_status,
        r.response_duration, r.request_length, r.server_port];
      values.push(...vs);
      return `(${vs.map((_, j) => `$${k * vs.length + j + 1}`).join(', ')})`;
    });
    await client.query(`INSERT INTO flow_log.l7_flow_log VALUES ${tuples.join(', ')}`, values);
  }
  await client.query('SET search_path = flow_log, public');
  await client.query("SET TIME ZONE 'UTC'");
}

/** Reads PostgreSQL results in MetaFlow's value forms: timestamps as µs, int8/numeric as numbers. */
export function postgresRunner(client: pg.Client): (sql: string) => Promise<Cell[][]> {
  const types = {
    getTypeParser: (oid: number, format?: string) => {
      if (oid === 1184 || oid === 1114) return (v: string) => parseTimestamp(v);
      if (oid === 20 || oid === 1700) return (v: string) => Number(v);
      return pg.types.getTypeParser(oid, format as 'text');
    },
  };
  return async (sql) => (await client.query({ text: sql, rowMode: 'array', types } as pg.QueryConfig)).rows as Cell[][];
}
