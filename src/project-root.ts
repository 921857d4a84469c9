/**
 * The folder of Consentry's package.json: where the shipped packs and the built web app are.
 * Found by walking up from this module, so it holds both for the sources under src/ and for the
 * CLI's bundle under dist/ (bin/cli-bundle.js), whose modules sit at another depth.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function rootAbove(file: string): string {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'packs'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no Consentry package.json above ${file}`);
  }
}

export const PROJECT_ROOT = rootAbove(fileURLToPath(import.meta.url));

/** A path inside the project folder. */
export const projectPath = (...parts: string[]): string => join(PROJECT_ROOT, ...parts);
