/** `metaflow <command>`: the table of subcommands and the top-level help. */
import type { Command } from './command.ts';
import { UsageError } from './command.ts';
import { serverCommand } from './commands/server.ts';
import { startCommand } from './commands/start.ts';
import { statusCommand } from './commands/status.ts';
import { schemaDocsCommand } from './commands/schema-docs.ts';
import { benchCommand } from './commands/bench.ts';
import { promqltestCommand } from './commands/promqltest.ts';
import { copyCommand } from './commands/copy.ts';
import { agentCommand } from './commands/agent.ts';
import { VERSION } from './version.ts';

const COMMANDS: Command[] = [startCommand, serverCommand, agentCommand, statusCommand, copyCommand, promqltestCommand, benchCommand, schemaDocsCommand];

function topHelp(): string {
  return [`metaflow ${VERSION}: eBPF observability with SmartEncoded tags, queried in SQL and PromQL`, '',
    'usage: metaflow <command> [flags]    (metaflow <command> --help for its flags)', '', 'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(12)} ${c.summary}`), ''].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(topHelp());
    return name ? 0 : 2;
  }
  if (name === '--version') { process.stdout.write(VERSION + '\n'); return 0; }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`metaflow: unknown command '${name}'\n\n${topHelp()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`usage: ${cmd.usage}\n\n${cmd.summary}\n\n${cmd.help}\n`);
    return 0;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`metaflow ${name}: ${e.message}\nusage: ${cmd.usage}\n`);
      return 2;
    }
    process.stderr.write(`metaflow ${name}: ${(e as Error).message}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
