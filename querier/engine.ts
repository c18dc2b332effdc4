/**
 * The SQL engine every front calls (PG wire handler, HTTP API): text → statements → bound
 * plan → tag translation → pushdown split → store + residual execution → named rows.
 */
import type { StorageAdapter } from '../storage-adapters/adapter.ts';
import { NO_CAPABILITIES } from '../storage-adapters/adapter.ts';
import type { Expr, SqlType, Value } from '../storage-adapters/fragment.ts';
import { QueryError, SQLSTATE, type QueryNotice } from './errors.ts';
import type { Logger } from '../lib/log.ts';
import { parseStatements, type Ast } from './sql/parse.ts';
import { bindQuery } from './sql/bind-select.ts';
import { type Plan, outputsOf, mapPlanExprs, mapExpr, planExprs, walkExpr } from './sql/plan.ts';
import { foldConstants } from './sql/fold.ts';
import { splitPlan } from './pushdown/split.ts';
import { hoistDecode } from './pushdown/hoist-decode.ts';
import { execute } from './exec/executor.ts';
import { TagDictionaries, tagLookup, decoderKey, type CodeNames } from './tags/dictionaries.ts';
import { translateTags, inlineCustomTags } from './tags/translate.ts';
import { runMetaStatement, isMetaStatement } from './meta/show.ts';
import { rewriteClientIdioms } from './catalog/client-idioms.ts';
import { copyAnswer, MAX_KEPT_ROWS, paramsKey, readsStore, type StatementReuse } from './plan-reuse.ts';

export interface EngineOptions {
  adapter: StorageAdapter;
  /** false runs everything but the scan in the querier (the pushdown on/off test). */
  pushdown?: boolean;
  /** Rows returned when a query gives no LIMIT (a notice says so when it cuts). */
  defaultLimit?: number;
  /** Per-query time limit; exceeding it is SQLSTATE 57014. 0 = none. */
  timeoutMs?: number;
  /** Most rows a query may return; more is SQLSTATE 54000. 0 = none. */
  maxRows?: number;
  /** Most rows one store fragment may hand the querier (memory guard); more is 54000. 0 = none. */
  maxFetchRows?: number;
  /** Queries at debug level, failures at info, slow ones (over `slowMs`, default 1000) at warn. */
  log?: Logger;
  slowMs?: number;
}

export interface QuerySession {
  /** Databases searched for unqualified tables; defaults to all data databases. */
  searchPath?: string[];
  params?: Value[];
  signal?: AbortSignal;
  /** The session's statement_timeout (ms, 0 = none); the stricter of it and the engine's wins. */
  timeoutMs?: number;
}

export interface QueryResult {
  columns: Array<{ name: string; type: SqlType }>;
  rows: Value[][];
  notices: QueryNotice[];
  /** Command word for the completion tag ('SELECT', 'SHOW'). */
  command: string;
}

export const DEFAULT_SEARCH_PATH = ['flow_log', 'flow_metrics', 'prometheus'];

/** Distinct statement texts whose parse is kept per search path (least recently used first out). */
const PARSE_CACHE_SIZE = 512;
/** Distinct search paths with parsed statements kept (sessions rarely differ). */
const SEARCH_PATHS_KEPT = 64;

export class QueryEngine {
  readonly dictionaries: TagDictionaries;
  constructor(private readonly opts: EngineOptions) {
    this.dictionaries = new TagDictionaries(opts.adapter.dictionaries);
  }

  /** Runs every statement of `sql` in order. */
  async query(sql: string, session: QuerySession = {}): Promise<QueryResult[]> {
    const started = performance.now();
    const log = this.opts.log;
    try {
      const results = await this.queryStatements(sql, session);
      const ms = performance.now() - started;
      if (log && ms > (this.opts.slowMs ?? 1000)) log.warn({ sql, ms: Math.round(ms) }, 'slow query');
      else if (log?.isLevelEnabled('debug')) log.debug({ sql, ms: Math.round(ms * 1000) / 1000, rows: results.at(-1)?.rows.length }, 'query');
      return results;
    } catch (e) {
      if (isUnsupportedCatalogQuery(sql, e)) return [{ columns: [], rows: [], notices: [], command: 'SELECT' }];
      if (e instanceof QueryError) log?.debug({ sql, sqlstate: e.sqlstate, err: e.message }, 'query failed');
      else log?.info({ sql, err: e }, 'query failed');
      throw e;
    }
  }

  /**
   * Parsed statements by (search path, text). Dashboards and prepared statements send the
   * same text again and again; each statement also carries what later runs may reuse
   * (plan-reuse.ts), which is only valid for this search path, hence the key.
   */
  private readonly parsed = new Map<string, Map<string, { sql: string; statements: Statement[] }>>();
  /** Search path → its key in `parsed` (front ends pass the same array for a session). */
  private readonly pathKeys = new WeakMap<readonly string[], string>();

