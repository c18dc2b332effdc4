import { parseFlags, type Command } from '../command.ts';

export const statusCommand: Command = {
  name: 'status',
  summary: 'print a running server\'s tables (rows, bytes), dictionary sizes and store',
  usage: 'metaflow status [--server URL]',
  help: '  --server URL   server to ask [http://127.0.0.1:20416, env METAFLOW_SERVER]',
  async run(argv) {
    const { values } = parseFlags(argv, { server: { type: 'string' } });
    const base = (values.server as string | undefined) ?? process.env.METAFLOW_SERVER ?? 'http://127.0.0.1:20416';
    let res: Response;
    try {
      res = await fetch(new URL('/v1/status', base));
    } catch (e) {
      process.stderr.write(`metaflow status: cannot reach ${base}: ${(e as Error).cause ?? (e as Error).message}\n`);
      return 1;
    }
    process.stdout.write(JSON.stringify(await res.json(), null, 2) + '\n');
    return res.ok ? 0 : 1;
  },
};
