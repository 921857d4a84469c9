/** Shared plumbing for commands: opening the app from the global flags, output, exit codes. */
import { InvalidArgumentError, type Command } from 'commander';
import { openApp, type App } from '../app.ts';
import { makeOut, type Out } from './output.ts';

export const EXIT = { ok: 0, internal: 1, badInput: 2, someRefused: 3, noneAllowed: 4 } as const;

export interface GlobalFlags {
  db?: string;
  json?: boolean;
}

/** Flags of the command merged with the program's global ones (--db, --json). */
export function flagsOf(cmd: Command): GlobalFlags & Record<string, unknown> {
  return cmd.optsWithGlobals() as GlobalFlags & Record<string, unknown>;
}

/** Opens the store for one command and always closes it. Returns the command's exit code. */
export async function withApp(cmd: Command, fn: (app: App, out: Out) => Promise<number | void>): Promise<number> {
  const flags = flagsOf(cmd);
  const app = await openApp({ db: flags.db });
  try {
    const code = (await fn(app, makeOut(Boolean(flags.json)))) ?? EXIT.ok;
    // Whatever the command appended is covered by a signed tree head before it returns.
    await app.seal();
    return code;
  } finally {
    await app.close();
  }
}

export function intArg(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (raw: string): number => {
    const n = Number(raw.replace(/[_,]/g, ''));
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
}
