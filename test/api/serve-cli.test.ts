/** `consentry serve`, `consentry start` and `org add` through the real CLI in child processes. */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { listening, runCli, startCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';

const dir = tmpDir('consentry-serve-');

async function stop(child: ChildProcess): Promise<number> {
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  return code ?? -1;
}

describe('consentry serve', () => {
  it('serves until SIGTERM, with an admin key file (mode 0600) that works', async () => {
    const db = join(dir, 'serve', 'consentry.db');
    const adminFile = join(dir, 'admin.key');
    const child = startCli(['serve', '--port', '0', '--admin-key-file', adminFile, '--log-level', 'warn', '--db', db]);
    const { url, output } = await listening(child);
    assert.equal(statSync(adminFile).mode & 0o777, 0o600);
    const admin = readFileSync(adminFile, 'utf8').trim();
    const created = await fetch(`${url}/v1/organisations`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ id: 'club', name: 'Club', kind: 'collector' }) });
    assert.equal(created.status, 201);
    assert.equal(await stop(child), 0, output());
    assert.match(output(), /stopped/);
    assert.doesNotMatch(output(), new RegExp(admin), 'the admin key is never printed');
    // The same file serves again; the key is still accepted.
    const again = startCli(['serve', '--port', '0', '--admin-key-file', adminFile, '--log-level', 'warn', '--db', db]);
    const second = await listening(again);
    const list = await fetch(`${second.url}/v1/organisations`, { headers: { authorization: `Bearer ${admin}` } });
    assert.equal(list.status, 200);
    assert.equal(await stop(again), 0);
  });

  it('takes host and port from the environment', async () => {
    const db = join(dir, 'env', 'consentry.db');
    const child = startCli(['serve', '--log-level', 'warn', '--db', db], { env: { CONSENTRY_HOST: '127.0.0.1', CONSENTRY_PORT: '0' } });
    const { url } = await listening(child);
    assert.equal((await fetch(`${url}/readyz`)).status, 200);
    assert.equal(existsSync(join(dir, 'env', 'admin-api.key')), true, 'default admin key file beside the store');
    const busy = await runCli(['serve', '--log-level', 'warn', '--port', new URL(url).port, '--db', join(dir, 'busy', 'consentry.db')]);
    assert.equal(busy.code, 2, busy.stderr);
    assert.match(busy.stderr, /cannot listen/);
    assert.equal(await stop(child), 0);
    const bad = await runCli(['serve', '--db', db], { env: { CONSENTRY_PORT: 'eighty' } });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /CONSENTRY_PORT/);
  });

  it('stops on SIGTERM after a large NDJSON transfer check (the keying worker does not keep it alive)', async () => {
    const db = join(dir, 'check', 'consentry.db');
    const adminFile = join(dir, 'check-admin.key');
    const child = startCli(['start', '--records', '300', '--port', '0', '--admin-key-file', adminFile, '--log-level', 'warn', '--db', db]);
    const { url, output } = await listening(child);
    const admin = readFileSync(adminFile, 'utf8').trim();
    const issued = await fetch(`${url}/v1/organisations/emmas-diary/api-keys`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ role: 'collector' }) });
    assert.equal(issued.status, 201);
    const { apiKey } = (await issued.json()) as { apiKey: { token: string } };
    // Over 1 MB of lines: the body comes in several batches, which starts the keying worker.
    const body = Array.from({ length: 12_000 }, (_, i) => JSON.stringify({ email: `person.${i}@example.org`, name: `Person ${i}`, address: `${i} Long Road, Leeds` })).join('\n');
    assert.ok(body.length > 1 << 20);
    const query = new URLSearchParams({ from: 'emmas-diary', to: 'experian-marketing', purpose: 'marketing', fields: 'name,address', channel: 'post' });
    const checked = await fetch(`${url}/v1/transfers/check?${query}`, { method: 'POST', headers: { authorization: `Bearer ${apiKey.token}`, 'content-type': 'application/x-ndjson' }, body });
    assert.equal(checked.status, 200, await checked.clone().text());
    assert.equal(((await checked.json()) as { requested: number }).requested, 12_000);
    child.kill('SIGTERM');
    const exited = await Promise.race([once(child, 'exit').then(([code]) => code as number | null), new Promise<'still running'>((r) => setTimeout(() => r('still running'), 20_000).unref())]);
    if (exited === 'still running') child.kill('SIGKILL');
    assert.equal(exited, 0, output());
  });

  it('start loads the reference case, reports, then serves it', async () => {
    const db = join(dir, 'start', 'consentry.db');
    const child = startCli(['start', '--records', '300', '--port', '0', '--log-level', 'warn', '--db', db]);
    const { url, output } = await listening(child);
    assert.match(output(), /reference case loaded/);
    const ready = (await (await fetch(`${url}/readyz`)).json()) as { consentFacts: number };
    assert.ok(ready.consentFacts > 0);
    assert.equal(await stop(child), 0);
  });
});

describe('consentry org add', () => {
  it('prints a new organisation’s API key once, with a role from its kind', async () => {
    const db = join(dir, 'org', 'consentry.db');
    const r = await runCli(['org', 'add', '--id', 'acme', '--name', 'Acme Lists', '--kind', 'broker', '--db', db, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const [res] = JSON.parse(r.stdout) as { id: string; apiKey: { role: string; token: string } }[];
    assert.equal(res!.apiKey.role, 'discloser');
    assert.match(res!.apiKey.token, /^csk_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    const again = await runCli(['org', 'add', '--id', 'acme', '--name', 'Acme Lists', '--kind', 'broker', '--db', db]);
    assert.equal(again.code, 0);
    assert.doesNotMatch(again.stdout, /csk_/);
  });
});
