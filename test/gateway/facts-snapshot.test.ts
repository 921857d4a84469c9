import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ConsentEvent, TransferRequest } from '../../src/domain/types.ts';
import { readSnapshot, snapshotPathOf } from '../../src/gateway/facts-snapshot.ts';
import { factsSource, loadFacts, storeStamp, subjectOrdinalsFor } from '../../src/gateway/load-facts.ts';
import { decide } from '../../src/policy/decision.ts';
import type { FactsBuilder } from '../../src/policy/facts.ts';
import { loadBuiltinPack } from '../../src/policy/pack-loader.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { BROKER, CLUB, consent, key, notice } from '../helpers/fixtures.ts';
import { tmpDir } from '../helpers/tmp.ts';

const dir = tmpDir();
let stores = 0;
const pack = loadBuiltinPack('uk');

/** A store with varied consent history: statuses, recipients, expiry, notices, an objection. */
async function makeStore(subjects = 300): Promise<{ store: SqliteStore; keys: Uint8Array[] }> {
  const store = SqliteStore.open(join(dir, `s${stores++}.db`), dir);
  await store.putOrganisation(CLUB);
  await store.putOrganisation(BROKER);
  const n1 = notice({ recipients: ['broker'], purposes: ['service-provision', 'marketing', 'political-campaign'] });
  await store.putNotice(n1);
  const keys: Uint8Array[] = [];
  const events: ConsentEvent[] = [];
  for (let i = 0; i < subjects; i++) {
    const k = key();
    keys.push(k);
    events.push(
      consent(k, {
        id: `e${i}`,
        notice: i % 7 === 0 ? null : n1.hash,
        purposes: i % 3 === 0 ? ['marketing', 'political-campaign'] : ['marketing'],
        recipients: i % 2 === 0 ? ['broker'] : [],
        status: i % 11 === 0 ? 'ConsentRefused' : 'ConsentGiven',
        expiresAt: i % 13 === 0 ? Date.UTC(2017, 0, 1) : null,
        method: i % 5 === 0 ? null : 'web-form',
        consentType: i % 4 === 0 ? 'explicit' : 'expressed',
        at: Date.UTC(2016, 0, 1) + i * 1000,
      }),
    );
    if (i % 9 === 0) events.push(consent(k, { id: `w${i}`, notice: n1.hash, status: 'ConsentWithdrawn', at: Date.UTC(2016, 6, 1) + i }));
  }
  await store.appendConsentEvents(events);
  await store.appendObjection({ id: 'o1', controller: 'club', subject: keys[1]!, scope: 'direct-marketing', source: 'request', at: Date.UTC(2016, 3, 1) });
  return { store, keys };
}

function concat(keys: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(keys.length * 32);
  keys.forEach((k, i) => out.set(k, i * 32));
  return out;
}

const request = (purpose: TransferRequest['purpose']): TransferRequest => ({
  from: 'club',
  to: 'broker',
  onBehalfOf: null,
  purpose,
  channel: 'post',
  fields: ['name', 'address'],
  at: Date.UTC(2018, 0, 1),
  basis: 'consent',
  tpsScreened: false,
});

/** Everything a decision reads, in comparable form. */
function picture(f: FactsBuilder): unknown {
  const rows = Array.from({ length: f.consentCount }, (_, i) => f.consentRow(i));
  const objections = Array.from({ length: f.objectionCount }, (_, i) => f.objectionRow(i));
  return { subjects: f.subjectCount, rows, objections, orgs: [...f.organisations.keys()], notices: [...f.notices.keys()], agreements: f.agreements };
}

async function decisions(store: SqliteStore, facts: FactsBuilder, keys: Uint8Array[]): Promise<unknown[]> {
  const all = concat([...keys, key()]); // plus one person the store does not know
  const ordinals = await subjectOrdinalsFor(store, facts, all);
  const flags = new Uint8Array(ordinals.length);
  return (['marketing', 'political-campaign'] as const).map((p) => {
    const d = decide(request(p), { ordinals, flags }, facts, pack);
    return { allowed: d.allowed, mask: Array.from(d.allowedMask), reasons: d.reasons, warnings: d.warnings, r0: d.recordReasons(0), ordinals: Array.from(ordinals) };
  });
}