  /**
   * The answers of `text` when every statement's answer is already kept (store-free statements
   * run before with the same parameters, plan-reuse.ts), found without parsing or running
   * anything; null otherwise. Lets a front end answer those without waiting; never throws.
   */
  keptAnswers(text: string, session: QuerySession = {}): QueryResult[] | null {
    const statements = this.textsFor(session.searchPath ?? DEFAULT_SEARCH_PATH).get(text)?.statements;
    if (!statements || statements.length === 0) return null;
    const params = paramsKey(session.params ?? []);
    const out: QueryResult[] = [];
    for (const st of statements) {
      const answer = st.reuse?.params === params ? st.reuse.answer : undefined;
      if (!answer) return null;
      out.push(copyAnswer(answer));
    }
    if (this.opts.log?.isLevelEnabled('debug')) this.opts.log.debug({ sql: text, ms: 0, rows: out.at(-1)!.rows.length, kept: true }, 'query');
    return out;
  }

  /** Parsed texts of one search path. Two levels, so a lookup hashes the text alone rather than a fresh path+text string. */
  private textsFor(searchPath: readonly string[]): Map<string, { sql: string; statements: Statement[] }> {
    let pathKey = this.pathKeys.get(searchPath);
    if (pathKey === undefined) this.pathKeys.set(searchPath, pathKey = searchPath.join(','));
    let texts = this.parsed.get(pathKey);
    if (!texts) {
      if (this.parsed.size >= SEARCH_PATHS_KEPT) this.parsed.clear();
      this.parsed.set(pathKey, texts = new Map());
    }
    return texts;
  }

  private parse(text: string, session: QuerySession): { sql: string; statements: Statement[] } {
    const searchPath = session.searchPath ?? DEFAULT_SEARCH_PATH;
    const texts = this.textsFor(searchPath);
    const hit = texts.get(text);
    if (hit) {
      texts.delete(text);
      texts.set(text, hit);
      return hit;
    }
    const sql = rewriteClientIdioms(text, searchPath);
    const entry = { sql, statements: parseStatementsOrMeta(sql) };
    texts.set(text, entry);
    if (texts.size > PARSE_CACHE_SIZE) texts.delete(texts.keys().next().value!);
    return entry;
  }

  private async queryStatements(text: string, session: QuerySession): Promise<QueryResult[]> {
    const { sql, statements } = this.parse(text, session);
    const out: QueryResult[] = [];
    for (const st of statements) out.push(await this.runStatement(st, sql, session));
    return out;
  }

  /** Binds and plans one SELECT without running it (PG Describe). */
  describe(sql: string, session: QuerySession = {}): Array<{ name: string; type: SqlType }> {
    try {
      return this.describeStatement(sql, session);
    } catch (e) {
      if (isUnsupportedCatalogQuery(sql, e)) return [];
      throw e;
    }
  }

  private describeStatement(text: string, session: QuerySession): Array<{ name: string; type: SqlType }> {
    const { sql, statements: [st] } = this.parse(text, session);
    if (!st) return [];
    if (st.meta) return st.meta.columns;
    // Column types never depend on the clock's value, so a description is kept even for
    // statements that read it.
    const params = paramsKey(session.params ?? []);
    if (st.described?.params === params) return st.described.columns;
    const bound = bindQuery(st.ast, this.bindOptions(sql, session));
    const columns = outputsOf(bound.plan).map((c, i) => ({ name: bound.labels[i]!, type: c.type }));
    st.described = { params, columns };
    return columns;
  }

  private bindOptions(sql: string, session: QuerySession, clockRead?: () => void) {
    const nowUs = Date.now() * 1000;
    const now = (): number => { clockRead?.(); return nowUs; };
    return { sql, now, searchPath: session.searchPath ?? DEFAULT_SEARCH_PATH, params: session.params ?? [] };
  }

  /** The bound plan of a SELECT, reused from an earlier run when binding did not read the clock. */
  private bind(st: Statement, sql: string, session: QuerySession): { bound: ReturnType<typeof bindQuery>; reuse: StatementReuse | null } {
    const params = paramsKey(session.params ?? []);
    if (st.reuse?.params === params) return { bound: st.reuse.bound, reuse: st.reuse };
    let volatile = false;
    const bound = bindQuery(st.ast, this.bindOptions(sql, session, () => { volatile = true; }));
    if (volatile) return { bound, reuse: null };
    st.reuse = { params, bound };
    return { bound, reuse: st.reuse };
  }

