// Stand-alone entry for the test-script runner until `./bin/metaflow promqltest FILE…` wires
// runPromqlTestFiles: `node --import tsx dialects/promql/testscript/cli.ts FILE…`.
// Exit status 1 when any eval fails, 2 on a usage or script error.
import { runPromqlTestFiles } from './run.ts';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: promqltest FILE…');
  process.exit(2);
}
try {
  const r = await runPromqlTestFiles(files);
  process.exit(r.failed > 0 ? 1 : 0);
} catch (e) {
  console.error((e as Error).message);
  process.exit(2);
}
