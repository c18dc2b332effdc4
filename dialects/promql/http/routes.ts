/**
 * The Prometheus HTTP API (`/api/v1/…`, also under `/prom`), enough for Grafana's Prometheus
 * data source: query, query_range, series, labels, label values, metadata, buildinfo. GET and
 * POST form bodies, Prometheus's JSON shapes, error types and status codes, warnings.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';
import { parse, PromQLParseError } from '../parser/index.ts';
import { instantQuery, rangeQuery } from '../engine/engine.ts';
import { PromQLEvalError } from '../engine/errors.ts';
import type { LabelMatcher, SeriesStore } from '../storage.ts';
import { resultJsonText } from './format.ts';
import { BadData, many, one, parseDuration, parseTime, type Params } from './params.ts';

/** Milliseconds, both ends inclusive. */
export interface TimeRange { startMs: number; endMs: number }

/** What the metadata endpoints need beyond SeriesStore: label sets without samples. */
export interface SeriesCatalog {
  /** Label sets of the series matching any of the selectors (each an AND of matchers). */
  seriesLabels(selectors: LabelMatcher[][], range?: TimeRange): Promise<Array<Record<string, string>>>;
}

export interface PromApiDeps {
  store: SeriesStore & SeriesCatalog;
  /** Per-query time limit in ms. */
  timeoutMs: number;
  version: string;
}

/** Prometheus refuses range queries of more points than this per series. */
const MAX_POINTS = 11_000;

const STATUS: Record<string, number> = { bad_data: 400, execution: 422, timeout: 503, canceled: 499, internal: 500 };

class Timeout extends Error { readonly errorType = 'timeout'; }

/** Evaluation errors Prometheus reports as the client's fault (400) rather than execution (422). */
const BAD_DATA_CODES = new Set(['INVALID_EXPRESSION_TYPE']);

function fail(reply: FastifyReply, errorType: string, error: string) {
  return reply.code(STATUS[errorType] ?? 500).send({ status: 'error', errorType, error });
}

function params(req: FastifyRequest): Params {
  return { ...(req.query as Params), ...((req.body && typeof req.body === 'object' ? req.body : {}) as Params), ...(req.params as Params) };
}

function parseQuery(text: string | undefined) {
  if (text === undefined || text === '') throw new BadData('invalid parameter "query": unknown position: parse error: no expression found in input');
  try {
    return parse(text);
  } catch (e) {
    if (e instanceof PromQLParseError) throw new BadData(`invalid parameter "query": ${e.message}`);
    throw e;
  }
}

function selectors(p: Params, required: boolean): LabelMatcher[][] {
  const ms = many(p, 'match[]');
  if (required && ms.length === 0) throw new BadData('no match[] parameter provided');
  return ms.map((m) => {
    const expr = parseQuery(m);
    if (expr.kind !== 'VectorSelector') throw new BadData(`invalid parameter "match[]": ${m} is not a series selector`);
    return expr.matchers;
  });
}

