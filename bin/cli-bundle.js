// The CLI runs from a bundle of src/ made with esbuild: a handful of files instead of about two
// hundred TypeScript modules compiled through tsx, which saves about a second on every command.
// A bundle is kept per state of the sources (their paths, sizes and modification times), so an
// edited source gets a new one on the next run. Where none can be built (a read-only folder, a
// syntax error), the caller runs the sources through tsx, which also reports the error well.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BUNDLES = join(ROOT, 'dist', 'cli');

/** The CLI and the modules worker threads start (src/workers/ordered-pool.ts finds them beside it). */
const ENTRIES = {
  main: 'src/cli/main.ts',
  'csv-key-worker': 'src/gateway/csv-key-worker.ts',
  'json-key-worker': 'src/gateway/json-key-worker.ts',
  'case-worker': 'src/demo/case-worker.ts',
  'case-load-worker': 'src/ingest/case-load-worker.ts',
  'load-tail-worker': 'src/ingest/load-tail-worker.ts',
  'key-lookup-helper': 'src/gateway/key-lookup-helper.ts',
};
/** Bundles kept besides the current one, for processes still running from them. */
const KEEP = 3;
/** A half-written bundle this old belongs to a process that died. */
const ABANDONED_MS = 10 * 60_000;

/** A digest of every file under `dir` (path, size, modification time), and of this file. */
export function sourcesKey(dir = join(ROOT, 'src')) {
  const h = createHash('sha256');
  const add = (path) => {
    const s = statSync(path);
    h.update(`${path}\0${s.size}\0${s.mtimeMs}\n`);
  };
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else add(p);
    }
  };
  walk(dir);
  add(fileURLToPath(import.meta.url));
  return h.digest('hex').slice(0, 16);
}

/** The bundled CLI's main module for the sources as they are, built if need be; null if none can be had. */
export async function cliBundle() {
  if (process.env.CONSENTRY_NO_BUNDLE) return null;
  try {
    const dir = join(BUNDLES, sourcesKey());
    const main = join(dir, 'main.mjs');
    if (!existsSync(main)) await build(dir);
    return existsSync(main) ? main : null;
  } catch {
    return null;
  }
}

async function build(dir) {
  const { build } = await import('esbuild');
  mkdirSync(BUNDLES, { recursive: true });
  // Built aside and renamed into place, so no process ever sees half a bundle.
  const tmp = `${dir}.partial-${process.pid}-${Date.now()}`;
  try {
    await build({
      entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, path]) => [name, join(ROOT, path)])),
      outdir: tmp,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      // Separate chunks for what is imported on demand (the PostgreSQL store, the HTTP server).
      splitting: true,
      sourcemap: 'linked',
      logLevel: 'silent',
    });
    try {
      renameSync(tmp, dir);
    } catch (e) {
      if (!existsSync(join(dir, 'main.mjs'))) throw e; // otherwise another process got there first
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  prune(dir);
}

/** Removes all but the newest bundles, and half-written ones left by processes that died. */
function prune(current) {
  try {
    const now = Date.now();
    const dirs = readdirSync(BUNDLES).map((name) => ({ path: join(BUNDLES, name), name, at: statSync(join(BUNDLES, name)).mtimeMs }));
    for (const d of dirs) if (d.name.includes('.partial-') && now - d.at > ABANDONED_MS) rmSync(d.path, { recursive: true, force: true });
    const done = dirs.filter((d) => !d.name.includes('.partial-') && d.path !== current).sort((a, b) => b.at - a.at);
    for (const d of done.slice(KEEP)) rmSync(d.path, { recursive: true, force: true });
  } catch {
    // Another process pruning at the same time: nothing lost.
  }
}