  private async runStatement(st: Statement, sql: string, session: QuerySession): Promise<QueryResult> {
    if (st.meta) return runMetaStatement(st.meta, this, session);
    const type = String(st.ast.type).toLowerCase();
    if (type !== 'select') {
      const write = ['insert', 'update', 'delete', 'replace', 'create', 'drop', 'alter', 'truncate', 'grant', 'revoke'].includes(type);
      throw new QueryError(write ? SQLSTATE.readOnlyTransaction : SQLSTATE.featureNotSupported,
        write ? `cannot execute ${type.toUpperCase()}: MetaFlow's SQL interface is read-only` : `${type.toUpperCase()} is not supported`,
        { hint: write ? 'Data arrives through the ingest API (POST /v1/ingest/<table>).' : undefined });
    }
    const { bound, reuse } = this.bind(st, sql, session);
    if (reuse?.answer) return copyAnswer(reuse.answer);
    const limit = this.opts.defaultLimit ?? 10000;
    let plan: Plan = bound.plan;
    const explicitLimit = plan.kind === 'limit' || (plan.kind === 'project' && plan.input.kind === 'limit');
    if (!explicitLimit && limit > 0) plan = { kind: 'limit', input: plan, limit: limit + 1, offset: 0 };
    // One row past the cap is enough to know the cap was broken, so stop there.
    const maxRows = this.opts.maxRows ?? 0;
    if (maxRows > 0) plan = { kind: 'limit', input: plan, limit: maxRows + 1, offset: 0 };
    const result = await this.runPlan(plan, session, reuse);
    if (maxRows > 0 && result.length > maxRows) throw rowCapError(maxRows);
    const notices: QueryNotice[] = [];
    if (!explicitLimit && limit > 0 && result.length > limit) {
      result.length = limit;
      notices.push({ message: `result truncated to the default LIMIT ${limit}`, hint: 'Add a LIMIT clause to choose how many rows to return.' });
    }
    const outs = outputsOf(bound.plan);
    const answer: QueryResult = { columns: outs.map((c, i) => ({ name: bound.labels[i]!, type: c.type })), rows: result, notices, command: 'SELECT' };
    if (reuse?.physical && !readsStore(reuse.physical) && result.length <= MAX_KEPT_ROWS) reuse.answer = copyAnswer(answer);
    return answer;
  }

  /**
   * Plans and runs a bound plan: fold, translate tags, split, execute. With `reuse`, the
   * physical plan is taken from it or, when it depends on nothing that changes, kept there.
   */
  async runPlan(bound: Plan, session: QuerySession, reuse?: StatementReuse | null): Promise<Value[][]> {
    let plan: Plan;
    let names: Map<string, CodeNames>;
    if (reuse?.physical) {
      plan = reuse.physical;
      names = new Map();
    } else {
      const inputs = await this.materializeInLists(bound, session);
      ({ plan, names } = await this.physical(inputs));
      if (reuse && inputs === bound && names.size === 0) reuse.physical = plan;
    }
    const started = Date.now();
    const limits = [this.opts.timeoutMs ?? 0, session.timeoutMs ?? 0].filter((t) => t > 0);
    const timeoutMs = limits.length ? Math.min(...limits) : 0;
    // One signal for the store: the client's cancel or our timeout, whichever comes first.
    const abort = new AbortController();
    const onCancel = (): void => abort.abort();
    session.signal?.addEventListener('abort', onCancel);
    const timer = timeoutMs ? setTimeout(() => abort.abort(), timeoutMs) : undefined;
    const timedOut = (): boolean => timeoutMs > 0 && Date.now() - started >= timeoutMs;
    const canceled = (): QueryError => timedOut() && !session.signal?.aborted
      ? new QueryError(SQLSTATE.queryCanceled, `canceling statement due to statement timeout (${timeoutMs} ms)`)
      : new QueryError(SQLSTATE.queryCanceled, 'canceling statement due to user request');
    let rows: Value[][];
    try {
      rows = await execute(plan, {
        adapter: this.opts.adapter,
        tags: tagLookup(names),
        signal: abort.signal,
        checkpoint: () => { if (abort.signal.aborted || timedOut()) throw canceled(); },
        maxRows: this.opts.maxFetchRows ?? 0,
      });
    } catch (e) {
      if (abort.signal.aborted && !(e instanceof QueryError)) throw canceled();
      throw e;
    } finally {
      clearTimeout(timer);
      session.signal?.removeEventListener('abort', onCancel);
    }
    return rows;
  }

