import { writeFileSync } from 'node:fs';
import { renderSchemaDoc } from '../../schema/docs.ts';
import { parseFlags, type Command } from '../command.ts';

export const schemaDocsCommand: Command = {
  name: 'schema-docs',
  summary: 'print docs/schema.md from the catalog (--write to update the file)',
  usage: 'metaflow schema-docs [--write]',
  help: '  --write   write docs/schema.md instead of printing it',
  async run(argv) {
    const { values } = parseFlags(argv, { write: { type: 'boolean' } });
    const text = renderSchemaDoc();
    if (values.write) writeFileSync(new URL('../../docs/schema.md', import.meta.url), text);
    else process.stdout.write(text);
    return 0;
  },
};
