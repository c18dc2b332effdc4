/**
 * Test harness: real clickhouse-server processes on 127.0.0.1, each with its own config in a
 * temp dir (every path under it), on free ports. Installs nothing: when the binary is missing
 * a test skips with the reason, or fails when CI=true (CI must run every store).
 * `root` is `<yandex>` because Debian's 18.16 needs it; current servers still accept it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './server.ts';
import { freePort } from './ports.ts';
export { freePort };

export const CLICKHOUSE_BINARY = process.env.METAFLOW_CLICKHOUSE_SERVER ?? '/usr/sbin/clickhouse-server';

/** Undefined when ClickHouse tests can run; otherwise why not. Throws when CI=true. */
export function clickhouseSkipReason(): string | undefined {
  if (existsSync(CLICKHOUSE_BINARY)) return undefined;
  const reason = `${CLICKHOUSE_BINARY} not found (apt-get install clickhouse-server clickhouse-client)`;
  if (process.env.CI === 'true') throw new Error(`CI=true and ClickHouse is required: ${reason}`);
  return reason;
}

/** A free TCP port on 127.0.0.1 (free when asked; the server binds it right after). */

export interface ClusterShard { host: string; tcpPort: number }

export interface ClickHouseOptions {
  /** Password of the `default` user (none when empty). */
  password?: string;
  /** `remote_servers` entries: cluster name → one replica per shard. */
  clusters?: Record<string, ClusterShard[]>;
  httpPort?: number;
  tcpPort?: number;
}

export interface ClickHouseServer {
  /** `http://127.0.0.1:<http_port>` */
  url: string;
  httpPort: number;
  tcpPort: number;
  dir: string;
  pid: number;
  /** Stops the server (SIGTERM, SIGKILL after 10 s) and removes its directory. */
  stop(): Promise<void>;
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function configXml(dir: string, httpPort: number, tcpPort: number, clusters: Record<string, ClusterShard[]>): string {
  const remote = Object.entries(clusters).map(([name, shards]) => `    <${name}>\n${shards.map((s) =>
    `      <shard><replica><host>${xmlEscape(s.host)}</host><port>${s.tcpPort}</port></replica></shard>`).join('\n')}\n    </${name}>`).join('\n');
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/log/server.log</log><errorlog>${dir}/log/error.log</errorlog><size>10M</size><count>1</count></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <max_concurrent_queries>50</max_concurrent_queries>
  <remote_servers>
${remote}
  </remote_servers>
</yandex>
`;
}

function usersXml(password: string): string {
  return `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage><max_threads>2</max_threads></default></profiles>
  <users>
    <default>
      <password>${xmlEscape(password)}</password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default></default></quotas>
</yandex>
`;
}

async function waitForPing(url: string, child: ChildProcess, dir: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`clickhouse-server exited (${child.exitCode ?? child.signalCode}) before answering /ping: ${tail(dir)}`);
    }
    try {
      const res = await fetch(`${url}/ping`);
      if (res.ok && (await res.text()).startsWith('Ok')) return;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`clickhouse-server did not answer ${url}/ping within ${timeoutMs} ms: ${tail(dir)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function tail(dir: string): string {
  for (const f of ['log/error.log', 'stderr.log']) {
    try {
      const text = readFileSync(join(dir, f), 'utf8').trim();
      if (text) return text.slice(-1500);
    } catch { /* no such log */ }
  }
  return '(no log output)';
}

/** Servers still running; killed when this process exits, so a failed test leaves none behind. */
const running = new Set<ChildProcess>();
process.once('exit', () => { for (const child of running) child.kill('SIGKILL'); });

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => { clearTimeout(kill); resolve(); });
    child.kill('SIGTERM');
  });
}

export async function startClickHouse(options: ClickHouseOptions = {}): Promise<ClickHouseServer> {
  const tmp = tempDir('metaflow-clickhouse-');
  const dir = tmp.path;
  for (const d of ['log', 'data', 'tmp', 'user_files', 'format_schemas']) mkdirSync(join(dir, d), { recursive: true });
  const httpPort = options.httpPort ?? await freePort();
  const tcpPort = options.tcpPort ?? await freePort();
  writeFileSync(join(dir, 'config.xml'), configXml(dir, httpPort, tcpPort, options.clusters ?? {}));
  writeFileSync(join(dir, 'users.xml'), usersXml(options.password ?? ''));
  const errFd = openSync(join(dir, 'stderr.log'), 'w');
  const child = spawn(CLICKHOUSE_BINARY, [`--config-file=${join(dir, 'config.xml')}`], { cwd: dir, stdio: ['ignore', 'ignore', errFd] });
  closeSync(errFd);
  running.add(child);
  child.once('exit', () => running.delete(child));
  const url = `http://127.0.0.1:${httpPort}`;
  try {
    await waitForPing(url, child, dir, 30_000);
  } catch (e) {
    await stopProcess(child);
    tmp.remove();
    throw e;
  }
  return {
    url, httpPort, tcpPort, dir, pid: child.pid!,
    async stop() {
      await stopProcess(child);
      tmp.remove();
    },
  };
}

export interface ClickHouseCluster {
  name: string;
  servers: ClickHouseServer[];
  stop(): Promise<void>;
}

/** `shards` servers that all know a cluster `name` with one shard on each (no ZooKeeper). */
export async function startClickHouseCluster(name: string, shards: number, options: ClickHouseOptions = {}): Promise<ClickHouseCluster> {
  const ports: Array<{ httpPort: number; tcpPort: number }> = [];
  for (let i = 0; i < shards; i++) ports.push({ httpPort: await freePort(), tcpPort: await freePort() });
  const clusters = { [name]: ports.map((p) => ({ host: '127.0.0.1', tcpPort: p.tcpPort })) };
  const servers: ClickHouseServer[] = [];
  try {
    for (const p of ports) servers.push(await startClickHouse({ ...options, ...p, clusters }));
  } catch (e) {
    await Promise.all(servers.map((s) => s.stop()));
    throw e;
  }
  return { name, servers, stop: async () => { await Promise.all(servers.map((s) => s.stop())); } };
}