  /**
   * `x IN (SELECT ...)` (uncorrelated): the subquery runs first and its values become a literal
   * list, which tag translation and pushdown then treat like any IN list.
   */
  private async materializeInLists(plan: Plan, session: QuerySession): Promise<Plan> {
    const lists = new Map<unknown, Expr[]>();
    for (const e of planExprs(plan)) {
      for (const x of walkExpr(e)) {
        if (x.kind !== 'subquery' || !x.list || lists.has(x.plan)) continue;
        const rows = await this.runPlan(x.plan as Plan, session);
        lists.set(x.plan, rows.map((r) => ({ kind: 'literal', value: r[0] ?? null, type: x.type }) as Expr));
      }
    }
    if (lists.size === 0) return plan;
    return mapPlanExprs(plan, (e) => mapExpr(e, (x) => {
      if (x.kind !== 'call' || (x.fn !== 'in' && x.fn !== 'not_in')) return x;
      const last = x.args[x.args.length - 1];
      if (last?.kind !== 'subquery' || !last.list) return x;
      const values = lists.get(last.plan)!;
      // Over no rows, IN is false and NOT IN true, even for a NULL on the left.
      if (values.length === 0) return { kind: 'literal', value: x.fn === 'not_in', type: 'bool' };
      return { ...x, args: [...x.args.slice(0, -1), ...values] };
    }));
  }

  /** The plan as it will run: constants folded, tags translated, split at the store boundary. */
  async physical(bound: Plan): Promise<{ plan: Plan; names: Map<string, CodeNames> }> {
    const names = await this.prefetchTags(bound);
    const caps = this.opts.pushdown === false ? NO_CAPABILITIES : this.opts.adapter.capabilities;
    // Subqueries in expressions get the same treatment as the query around them.
    const prepare = (p: Plan): Plan => {
      const inner = mapPlanExprs(p, (e) => foldConstants(mapExpr(e, (x) => (x.kind === 'subquery' ? { ...x, plan: prepare(x.plan as Plan) } : x))));
      return splitPlan(hoistDecode(inlineCustomTags(translateTags(inner, names), names)), caps);
    };
    return { plan: prepare(bound), names };
  }

  /** The physical plan of one SELECT (for EXPLAIN-like tooling and benchmarks). */
  async explain(sql: string, session: QuerySession = {}): Promise<Plan> {
    const [st] = parseStatementsOrMeta(sql);
    if (!st || st.meta) throw new QueryError(SQLSTATE.featureNotSupported, 'only SELECT statements have a plan');
    return (await this.physical(bindQuery(st.ast, this.bindOptions(sql, session)).plan)).plan;
  }

  private async prefetchTags(plan: Plan): Promise<Map<string, CodeNames>> {
    const decoders = new Map<string, import('../storage-adapters/fragment.ts').TagDecoder>();
    const visit = (p: Plan): void => {
      for (const e of planExprs(p)) {
        for (const x of walkExpr(e)) {
          if (x.kind === 'tag') decoders.set(decoderKey(x.tag), x.tag);
          if (x.kind === 'subquery') visit(x.plan as Plan);
        }
      }
    };
    visit(plan);
    const names = new Map<string, CodeNames>();
    await Promise.all([...decoders].map(async ([k, d]) => names.set(k, await this.dictionaries.names(d))));
    return names;
  }
}

/**
 * psql's \d also asks about features MetaFlow has none of (publications, row security
 * policies, extended statistics, inheritance, triggers, rules) in SQL the grammar cannot
 * parse (array subscripts, generate_series). Those catalogs are always empty, so when such a
 * query fails to parse or bind the true answer is no rows.
 */
const EMPTY_FEATURE_CATALOG = /\bpg_catalog\.(pg_publication\w*|pg_policy|pg_statistic_ext\w*|pg_inherits|pg_trigger|pg_rewrite|pg_partitioned_table|pg_foreign_table)\b/i;
function isUnsupportedCatalogQuery(sql: string, e: unknown): boolean {
  return e instanceof QueryError && ['42601', '0A000', '42883', '42703', '42P01'].includes(e.sqlstate) && EMPTY_FEATURE_CATALOG.test(sql);
}

export function rowCapError(maxRows: number): QueryError {
  return new QueryError(SQLSTATE.programLimitExceeded, `query result exceeds the row limit of ${maxRows}`, { hint: 'Add a LIMIT or aggregate more.' });
}

interface Statement {
  ast: Ast;
  meta?: import('./meta/show.ts').MetaStatement;
  /** Work later runs with the same parameter values may reuse (plan-reuse.ts). */
  reuse?: StatementReuse;
  /** The last description (PG Describe), by parameter values. */
  described?: { params: string; columns: Array<{ name: string; type: SqlType }> };
}

function parseStatementsOrMeta(sql: string): Statement[] {
  const parts = sql.split(/;\s*(?=(?:[^']*'[^']*')*[^']*$)/).map((s) => s.trim()).filter(Boolean);
  if (parts.some(isMetaStatement)) {
    return parts.flatMap((p) => {
      const meta = isMetaStatement(p);
      return meta ? [{ ast: null, meta }] : parseStatements(p).map((ast) => ({ ast }));
    });
  }
  return parseStatements(sql).map((ast) => ({ ast }));
}
