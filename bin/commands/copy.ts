import { DICTIONARY_TABLES, TABLES } from '../../schema/index.ts';
import { createAdapter } from '../../storage-adapters/registry.ts';
import { copyStore } from '../../storage-adapters/copy.ts';
import { parseFlags, UsageError, type Command } from '../command.ts';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** `--since`: RFC 3339, Unix seconds, or a duration ago (`36h`, `7d`). Returns µs. */
export function parseSince(text: string, nowMs = Date.now()): bigint {
  const ago = /^(\d+)([smhdw])$/.exec(text);
  if (ago) return BigInt(nowMs - Number(ago[1]) * UNITS[ago[2]!]! * 1000) * 1000n;
  if (/^\d+(\.\d+)?$/.test(text)) return BigInt(Math.round(Number(text) * 1e6));
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new UsageError(`--since '${text}' is not a time (2026-11-01T00:00:00Z, Unix seconds, or a duration like 7d)`);
  return BigInt(t) * 1000n;
}

export const copyCommand: Command = {
  name: 'copy',
  summary: 'copy data and dictionaries from one store to another, then check the counts',
  usage: 'metaflow copy --from URL --to URL [--since T]',
  help: [
    '  --from URL    source store (duckdb:///dir, clickhouse://…, postgres://…, influxdb://…)',
    '  --to URL      target store; created when missing',
    '  --since T     only rows at or after T: RFC 3339, Unix seconds, or a duration ago (7d)',
    '', 'Dictionary IDs are kept when the target has them free and remapped when not.',
  ].join('\n'),
  async run(argv) {
    const { values } = parseFlags(argv, { from: { type: 'string' }, to: { type: 'string' }, since: { type: 'string' } });
    if (!values.from || !values.to) throw new UsageError('--from and --to are required');
    const sinceUs = values.since ? parseSince(String(values.since)) : undefined;
    const from = createAdapter(String(values.from), { dataDir: '.' });
    const to = createAdapter(String(values.to), { dataDir: '.' });
    await from.open(TABLES, DICTIONARY_TABLES);
    try {
      await to.open(TABLES, DICTIONARY_TABLES);
      const tty = process.stderr.isTTY;
      let lastTable = '';
      const result = await copyStore(from, to, {
        sinceUs,
        onProgress: ({ table, rows }) => {
          if (tty) process.stderr.write(`\r${table}: ${rows.toLocaleString('en-US')} rows`);
          else if (table !== lastTable) process.stderr.write(`copying ${table}\n`);
          lastTable = table;
        },
      });
      if (tty) process.stderr.write('\n');
      let ok = true;
      for (const [name, r] of Object.entries(result.tables)) {
        const added = r.targetAfter - r.targetBefore;
        if (r.copied === 0 && added === 0) continue;
        const good = added === r.copied;
        ok &&= good;
        process.stdout.write(`${good ? 'ok  ' : 'FAIL'} ${name}: ${r.copied.toLocaleString('en-US')} rows read, ${added.toLocaleString('en-US')} added to the target\n`);
      }
      process.stdout.write(`dictionaries: ${result.dictionaryEntries} entries copied, ${result.remapped} IDs remapped\n`);
      return ok ? 0 : 1;
    } finally {
      await to.close();
      await from.close();
    }
  },
};
