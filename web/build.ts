/**
 * Builds the web app into web/dist (`npm run build`). With --if-stale (what `npm start` runs) it
 * builds only when web/dist is missing or older than the app's sources, so a plain restart is quick.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEB_DIR = fileURLToPath(new URL('.', import.meta.url));

/** Newest modification time (ms) of a file or of any file under a folder; 0 when absent. */
function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let max = 0;
  for (const name of readdirSync(path)) max = Math.max(max, newest(join(path, name)));
  return max;
}

/** Whether `dist/index.html` under `webDir` is missing or older than any source of the app. */
export function isStale(webDir: string): boolean {
  const built = newest(join(webDir, 'dist', 'index.html'));
  if (built === 0) return true;
  const sources = Math.max(newest(join(webDir, 'app')), newest(join(webDir, 'index.html')), newest(join(webDir, 'vite.config.ts')));
  return sources > built;
}

async function main(argv: readonly string[]): Promise<void> {
  if (argv.includes('--if-stale') && !isStale(WEB_DIR)) {
    console.log('web app: web/dist is up to date');
    return;
  }
  const { build } = await import('vite');
  await build({ configFile: join(WEB_DIR, 'vite.config.ts'), logLevel: 'warn' });
  console.log('web app: built into web/dist');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`web app: the build failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
