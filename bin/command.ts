/** The shape of a CLI subcommand, and flag parsing shared by all of them. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SETTINGS, envName } from '../lib/config.ts';

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Extra help text (flags, examples). */
  help: string;
  run(argv: string[]): Promise<number>;
}

export class UsageError extends Error {}

/**
 * Runs one command with its flags: `--help` prints its usage, a UsageError exits 2 with the
 * usage line, any other error exits 1 with its message. Returns the exit code.
 */
export async function runCommand(cmd: Command, argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`usage: ${cmd.usage}\n\n${cmd.summary}\n\n${cmd.help}\n`);
    return 0;
  }
  try {
    return await cmd.run(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`metaflow ${cmd.name}: ${e.message}\nusage: ${cmd.usage}\n`);
      return 2;
    }
    process.stderr.write(`metaflow ${cmd.name}: ${(e as Error).message}\n`);
    return 1;
  }
}

export interface ParsedFlags { values: Record<string, string | boolean | undefined>; positionals: string[] }

export function parseFlags(argv: string[], options: ParseArgsConfig['options']): ParsedFlags {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true }) as ParsedFlags;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Flags for every setting that has one (server-like commands). */
export function settingFlags(): NonNullable<ParseArgsConfig['options']> {
  const out: NonNullable<ParseArgsConfig['options']> = { config: { type: 'string' } };
  for (const s of SETTINGS) if (s.flag) out[s.flag.slice(2)] = { type: 'string' };
  return out;
}

/** Flag values keyed by setting path, for loadConfig. */
export function settingValues(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of SETTINGS) if (s.flag && values[s.flag.slice(2)] !== undefined) out[s.path] = values[s.flag.slice(2)];
  return out;
}

export function settingsHelp(): string {
  const rows = SETTINGS.map((s) => `  ${(s.flag ? `${s.flag} V` : '').padEnd(20)} ${s.help}${s.default !== undefined ? ` [${s.default}]` : ''}\n  ${''.padEnd(20)} file: ${s.path}, env: ${envName(s.path)}`);
  return ['  --config FILE        YAML config file (env: METAFLOW_CONFIG)', ...rows].join('\n');
}
