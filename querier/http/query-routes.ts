/**
 * The HTTP SQL API, as a fastify plugin the server wiring calls:
 * - `POST /v1/query` JSON `{"sql": "...", "db"?: "flow_log"}` →
 *   `{columns, types, rows, notices}`; errors 400 `{error: {sqlstate, message, position, hint}}`;
 * - `POST /v1/query/` DeepFlow's form (`db`, `sql`, form- or JSON-encoded) →
 *   `{OPT_STATUS, DESCRIPTION, result: {columns, values}}`, so DeepFlow's tools work unchanged.
 * Timestamps go out as ISO 8601 text, int64 beyond 2^53 as text. The JSON answer streams in
 * chunks of rows.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import formbody from '@fastify/formbody';
import { Readable } from 'node:stream';
import type { Value } from '../../storage-adapters/fragment.ts';
import { QueryError } from '../errors.ts';
import type { QueryEngine, QueryResult } from '../engine.ts';
import { DEFAULT_SEARCH_PATH } from '../engine.ts';
import { formatIso, formatInterval } from '../sql/time.ts';
import { sqlTypeName } from '../meta/show.ts';

export interface QueryRouteDeps { engine: QueryEngine }

function jsonValue(v: Value, type: string): unknown {
  if (v === null) return null;
  if (type === 'timestamp') return formatIso(Number(v));
  if (type === 'interval') return formatInterval(Number(v));
  if (typeof v === 'bigint') return v.toString();
  return v;
}

/** The JSON answer in chunks of rows, so a large result is never one giant string. */
export function* jsonChunks(r: QueryResult, rowsPerChunk = 1000): Generator<string> {
  yield `{"columns":${JSON.stringify(r.columns.map((c) => c.name))},"types":${JSON.stringify(r.columns.map((c) => sqlTypeName(c.type)))},"rows":[`;
  for (let i = 0; i < r.rows.length; i += rowsPerChunk) {
    const part = r.rows.slice(i, i + rowsPerChunk).map((row) => JSON.stringify(row.map((v, j) => jsonValue(v, r.columns[j]!.type))));
    yield (i ? ',' : '') + part.join(',');
  }
  yield `],"notices":${JSON.stringify(r.notices)}}`;
}

function rowsOf(r: QueryResult): unknown[][] {
  return r.rows.map((row) => row.map((v, i) => jsonValue(v, r.columns[i]!.type)));
}

function searchPath(db: unknown): string[] {
  return typeof db === 'string' && db ? [db, ...DEFAULT_SEARCH_PATH.filter((d) => d !== db)] : DEFAULT_SEARCH_PATH;
}

function errorBody(e: unknown): { sqlstate: string; message: string; position?: number; hint?: string } {
  if (e instanceof QueryError) return { sqlstate: e.sqlstate, message: e.message, position: e.position, hint: e.hint };
  return { sqlstate: 'XX000', message: e instanceof Error ? e.message : String(e) };
}

async function runLast(deps: QueryRouteDeps, sql: unknown, db: unknown): Promise<QueryResult> {
  if (typeof sql !== 'string' || !sql.trim()) throw new QueryError('42601', 'request needs a "sql" string');
  const results = await deps.engine.query(sql, { searchPath: searchPath(db) });
  return results[results.length - 1]!;
}

export async function registerQueryRoutes(app: FastifyInstance, deps: QueryRouteDeps): Promise<void> {
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) await app.register(formbody);

  app.post('/v1/query', async (req, reply: FastifyReply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    try {
      const r = await runLast(deps, body.sql, body.db);
      return reply.type('application/json').send(Readable.from(jsonChunks(r)));
    } catch (e) {
      const err = errorBody(e);
      return reply.code(err.sqlstate === 'XX000' ? 500 : 400).send({ error: err });
    }
  });

  app.post('/v1/query/', async (req, reply: FastifyReply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    try {
      const r = await runLast(deps, body.sql, body.db);
      return { OPT_STATUS: 'SUCCESS', DESCRIPTION: r.notices.map((n) => n.message).join('; '), result: { columns: r.columns.map((c) => c.name), values: rowsOf(r) } };
    } catch (e) {
      const err = errorBody(e);
      return reply.code(err.sqlstate === 'XX000' ? 500 : 400).send({
        OPT_STATUS: 'FAILED', DESCRIPTION: err.message + (err.position ? ` (position ${err.position})` : '') + (err.hint ? `; ${err.hint}` : ''), result: null, error: err,
      });
    }
  });
}