async function withTimeout<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Timeout(`query timed out in expression evaluation after ${ms / 1000}s`)), ms); });
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** Earliest and latest times a metadata request may name (Date's range, in ms). */
const MIN_TIME_MS = -8.64e15;
const MAX_TIME_MS = 8.64e15;

/**
 * The optional start/end of series, labels and label values: without either every series
 * ever written is listed (Prometheus: from MinTime to MaxTime); with one, the other end is open.
 */
function metadataRange(p: Params): TimeRange | undefined {
  const start = one(p, 'start');
  const end = one(p, 'end');
  if (start === undefined && end === undefined) return undefined;
  return { startMs: Math.max(MIN_TIME_MS, parseTime(start, 'start', MIN_TIME_MS)), endMs: Math.min(MAX_TIME_MS, parseTime(end, 'end', MAX_TIME_MS)) };
}

type Handler = (p: Params) => Promise<unknown>;

/** A `data` member already serialised (query results are written as text, see format.ts). */
class JsonText { constructor(readonly text: string) {} }

export async function registerPromRoutes(app: FastifyInstance, deps: PromApiDeps): Promise<void> {
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) await app.register(formbody);
  const handlers: Record<string, Handler> = {
    query: async (p) => {
      const expr = parseQuery(one(p, 'query'));
      const t = parseTime(one(p, 'time'), 'time', Date.now());
      const r = await withTimeout(timeoutOf(p, deps), instantQuery(deps.store, expr, t));
      return { data: new JsonText(resultJsonText(r.value)), warnings: r.warnings };
    },
    query_range: async (p) => {
      const expr = parseQuery(one(p, 'query'));
      const start = parseTime(one(p, 'start'), 'start', NaN);
      const end = parseTime(one(p, 'end'), 'end', NaN);
      if (Number.isNaN(start)) throw new BadData('invalid parameter "start": cannot parse "" to a valid timestamp');
      if (Number.isNaN(end)) throw new BadData('invalid parameter "end": cannot parse "" to a valid timestamp');
      if (end < start) throw new BadData('invalid parameter "end": end timestamp must not be before start time');
      const step = parseDuration(one(p, 'step'), 'step');
      if (step <= 0) throw new BadData('invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer');
      if ((end - start) / step > MAX_POINTS) throw new BadData('exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
      const r = await withTimeout(timeoutOf(p, deps), rangeQuery(deps.store, expr, start, end, step));
      return { data: new JsonText(resultJsonText(r.value)), warnings: r.warnings };
    },
    series: async (p) => ({ data: await deps.store.seriesLabels(selectors(p, true), metadataRange(p)) }),
    labels: async (p) => {
      const sets = await deps.store.seriesLabels(selectorsOrAll(p), metadataRange(p));
      return { data: [...new Set(sets.flatMap((l) => Object.keys(l)))].sort() };
    },
    metadata: async () => ({ data: {} }),
    query_exemplars: async () => ({ data: [] }),
    'status/buildinfo': async () => ({
      // Grafana reads the version to choose which API features to use; MetaFlow answers as
      // the Prometheus release whose semantics it implements.
      data: { version: '2.42.0', revision: `metaflow-${deps.version}`, branch: 'metaflow', buildUser: 'metaflow', buildDate: '', goVersion: 'none' },
    }),
    'status/runtimeinfo': async () => ({ data: { startTime: new Date(startedAt).toISOString(), storageRetention: 'store-defined' } }),
  };
  const startedAt = Date.now();

  const run = (handler: Handler) => async (req: FastifyRequest, reply: FastifyReply) => {
    try {
      const out = (await handler(params(req))) as { data: unknown; warnings?: string[] };
      if (out.data instanceof JsonText) {
        const warnings = out.warnings?.length ? `,"warnings":${JSON.stringify(out.warnings)}` : '';
        return reply.type('application/json; charset=utf-8').send(`{"status":"success","data":${out.data.text}${warnings}}`);
      }
      return reply.send({ status: 'success', data: out.data, ...(out.warnings?.length ? { warnings: out.warnings } : {}) });
    } catch (e) {
      if (e instanceof BadData) return fail(reply, 'bad_data', e.message);
      if (e instanceof Timeout) return fail(reply, 'timeout', e.message);
      if (e instanceof PromQLEvalError) return fail(reply, BAD_DATA_CODES.has(e.code) ? 'bad_data' : 'execution', e.message);
      req.log.error({ err: e }, 'prometheus api request failed');
      return fail(reply, 'internal', (e as Error).message);
    }
  };

  for (const prefix of ['/api/v1', '/prom/api/v1']) {
    for (const [name, handler] of Object.entries(handlers)) {
      app.route({ method: ['GET', 'POST'], url: `${prefix}/${name}`, handler: run(handler) });
    }
    app.route({
      method: ['GET'], url: `${prefix}/label/:name/values`,
      handler: run(async (p) => {
        const name = String(p.name);
        const sets = await deps.store.seriesLabels(selectorsOrAll(p), metadataRange(p));
        return { data: [...new Set(sets.map((l) => l[name]).filter((v): v is string => v !== undefined))].sort() };
      }),
    });
  }

  function selectorsOrAll(p: Params): LabelMatcher[][] {
    const s = selectors(p, false);
    return s.length ? s : [[]];
  }
}

function timeoutOf(p: Params, deps: PromApiDeps): number {
  const t = one(p, 'timeout');
  return t ? Math.min(parseDuration(t, 'timeout'), deps.timeoutMs) : deps.timeoutMs;
}