describe('facts snapshot', () => {
  it('is written on the first load, used on the next, and gives the same facts and decisions', async () => {
    const { store, keys } = await makeStore();
    const path = snapshotPathOf(store.description)!;
    assert.equal(path, `${join(dir, `s${stores - 1}.db`)}.facts`);
    const fresh = await loadFacts(store);
    assert.equal(factsSource(fresh), 'store');
    assert.ok(existsSync(path));
    const again = await loadFacts(store);
    assert.equal(factsSource(again), 'snapshot');
    const without = await loadFacts(store, { snapshot: false });
    assert.equal(factsSource(without), 'store');
    assert.deepEqual(picture(again), picture(without));
    assert.deepEqual(await decisions(store, again, keys), await decisions(store, without, keys));
    assert.deepEqual(await subjectOrdinalsFor(store, again, concat(keys)), await store.subjectOrdinals(concat(keys)));
    // No plaintext identifiers: only keys, and those are the store's own.
    const snap = readSnapshot(path, await storeStamp(store))!;
    assert.equal(snap.keyTable.keys.length, keys.length * 32);
    assert.deepEqual([...snap.keyTable.ordinals].sort((a, b) => a - b), keys.map((_, i) => i));
    await store.close();
  });

  it('is rebuilt after a write, and facts loaded before the write stop using their keys', async () => {
    const { store, keys } = await makeStore(50);
    const path = snapshotPathOf(store.description)!;
    const before = await loadFacts(store);
    const stampBefore = await storeStamp(store);
    const newcomer = key();
    await store.appendConsentEvents([consent(newcomer, { id: 'late', notice: null, purposes: ['marketing'] })]);
    assert.equal(readSnapshot(path, await storeStamp(store)), null, 'the old snapshot does not match the new state');
    // Facts loaded before the write fall back to the store for ordinals (the newcomer is known).
    const ords = await subjectOrdinalsFor(store, before, concat([newcomer]));
    assert.equal(ords[0], 50);
    const after = await loadFacts(store);
    assert.equal(factsSource(after), 'store');
    assert.notEqual((await storeStamp(store)).ledgerSize, stampBefore.ledgerSize);
    assert.equal(factsSource(await loadFacts(store)), 'snapshot');
    const without = await loadFacts(store, { snapshot: false });
    assert.deepEqual(picture(after), picture(without));
    assert.deepEqual(await decisions(store, after, [...keys, newcomer]), await decisions(store, without, [...keys, newcomer]));
    await store.close();
  });

  it('ignores a damaged, truncated or foreign snapshot and rewrites it', async () => {
    const { store, keys } = await makeStore(80);
    const path = snapshotPathOf(store.description)!;
    await loadFacts(store);
    const good = readFileSync(path);
    const reference = picture(await loadFacts(store, { snapshot: false }));

    const damaged = Buffer.from(good);
    damaged[damaged.length - 5] ^= 0xff;
    writeFileSync(path, damaged);
    const f1 = await loadFacts(store);
    assert.equal(factsSource(f1), 'store');
    assert.deepEqual(picture(f1), reference);
    assert.deepEqual(readFileSync(path), good, 'rewritten as it was');

    writeFileSync(path, good.subarray(0, Math.floor(good.length / 2)));
    assert.equal(factsSource(await loadFacts(store)), 'store');
    writeFileSync(path, 'not a snapshot at all');
    assert.equal(factsSource(await loadFacts(store)), 'store');

    // Another store with the same number of leaves: its snapshot names another ledger root.
    const other = await makeStore(80);
    const otherPath = snapshotPathOf(other.store.description)!;
    await loadFacts(other.store);
    assert.equal((await storeStamp(other.store)).ledgerSize, (await storeStamp(store)).ledgerSize);
    copyFileSync(otherPath, path);
    const f2 = await loadFacts(store);
    assert.equal(factsSource(f2), 'store');
    assert.deepEqual(picture(f2), reference);
    assert.deepEqual(await decisions(store, f2, keys), await decisions(store, await loadFacts(store, { snapshot: false }), keys));
    await other.store.close();
    await store.close();
  });

  it('changes nothing when deleted', async () => {
    const { store, keys } = await makeStore(60);
    const path = snapshotPathOf(store.description)!;
    const a = await loadFacts(store);
    const withSnap = await loadFacts(store);
    rmSync(path);
    const b = await loadFacts(store);
    assert.equal(factsSource(b), 'store');
    assert.ok(statSync(path).size > 0);
    assert.deepEqual(picture(withSnap), picture(a));
    assert.deepEqual(picture(b), picture(a));
    assert.deepEqual(await decisions(store, withSnap, keys), await decisions(store, b, keys));
    await store.close();
  });

  it('is not kept for a store that is not a file', () => {
    assert.equal(snapshotPathOf('sqlite::memory:'), null);
    assert.equal(snapshotPathOf('postgres://u@h/db'), null);
  });

  it('is kept in the key folder for a PostgreSQL store, one file per database and schema', () => {
    const a = snapshotPathOf('postgres:postgres://u@h/db?schema=a', '/srv/consentry');
    const b = snapshotPathOf('postgres:postgres://u@h/db?schema=b', '/srv/consentry');
    assert.match(a!, /^\/srv\/consentry\/postgres-[0-9a-f]{16}\.facts$/);
    assert.notEqual(a, b);
    assert.equal(snapshotPathOf('postgres:postgres://u@h/db', 'relative/folder'), null);
    assert.equal(snapshotPathOf('postgres:postgres://u@h/db'), null);
  });
});
