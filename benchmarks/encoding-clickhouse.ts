/**
 * SmartEncoding on ClickHouse, the store DeepFlow's own measurement used: the same rows
 * written through the ClickHouse adapter twice into MergeTree tables with the same sort
 * order, resource tags as UInt32 IDs (what MetaFlow writes) and as String names (the
 * baseline), then OPTIMIZE … FINAL and the compressed bytes per column from system.columns.
 */
import { findTable, DICTIONARY_TABLES } from '../schema/index.ts';
import { ResourceEncoder } from '../ingester/smart-encoding/encoder.ts';
import { ClickHouseAdapter } from '../storage-adapters/clickhouse/clickhouse-adapter.ts';
import { clickhouseOptions } from '../storage-adapters/clickhouse/clickhouse-config.ts';
import { startClickHouse } from '../lib/testing/clickhouse.ts';
import { benchRows, plainTable, resourceTagNames } from './encoding-forms.ts';
import { progress, table } from './util.ts';

const PREFIX = 'enc';

export async function benchEncodingClickHouse(opts: { rows?: number } = {}): Promise<{ markdown: string; tagRatio: number }> {
  const total = opts.rows ?? 10_000_000;
  const l7 = findTable('flow_log.l7_flow_log')!;
  const plain = { ...plainTable(l7), fullName: 'bench.plain' };
  const tagNames = resourceTagNames(l7, plain);
  const idColumns = new Set(l7.columns.filter((c) => c.encoding?.kind === 'resource').map((c) => c.name));
  const server = await startClickHouse();
  const adapter = new ClickHouseAdapter(clickhouseOptions(new URL(`clickhouse://127.0.0.1:${server.httpPort}/${PREFIX}`)));
  try {
    await adapter.open([l7, plain], DICTIONARY_TABLES);
    const encoder = new ResourceEncoder(adapter.dictionaries);
    let sent = 0;
    for await (const { stored, flat, tagsSent } of benchRows(total, l7, plain, encoder, 'encoding on ClickHouse')) {
      sent = tagsSent;
      await adapter.write(l7, [stored]);
      await adapter.write(plain, [flat]);
    }
    progress('encoding on ClickHouse: OPTIMIZE … FINAL');
    const clickhouse = async (query: string) => {
      const res = await fetch(`${server.url}/?query=${encodeURIComponent(query)}`, { method: 'POST' });
      const text = await res.text();
      if (!res.ok) throw new Error(`ClickHouse: ${text}`);
      return text.trim().split('\n').filter(Boolean).map((l) => l.split('\t'));
    };
    for (const t of [`${PREFIX}_flow_log.l7_flow_log`, `${PREFIX}_bench.plain`]) await clickhouse(`OPTIMIZE TABLE ${t} FINAL`);
    const [[version]] = await clickhouse('SELECT version()');
    const cols = await clickhouse(`SELECT database, table, name, data_compressed_bytes, data_uncompressed_bytes FROM system.columns WHERE database LIKE '${PREFIX}\\_%'`);
    const sum = (pick: (db: string, tbl: string, name: string) => boolean, field: 3 | 4) =>
      cols.filter(([db, tbl, name]) => pick(db!, tbl!, name!)).reduce((s, r) => s + Number(r[field]), 0);
    const isEncoded = (db: string, tbl: string) => db === `${PREFIX}_flow_log` && tbl === 'l7_flow_log';
    const isPlain = (db: string, tbl: string) => db === `${PREFIX}_bench` && tbl === 'plain';
    const isDict = (db: string) => db === `${PREFIX}_flow_tag`;
    const tags = {
      enc: sum((db, tbl, n) => isEncoded(db, tbl) && idColumns.has(n), 3), plain: sum((db, tbl, n) => isPlain(db, tbl) && tagNames.has(n), 3),
      encRaw: sum((db, tbl, n) => isEncoded(db, tbl) && idColumns.has(n), 4), plainRaw: sum((db, tbl, n) => isPlain(db, tbl) && tagNames.has(n), 4),
    };
    const rows = { enc: sum((db, tbl) => isEncoded(db, tbl) || isDict(db), 3), plain: sum(isPlain, 3) };
    const mib = (b: number) => (b / 1048576).toFixed(1);
    const tagRatio = tags.plain / tags.enc;
    const markdown = [
      `${total.toLocaleString('en-US')} l7_flow_log rows, ${sent} resource tag columns sent (1k pods, 200 services, 50 nodes), written through the ClickHouse adapter`,
      `into MergeTree tables with the same sort order; compressed bytes from system.columns after OPTIMIZE … FINAL (ClickHouse ${version}, default LZ4).`, '',
      table(['what', 'plain strings (MiB)', 'SmartEncoded (MiB)', 'ratio'], [
        ['resource tag columns, uncompressed', mib(tags.plainRaw), mib(tags.encRaw), `${(tags.plainRaw / tags.encRaw).toFixed(2)}x`],
        ['resource tag columns, compressed', mib(tags.plain), mib(tags.enc), `${tagRatio.toFixed(2)}x`],
        ['whole rows, compressed (encoded side incl. dictionary)', mib(rows.plain), mib(rows.enc), `${(rows.plain / rows.enc).toFixed(2)}x`],
      ]), '',
      `**tag columns ${tagRatio.toFixed(2)}x smaller on ClickHouse** (target ≥ 5x).`,
    ].join('\n');
    return { markdown, tagRatio };
  } finally {
    await adapter.close();
    await server.stop();
  }
}
