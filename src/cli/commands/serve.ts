/**
 * `consentry serve`: the HTTP API on 127.0.0.1:8080 unless --host/--port (or CONSENTRY_HOST /
 * CONSENTRY_PORT) say otherwise. SIGTERM or SIGINT: stop taking requests, let those in flight
 * finish, store what was accepted, sign a tree head, close the store.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { App } from '../../app.ts';
import { apiTokenId, hashApiToken, issueApiKey } from '../../api/api-keys.ts';
import { UserError } from '../../errors.ts';
import type { Store } from '../../store/store.ts';
import { withApp } from '../command-kit.ts';
import type { Out } from '../output.ts';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8080;
/** Where the admin key is kept unless --admin-key-file says otherwise: beside the store's other keys. */
export const ADMIN_KEY_FILE = 'admin-api.key';

export interface ServeOptions {
  readonly host?: string | undefined;
  readonly port?: number | undefined;
  readonly adminKeyFile?: string | undefined;
  readonly logLevel?: string | undefined;
  readonly rateLimit?: number | undefined;
}

export function portArg(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('--port must be a whole number from 0 to 65535');
  return n;
}

/** Flags win over the environment, which wins over the defaults. */
export function listenAddress(o: ServeOptions, env: NodeJS.ProcessEnv = process.env): { host: string; port: number } {
  const host = o.host ?? env.CONSENTRY_HOST ?? DEFAULT_HOST;
  let port = o.port;
  if (port === undefined && env.CONSENTRY_PORT !== undefined && env.CONSENTRY_PORT !== '') {
    try {
      port = portArg(env.CONSENTRY_PORT);
    } catch {
      throw new UserError('bad-port', `CONSENTRY_PORT="${env.CONSENTRY_PORT}" is not a port`, [{ where: 'CONSENTRY_PORT', message: 'give a whole number from 0 to 65535' }]);
    }
  }
  return { host, port: port ?? DEFAULT_PORT };
}

/**
 * The admin key lives in a file (mode 0600): created with a new key when missing; when the file
 * exists, its key is registered in this store if it is not yet.
 */
export async function ensureAdminKey(store: Store, file: string): Promise<{ id: string; created: boolean }> {
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    const id = apiTokenId(token);
    if (id === null) throw new UserError('bad-key', `${file} does not hold an API key`, [{ where: file, message: 'remove it to have a new admin key written there' }]);
    const known = await store.findApiKey(hashApiToken(token));
    if (known) {
      if (known.role !== 'admin' || known.revokedAt !== null) throw new UserError('bad-key', `the key in ${file} is not a live admin key`, [{ where: file, message: 'remove it to have a new admin key written there' }]);
      return { id, created: false };
    }
    await store.putApiKey({ id, organisation: null, role: 'admin', label: 'admin key file', createdAt: Date.now(), revokedAt: null }, hashApiToken(token));
    return { id, created: false };
  }
  const issued = await issueApiKey(store, { organisation: null, role: 'admin', label: 'admin key file' });
  writeFileSync(file, `${issued.token}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { id: issued.key.id, created: true };
}

/** Serves until SIGTERM / SIGINT; resolves once everything is stored and the server is closed. */
export async function serveApp(app: App, out: Out, o: ServeOptions): Promise<void> {
  const { host, port } = listenAddress(o);
  const adminFile = o.adminKeyFile ?? join(app.store.keyFolder, ADMIN_KEY_FILE);
  const admin = await ensureAdminKey(app.store, adminFile);
  out.line(admin.created ? `admin key ${admin.id} written to ${adminFile} (mode 0600)` : `admin key ${admin.id} from ${adminFile}`);
  // Loaded only for serving: fastify and its plugins cost every other command start-up time.
  const { buildServer } = await import('../../api/server.ts');
  const server = await buildServer({
    app,
    log: { level: o.logLevel ?? 'info', stream: process.stdout },
    ...(o.rateLimit ? { rateLimit: { max: o.rateLimit, windowMs: 60_000 } } : {}),
  });
  let address: string;
  try {
    address = await server.listen(host, port);
  } catch (err) {
    await server.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL' || code === 'EACCES') {
      throw new UserError('cannot-listen', `cannot listen on ${host}:${port} (${code})`, [{ where: '--host/--port', message: 'choose another address or port, or stop what holds it' }]);
    }
    throw err;
  }
  out.line(`Consentry API listening on ${address} (web app: ${address}/, OpenAPI: ${address}/openapi.json, docs: ${address}/docs)`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      server.fastify.log.info({ signal }, 'shutting down');
      void server.close().then(resolve, (err: unknown) => {
        server.fastify.log.error({ err }, 'shutdown failed');
        resolve();
      });
    };
    const onTerm = (): void => stop('SIGTERM');
    const onInt = (): void => stop('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
  });
  out.line('Consentry API stopped');
}

export function addServeOptions(c: Command): Command {
  return c
    .option('--host <host>', `address to listen on (default ${DEFAULT_HOST}, or $CONSENTRY_HOST)`)
    .option('--port <port>', `port (default ${DEFAULT_PORT}, or $CONSENTRY_PORT; 0 picks a free one)`, portArg)
    .option('--admin-key-file <file>', `admin API key file: created (mode 0600) with a new key when missing (default: ${ADMIN_KEY_FILE} in the store folder)`)
    .option('--log-level <level>', 'fatal | error | warn | info | debug', 'info')
    .option('--rate-limit <n>', 'requests per caller per minute', (raw: string) => {
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('--rate-limit must be a whole number from 1');
      return n;
    });
}

export function registerServe(program: Command): void {
  addServeOptions(program.command('serve').description('run the HTTP API (OpenAPI at /openapi.json, docs at /docs) until SIGTERM')).action(
    async (o: ServeOptions, cmd: Command) => {
      process.exitCode = await withApp(cmd, async (app, out) => serveApp(app, out, o));
    },
  );
}
