// Builds the eBPF programs and the Node-API addon (native/build.sh) when the toolchain is
// here, otherwise says exactly what is missing and exits 0, so it can run from `npm install`
// on machines that will never capture. A build that starts and fails exits 1.
//   node scripts/build-native.mjs            build when sources are newer than the addon
//   node scripts/build-native.mjs --force    always rebuild
//   node scripts/build-native.mjs --check    only report what is missing (exit 1 if anything)
// The build itself runs under a lock (native/build/.build.lock), so parallel callers wait.
import { existsSync, readFileSync, readdirSync, statSync, accessSync, constants, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, dirname, delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const addon = join(root, 'native', 'build', 'metaflow_native.node');
const args = new Set(process.argv.slice(2));

/** Commands are searched on PATH plus the sbin folders, where Debian puts bpftool. */
function findCommand(name) {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const d of dirs) {
    if (!d) continue;
    try { accessSync(join(d, name), constants.X_OK); return join(d, name); } catch { /* next */ }
  }
  return undefined;
}

/** Requirements from native/toolchain.json that are not met, each with what provides it. */
function missingToolchain() {
  const { requirements } = JSON.parse(readFileSync(join(root, 'native', 'toolchain.json'), 'utf8'));
  return requirements.filter((r) => (r.command ? !findCommand(r.command) : !existsSync(r.file)));
}

/** Newest modification time among the build's inputs. */
function newestSource() {
  let newest = 0;
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) { if (name !== 'build') walk(p); } else newest = Math.max(newest, st.mtimeMs);
    }
  };
  walk(join(root, 'native', 'bpf'));
  walk(join(root, 'native', 'addon'));
  for (const f of ['build.sh', 'toolchain.json']) newest = Math.max(newest, statSync(join(root, 'native', f)).mtimeMs);
  return newest;
}

const missing = missingToolchain();
if (missing.length > 0) {
  const lines = missing.map((r) => `  - ${r.name}: ${r.command ? `command \`${r.command}\` not found` : `${r.file} missing`}` +
    (r.package ? ` (Debian package: ${r.package})` : r.hint ? ` (needs ${r.hint})` : ''));
  const pkgs = [...new Set(missing.map((r) => r.package).filter((p) => p && !p.includes(' ')))];
  console.error(`metaflow: eBPF addon not built; missing:\n${lines.join('\n')}` +
    (pkgs.length ? `\n  install: apt-get install -y --no-install-recommends ${pkgs.join(' ')}` : ''));
  process.exit(args.has('--check') ? 1 : 0);
}
if (args.has('--check')) { console.error('metaflow: eBPF toolchain complete'); process.exit(0); }
// Test files run in parallel and each may ask for a build: serialize under flock(1) and decide
// whether a build is needed only while holding the lock.
if (!args.has('--locked') && findCommand('flock')) {
  mkdirSync(join(root, 'native', 'build'), { recursive: true });
  const lock = join(root, 'native', 'build', '.build.lock');
  const r = spawnSync(findCommand('flock'), [lock, process.execPath, fileURLToPath(import.meta.url), ...process.argv.slice(2), '--locked'], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
if (!args.has('--force') && existsSync(addon) && statSync(addon).mtimeMs >= newestSource()) {
  console.error('metaflow: eBPF addon up to date');
  process.exit(0);
}
const r = spawnSync('sh', [join(root, 'native', 'build.sh')], { stdio: 'inherit', env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` } });
process.exit(r.status ?? 1);
