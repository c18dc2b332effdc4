/**
 * `metaflow agent` on its own: the entry point scripts/agent-bundle.mjs bundles, so the agent
 * process holds only the agent's code. Takes the agent's flags (without the word `agent`).
 */
import { agentCommand } from './commands/agent.ts';
import { runCommand } from './command.ts';

process.exitCode = await runCommand(agentCommand, process.argv.slice(2));
