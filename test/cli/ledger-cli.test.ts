/** The ledger end to end through the CLI: commit, proofs for one person, export, verify, tamper, witness. */
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';

const dir = tmpDir();
const db = join(dir, 'store', 'consentry.db');
const files = join(dir, 'files');
const vkey = join(dir, 'store', 'ledger-signing.vkey');
const T1 = ['--from', 'emmas-diary', '--to', 'experian-marketing', '--on-behalf-of', 'labour-party', '--purpose', 'political-campaign', '--fields', 'name,address,postcode,mother_dob,child_dob', '--channel', 'post', '--at', '2017-05-05'];
let transferId = '';
let firstEmail = '';

async function cli(args: string[], code = 0): Promise<string> {
  const r = await runCli([...args, '--db', db]);
  assert.equal(r.code, code, `consentry ${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

describe('ledger through the CLI', () => {
  before(async () => {
    await cli(['demo', '--records', '1500', '--out', files]);
    const commit = JSON.parse(await cli(['transfer', 'commit', ...T1, join(files, 'registrants.csv'), '--json'], 4)) as { transfer: { id: string; created: boolean } };
    transferId = commit.transfer.id;
    assert.ok(commit.transfer.created);
    firstEmail = readFileSync(join(files, 'registrants.csv'), 'utf8').split('\n').map((l) => l.split(',')[1]!).find((e) => e.includes('@'))!;
  });

  it('commits a transfer once: the same commit again is recognised, not repeated', async () => {
    const again = JSON.parse(await cli(['transfer', 'commit', ...T1, join(files, 'registrants.csv'), '--json'], 4)) as { transfer: { id: string; created: boolean } };
    assert.equal(again.transfer.id, transferId);
    assert.equal(again.transfer.created, false);
    const list = JSON.parse(await cli(['transfer', 'list', '--json'])) as { id: string; requested: number; allowed: number }[];
    // The demo's replay committed T1 (at 09:00 on the day) and the 2026 transfer; this one is T1 at midnight.
    assert.equal(list.length, 3);
    assert.deepEqual(list.filter((t) => t.id === transferId).map((t) => [t.requested, t.allowed]), [[1500, 0]]);
  });

  it("proves to one person that their record was in T1 and was not allowed, checked offline with the public key", async () => {
    const proofFile = join(dir, 'proof.json');
    writeFileSync(proofFile, await cli(['ledger', 'proof', '--transfer', transferId, '--email', firstEmail.toUpperCase()]));
    const proof = JSON.parse(readFileSync(proofFile, 'utf8')) as { requested: { included: boolean }; allowed: { included: boolean }; leaf: { entry: string } };
    assert.equal(proof.requested.included, true);
    assert.equal(proof.allowed.included, false);
    // The proof reveals the person's own key and the transfer, never another person's identifiers.
    assert.doesNotMatch(readFileSync(proofFile, 'utf8'), /@example\./);
    const r = await runCli(['ledger', 'verify-proof', proofFile, '--public-key', vkey, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { ok: true, signed: true, requested: true, allowed: false });
    // One changed character in the audit path: the proof no longer verifies (exit 5).
    const bad = readFileSync(proofFile, 'utf8').replace(/"path": \[\n\s+"([0-9a-f])/, (m, c: string) => m.slice(0, -1) + (c === '0' ? '1' : '0'));
    writeFileSync(join(dir, 'bad-proof.json'), bad);
    const failed = await runCli(['ledger', 'verify-proof', join(dir, 'bad-proof.json'), '--public-key', vkey]);
    assert.equal(failed.code, 5, failed.stdout);
    assert.match(failed.stdout, /FAILED/);
  });

  it('proves absence for a person who was not in the transfer', async () => {
    const proofFile = join(dir, 'absent.json');
    writeFileSync(proofFile, await cli(['ledger', 'proof', '--transfer', transferId, '--email', 'someone.else@example.net']));
    const r = await runCli(['ledger', 'verify-proof', proofFile, '--public-key', vkey, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { ok: true, signed: true, requested: false, allowed: false });
  });

  it('exports and verifies offline; a different key fails', async () => {
    const exp = join(dir, 'ledger.ndjson');
    await cli(['ledger', 'export', exp]);
    const ok = await runCli(['ledger', 'verify', exp, '--public-key', vkey, '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    const v = JSON.parse(ok.stdout) as { ok: boolean; treeSize: number };
    assert.ok(v.ok);
    assert.ok(v.treeSize > 3000, 'every consent event, organisation, notice, agreement and the transfer are leaves');
    await runCli(['ledger', 'witness-key', join(dir, 'other'), '--name', 'other.example/log']);
    const wrong = await runCli(['ledger', 'verify', exp, '--public-key', join(dir, 'other', 'ledger-signing.vkey')]);
    assert.equal(wrong.code, 5);
    assert.match(wrong.stdout, /different public key/);
  });

  it('names the first altered leaf when the store is tampered with', async () => {
    const tampered = join(dir, 'tampered.db');
    copyFileSync(db, tampered);
    const raw = new Database(tampered);
    // Leaf 500 is a loaded consent event: the ledger keeps its hash in a run, its data is
    // rebuilt from the event's block.
    assert.equal(raw.prepare('SELECT idx FROM ledger_leaves WHERE idx = 500').get(), undefined);
    assert.equal((raw.prepare('SELECT count(*) AS n FROM ledger_hashed_leaves WHERE first <= 500 AND first + length(hashes) / 32 > 500').get() as { n: number }).n, 1);
    const block = raw.prepare('SELECT first_seq, count, body FROM consent_event_blocks WHERE first_seq <= 500 ORDER BY first_seq DESC LIMIT 1').get() as { first_seq: number; count: number; body: Buffer };
    assert.ok(block.first_seq + block.count > 500);
    // The event's time: the block's first column, after its 8-byte header (src/store/consent-blocks.ts).
    const at = 8 + 8 * (500 - block.first_seq);
    block.body.writeDoubleLE(block.body.readDoubleLE(at) + 1000, at);
    // The store refuses the change; someone with the file can drop the trigger, and verify still sees it.
    const change = raw.prepare('UPDATE consent_event_blocks SET body = ? WHERE first_seq = ?');
    assert.throws(() => change.run(block.body, block.first_seq), /append-only/);
    raw.exec('DROP TRIGGER consent_event_blocks_append_only_u');
    assert.equal(change.run(block.body, block.first_seq).changes, 1);
    raw.close();
    copyFileSync(join(dir, 'store', 'secret.key'), join(dir, 'secret.key'));
    copyFileSync(join(dir, 'store', 'ledger-signing.key'), join(dir, 'ledger-signing.key'));
    copyFileSync(vkey, join(dir, 'ledger-signing.vkey'));
    const r = await runCli(['ledger', 'verify', '--db', tampered]);
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stdout, /leaf 500/);
  });

  it('lets a witness co-sign, and verification can require it', async () => {
    const witness = join(dir, 'ico');
    await cli(['ledger', 'witness-key', witness, '--name', 'ico.example/witness']);
    const before = await runCli(['ledger', 'verify', '--witness', join(witness, 'ledger-signing.vkey'), '--db', db]);
    assert.equal(before.code, 5);
    await cli(['ledger', 'cosign', '--witness-key', witness]);
    const after = await runCli(['ledger', 'verify', '--witness', join(witness, 'ledger-signing.vkey'), '--db', db, '--json']);
    assert.equal(after.code, 0, after.stdout);
    assert.equal((JSON.parse(after.stdout) as { checked: { cosignatures: number } }).checked.cosignatures, 1);
    const status = JSON.parse(await cli(['ledger', 'status', '--json'])) as { latest: { witnesses: string[] } };
    assert.deepEqual(status.latest.witnesses, ['ico.example/witness']);
  });
});
