// The agent as one plain ESM file, so `metaflow agent` runs without the tsx loader: tsx and the
// module graph of every other command cost the agent about 140 MiB of its resident memory.
// Prints the path of an up-to-date bundle (building it first when a source is newer, or it is
// missing) and exits 0; exits 1 with the reason on stderr when it cannot, and bin/metaflow then
// runs the agent through tsx as before.
//   node scripts/agent-bundle.mjs            print the bundle's path, building when stale
//   node scripts/agent-bundle.mjs --force    rebuild
// Built with esbuild (tsx's own dependency) into .cache/agent/ (METAFLOW_CACHE_DIR overrides
// .cache). Each source keeps its own import.meta.url, so files it finds next to itself (the
// native addon) are found from the bundle too.
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = join(process.env.METAFLOW_CACHE_DIR ? resolve(process.env.METAFLOW_CACHE_DIR) : join(root, '.cache'), 'agent');
const bundle = join(cacheDir, 'agent.mjs');
/** Every file the bundle was built from, one path per line relative to the root. */
const inputsFile = `${bundle}.inputs`;
const entry = join(root, 'bin', 'agent-main.ts');

/** True when the bundle exists and no input changed (or vanished) since it was written. */
function fresh() {
  if (!existsSync(bundle) || !existsSync(inputsFile)) return false;
  const built = statSync(bundle).mtimeMs;
  for (const rel of readFileSync(inputsFile, 'utf8').split('\n')) {
    if (!rel) continue;
    try {
      if (statSync(join(root, rel)).mtimeMs > built) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** Replaces `import.meta.url` in each project source with that source's own URL. */
const keepModuleUrls = {
  name: 'keep-module-urls',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      if (args.path.includes(`${join('node_modules', '')}`)) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      return { contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: 'ts' };
    });
  },
};

async function build() {
  const started = new Date();
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch (e) {
    throw new Error(`esbuild is not installed (it comes with tsx; run npm install): ${e.message}`);
  }
  const result = await esbuild.build({
    absWorkingDir: root, entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20',
    write: false, metafile: true, outfile: bundle, sourcemap: 'linked', logLevel: 'silent',
    plugins: [keepModuleUrls],
    // Bundled CommonJS dependencies (pino) call require() for Node's own modules.
    banner: { js: "import { createRequire as __metaflowRequire } from 'node:module'; const require = __metaflowRequire(import.meta.url);" },
  });
  mkdirSync(cacheDir, { recursive: true });
  // Written under temporary names and renamed: an agent starting meanwhile sees the old bundle
  // or the new one, never half of one.
  const tmp = `.${process.pid}.tmp`;
  for (const f of result.outputFiles) writeFileSync(f.path + tmp, f.contents);
  writeFileSync(inputsFile + tmp, Object.keys(result.metafile.inputs).map((p) => relative(root, resolve(root, p))).join('\n') + '\n');
  for (const f of result.outputFiles) if (!f.path.endsWith('.mjs')) renameSync(f.path + tmp, f.path);
  renameSync(inputsFile + tmp, inputsFile);
  renameSync(bundle + tmp, bundle);
  // Dated from the start: a source saved during the build makes the bundle stale.
  utimesSync(bundle, started, started);
}

try {
  if (process.argv.includes('--force') || !fresh()) await build();
  process.stdout.write(bundle + '\n');
} catch (e) {
  process.stderr.write(`metaflow: cannot build the agent bundle (${e.message.split('\n')[0]})\n`);
  process.exit(1);
}
