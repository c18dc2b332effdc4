/**
 * Per-connection session state: settings (what SET/SHOW/ParameterStatus see) and the
 * transaction status that ReadyForQuery reports.
 */
import type { PgSession } from './handler.ts';
import { TransactionStatus, type TransactionStatusByte } from './protocol-constants.ts';

/**
 * Settings PostgreSQL reports to the client with ParameterStatus (GUC_REPORT) at startup and
 * after every change, under their canonical spelling.
 */
export const REPORTED_SETTINGS = [
  'application_name', 'client_encoding', 'DateStyle', 'default_transaction_read_only', 'in_hot_standby',
  'integer_datetimes', 'IntervalStyle', 'is_superuser', 'server_encoding', 'server_version',
  'session_authorization', 'standard_conforming_strings', 'TimeZone',
] as const;

const canonicalName = new Map<string, string>(REPORTED_SETTINGS.map((n) => [n.toLowerCase(), n]));

/** Server defaults, before startup parameters and SET. */
export function defaultSettings(serverVersion: string): Map<string, string> {
  return new Map<string, string>([
    ['server_version', serverVersion],
    ['server_version_num', serverVersionNum(serverVersion)],
    ['server_encoding', 'UTF8'],
    ['client_encoding', 'UTF8'],
    ['datestyle', 'ISO, MDY'],
    ['timezone', 'UTC'],
    ['integer_datetimes', 'on'],
    ['standard_conforming_strings', 'on'],
    ['intervalstyle', 'postgres'],
    ['is_superuser', 'off'],
    ['default_transaction_read_only', 'off'],
    ['in_hot_standby', 'off'],
    ['application_name', ''],
    ['search_path', '"$user", public'],
    ['statement_timeout', '0'],
    ['extra_float_digits', '1'],
    ['transaction_isolation', 'read committed'],
    ['default_transaction_isolation', 'read committed'],
    ['transaction_read_only', 'off'],
    ['max_identifier_length', '63'],
    ['lc_messages', 'C'],
    ['lc_monetary', 'C'],
    ['lc_numeric', 'C'],
    ['lc_time', 'C'],
    ['bytea_output', 'hex'],
  ]);
}

/** "15.0 (MetaFlow)" → "150000", as server_version_num reads. */
function serverVersionNum(version: string): string {
  const m = /^(\d+)(?:\.(\d+))?/.exec(version);
  return m ? String(Number(m[1]) * 10000 + Number(m[2] ?? 0)) : '0';
}

export class Session implements PgSession {
  readonly settings = new Map<string, string>();
  transactionState: PgSession['transactionState'] = 'idle';
  user = '';
  database = '';
  private readonly defaults: Map<string, string>;

  constructor(readonly processId: number, readonly remoteAddress: string, serverVersion: string) {
    this.defaults = defaultSettings(serverVersion);
    for (const [k, v] of this.defaults) this.settings.set(k, v);
  }

  setting(name: string): string | undefined {
    return this.settings.get(name.toLowerCase());
  }

  /** Sets a setting; returns the ParameterStatus name to report, or null if not reported. */
  set(name: string, value: string): string | null {
    const key = name.toLowerCase();
    this.settings.set(key, value);
    return canonicalName.get(key) ?? null;
  }

  /** Back to the value the session started with (server default or startup parameter). */
  reset(name: string): string | null {
    const key = name.toLowerCase();
    const initial = this.startupValues.get(key) ?? this.defaults.get(key);
    if (initial === undefined) this.settings.delete(key);
    else this.settings.set(key, initial);
    return canonicalName.get(key) ?? null;
  }

  /** RESET ALL: every setting back to its session-start value; returns the reported names. */
  resetAll(): string[] {
    const names = [...this.settings.keys()];
    return names.map((n) => this.reset(n)).filter((n): n is string => n !== null);
  }

  /** Values fixed at startup (startup parameters, `options`), which RESET returns to. */
  private readonly startupValues = new Map<string, string>();

  /** Applies a startup parameter: it becomes the session's value and its reset value. */
  setAtStartup(name: string, value: string): void {
    this.settings.set(name.toLowerCase(), value);
    this.startupValues.set(name.toLowerCase(), value);
  }

  /** Reported settings with their canonical names, for the startup ParameterStatus burst. */
  reportedSettings(): [string, string][] {
    return REPORTED_SETTINGS.map((n) => [n, this.settings.get(n.toLowerCase()) ?? '']);
  }

  get statusByte(): TransactionStatusByte {
    if (this.transactionState === 'in-transaction') return TransactionStatus.inTransaction;
    if (this.transactionState === 'failed') return TransactionStatus.failed;
    return TransactionStatus.idle;
  }
}

/** Startup parameters that are not settings. */
const NOT_SETTINGS = new Set(['user', 'database', 'options', 'replication']);

/**
 * Applies the startup packet's parameters to the session: plain ones are settings
 * (application_name, client_encoding, DateStyle, search_path, ...), and `options` carries
 * command-line style "-c name=value" / "--name=value" pairs, backslash-escaped spaces kept.
 */
export function applyStartupParameters(session: Session, params: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(params)) {
    if (!NOT_SETTINGS.has(name) && !name.startsWith('_pq_.')) session.setAtStartup(name, value);
  }
  const words = (params.options ?? '').match(/(?:\\.|\S)+/g) ?? [];
  for (let i = 0; i < words.length; i++) {
    let w = words[i]!.replace(/\\(.)/g, '$1');
    if (w === '-c' && i + 1 < words.length) w = words[++i]!.replace(/\\(.)/g, '$1');
    else if (w.startsWith('--')) w = w.slice(2);
    else if (w.startsWith('-c')) w = w.slice(2);
    const eq = w.indexOf('=');
    if (eq > 0) session.setAtStartup(w.slice(0, eq).replace(/-/g, '_'), w.slice(eq + 1));
  }
}
