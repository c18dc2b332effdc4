/** `metaflow <command>`: the table of subcommands and the top-level help. */
import type { Command } from './command.ts';
import { runCommand } from './command.ts';
import { VERSION } from './version.ts';

/**
 * Each command's module is loaded only when it runs, so a command carries only its own
 * dependencies (the agent does not hold the server's store drivers and SQL parsers in memory).
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  start: async () => (await import('./commands/start.ts')).startCommand,
  server: async () => (await import('./commands/server.ts')).serverCommand,
  agent: async () => (await import('./commands/agent.ts')).agentCommand,
  status: async () => (await import('./commands/status.ts')).statusCommand,
  copy: async () => (await import('./commands/copy.ts')).copyCommand,
  promqltest: async () => (await import('./commands/promqltest.ts')).promqltestCommand,
  bench: async () => (await import('./commands/bench.ts')).benchCommand,
  'schema-docs': async () => (await import('./commands/schema-docs.ts')).schemaDocsCommand,
};

async function topHelp(): Promise<string> {
  const commands = await Promise.all(Object.values(COMMANDS).map((load) => load()));
  return [`metaflow ${VERSION}: eBPF observability with SmartEncoded tags, queried in SQL and PromQL`, '',
    'usage: metaflow <command> [flags]    (metaflow <command> --help for its flags)', '', 'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(12)} ${c.summary}`), ''].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(await topHelp());
    return name ? 0 : 2;
  }
  if (name === '--version') { process.stdout.write(VERSION + '\n'); return 0; }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    process.stderr.write(`metaflow: unknown command '${name}'\n\n${await topHelp()}`);
    return 2;
  }
  return runCommand(await load(), rest);
}

process.exitCode = await main(process.argv.slice(2));
