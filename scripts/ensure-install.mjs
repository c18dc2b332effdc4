// Installs npm dependencies when they are missing or older than package.json, so that
// `npm start` and `npm test` work on a fresh clone with no separate install step.
import { existsSync, statSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const marker = join(root, 'node_modules', '.package-lock.json');
const stale = !existsSync(marker) || statSync(marker).mtimeMs < statSync(join(root, 'package.json')).mtimeMs;
if (stale) {
  const cmd = existsSync(join(root, 'package-lock.json')) ? 'npm ci' : 'npm install';
  process.stderr.write(`metaflow: installing dependencies (${cmd})\n`);
  execSync(`${cmd} --no-audit --no-fund`, { cwd: root, stdio: 'inherit' });
}
