import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportLedger } from '../../src/ledger/ledger-export.ts';
import { verifyExport } from '../../src/ledger/verify-export.ts';
import { cosignatureLine, signCheckpoint } from '../../src/ledger/checkpoint.ts';
import {
  SIG_TYPE_COSIGNATURE_V1,
  encodeVerifierKey,
  generateSigningKey,
  verifierKeyOf,
  type SigningKey,
} from '../../src/ledger/signing-key.ts';
import { leafHash } from '../../src/ledger/merkle.ts';
import { ORIGIN, entries, fixture, type Fixture } from './fixtures/ledger-fixture.ts';

const LOG = generateSigningKey('consentry.test/log');
const WITNESS = generateSigningKey('regulator.test/witness');
const VKEY = encodeVerifierKey(verifierKeyOf(LOG));
const WKEY = encodeVerifierKey(verifierKeyOf(WITNESS, SIG_TYPE_COSIGNATURE_V1));

/** 100 leaves; signed heads at 0, 30, 64 (cosigned), 90; 10 unsigned leaves after. */
async function build(f: Fixture, key: SigningKey = LOG): Promise<void> {
  await f.ledger.signTreeHead(key, 1);
  await f.ledger.appendMany(entries(0, 30));
  await f.ledger.signTreeHead(key, 2);
  await f.ledger.appendMany(entries(30, 34));
  const h = await f.ledger.signTreeHead(key, 3);
  await f.ledger.addCosignature(h.id, cosignatureLine(h.note, WITNESS, 1_700_000_000), verifierKeyOf(WITNESS, SIG_TYPE_COSIGNATURE_V1));
  await f.ledger.appendMany(entries(64, 26));
  await f.ledger.signTreeHead(key, 4);
  await f.ledger.appendMany(entries(90, 10));
}

async function exported(f: Fixture, name = 'export.ndjson'): Promise<string> {
  const path = join(f.dir, name);
  await exportLedger(f.ledger, path, { publicKey: VKEY, exportedAt: 5 });
  return path;
}

/** Line number (1-based) of leaf i: header, the size-0 head, then leaves with heads after 30, 64, 90. */
function lineOfLeaf(i: number): number {
  return 2 + i + 1 + (i >= 30 ? 1 : 0) + (i >= 64 ? 1 : 0) + (i >= 90 ? 1 : 0);
}

function unlock(f: Fixture): void {
  for (const t of ['ledger_leaves_append_only_u', 'ledger_leaves_append_only_d', 'ledger_tree_heads_append_only_u']) {
    f.db.exec(`DROP TRIGGER ${t}`);
  }
}

test('an untouched export verifies: leaves, roots, signatures, cosignatures, consistency', async () => {
  const f = fixture();
  try {
    await build(f);
    const path = await exported(f);
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 1 + 100 + 4 + 1);
    assert.equal(JSON.parse(lines[0]).format, 'consentry-ledger-export');
    assert.match(lines[lineOfLeaf(7) - 1], /^\{"leaf":7,"hash":"[0-9a-f]{64}","entry":\{"at":/);
    const res = await verifyExport(path, { publicKey: VKEY });
    assert.deepEqual(res, {
      ok: true,
      treeSize: 100,
      trustedKey: true,
      checked: { leaves: 100, treeHeads: 4, signatures: 4, cosignatures: 0, consistencyProofs: 3, unsignedLeaves: 10 },
    });
    // A witness must have co-signed the latest head; only the head at 64 (not the latest) has one.
    const strict = await verifyExport(path, { publicKey: VKEY, witnesses: [WKEY] });
    assert.equal(strict.ok, false);
    assert.match(strict.error?.message ?? '', /latest tree head is not co-signed by every witness given \(regulator.test\/witness\)/);
    const selfChecked = await verifyExport(path);
    assert.ok(selfChecked.ok && !selfChecked.trustedKey);
    const other = encodeVerifierKey(verifierKeyOf(generateSigningKey('consentry.test/log')));
    assert.deepEqual((await verifyExport(path, { publicKey: other })).error, { line: 1, message: 'the export names a different public key than the one given' });
  } finally {
    f.close();
  }
});

test('SQLite tampering: one changed byte of a stored leaf is named', async () => {
  const f = fixture();
  try {
    await build(f);
    unlock(f);
    const row = f.db.prepare('SELECT data FROM ledger_leaves WHERE idx = 42').get() as { data: Buffer };
    row.data[row.data.indexOf('"seq":42') + 6] = '7'.charCodeAt(0);
    f.db.prepare('UPDATE ledger_leaves SET data = ? WHERE idx = 42').run(row.data);
    const res = await verifyExport(await exported(f), { publicKey: VKEY });
    assert.equal(res.ok, false);
    assert.deepEqual(res.error, { leaf: 42, line: lineOfLeaf(42), message: 'leaf 42: entry does not match its hash (altered entry)' });
  } finally {
    f.close();
  }
});

test('SQLite tampering: two reordered leaves are caught, by hash or by the signed root', async () => {
  const f = fixture();
  try {
    await build(f);
    unlock(f);
    const swap = f.db.transaction((a: number, b: number, cols: string) => {
      const ra = f.db.prepare(`SELECT ${cols} FROM ledger_leaves WHERE idx = ?`).get(a) as Record<string, Buffer>;
      const rb = f.db.prepare(`SELECT ${cols} FROM ledger_leaves WHERE idx = ?`).get(b) as Record<string, Buffer>;
      const set = cols.split(', ').map((c) => `${c} = @${c}`).join(', ');
      f.db.prepare(`UPDATE ledger_leaves SET ${set} WHERE idx = @idx`).run({ ...rb, idx: a });
      f.db.prepare(`UPDATE ledger_leaves SET ${set} WHERE idx = @idx`).run({ ...ra, idx: b });
    });
    swap(50, 51, 'data');
    let res = await verifyExport(await exported(f, 'a.ndjson'), { publicKey: VKEY });
    assert.equal(res.error?.leaf, 50);
    swap(50, 51, 'data'); // back
    swap(70, 75, 'data, hash'); // rows moved whole, hashes with them
    res = await verifyExport(await exported(f, 'b.ndjson'), { publicKey: VKEY });
    assert.equal(res.ok, false);
    assert.equal(res.error?.line, lineOfLeaf(89) + 1, 'the tree head at size 90');
    assert.match(res.error?.message ?? '', /signed root at size 90 does not match the leaves: a leaf in 64\.\.89 differs/);
  } finally {
    f.close();
  }
});

test('SQLite tampering: a deleted leaf and a truncated table are named', async () => {
  const f = fixture();
  try {
    await build(f);
    unlock(f);
    f.db.prepare('DELETE FROM ledger_leaves WHERE idx = 17').run();
    let res = await verifyExport(await exported(f, 'a.ndjson'), { publicKey: VKEY });
    assert.deepEqual(res.error, { leaf: 17, line: lineOfLeaf(17), message: 'leaf 17 is missing (found leaf 18)' });
    f.reopen();
    f.db.exec('DROP TRIGGER ledger_leaves_append_only_d');
    f.db.prepare('DELETE FROM ledger_leaves WHERE idx >= 17').run();
    res = await verifyExport(await exported(f, 'b.ndjson'), { publicKey: VKEY });
    assert.equal(res.ok, false);
    assert.equal(res.error?.leaf, 17);
  } finally {
    f.close();
  }
});

test('forged tree heads: a bad signature, and a valid signature over a wrong root', async () => {
  const f = fixture();
  try {
    await build(f);
    unlock(f);
    const head = f.db.prepare('SELECT id, note FROM ledger_tree_heads WHERE size = 30').get() as { id: number; note: string };
    const sigLine = head.note.trimEnd().split('\n').pop() as string;
    const bytes = Buffer.from(sigLine.split(' ')[2], 'base64');
    bytes[20] ^= 0x40;
    const bad = head.note.replace(sigLine, `\u2014 ${LOG.name} ${bytes.toString('base64')}`);
    f.db.prepare('UPDATE ledger_tree_heads SET note = ? WHERE id = ?').run(bad, head.id);
    let res = await verifyExport(await exported(f, 'a.ndjson'), { publicKey: VKEY });
    assert.deepEqual(res.error, { line: lineOfLeaf(29) + 1, message: 'tree head at size 30: bad signature by consentry.test/log' });
    // The log key signs a root that is not the root of these leaves.
    const wrong = signCheckpoint({ origin: ORIGIN, size: 30, root: leafHash(new Uint8Array([9])), extensions: [] }, LOG);
    f.db.prepare('UPDATE ledger_tree_heads SET note = ? WHERE id = ?').run(wrong, head.id);
    res = await verifyExport(await exported(f, 'b.ndjson'), { publicKey: VKEY });
    assert.equal(res.error?.line, lineOfLeaf(29) + 1);
    assert.match(res.error?.message ?? '', /signed root at size 30 does not match the leaves: a leaf in 0\.\.29/);
    // A head signed by another key.
    const stranger = signCheckpoint({ origin: ORIGIN, size: 30, root: leafHash(new Uint8Array([9])), extensions: [] }, generateSigningKey(LOG.name));
    f.db.prepare('UPDATE ledger_tree_heads SET note = ? WHERE id = ?').run(stranger, head.id);
    res = await verifyExport(await exported(f, 'c.ndjson'), { publicKey: VKEY });
    assert.match(res.error?.message ?? '', /no signature by consentry.test\/log/);
  } finally {
    f.close();
  }
});

test('export file tampering: changed byte, reordered lines, deleted line, truncation', async () => {
  const f = fixture();
  try {
    await build(f);
    const path = await exported(f);
    const original = readFileSync(path, 'utf8');
    const lines = original.split('\n');
    const check = async (text: string): Promise<Awaited<ReturnType<typeof verifyExport>>> => {
      writeFileSync(path, text);
      return verifyExport(path, { publicKey: VKEY });
    };
    const l8 = lineOfLeaf(8) - 1;
    const changed = [...lines];
    changed[l8] = changed[l8].replace('"seq":8', '"seq":9');
    assert.deepEqual((await check(changed.join('\n'))).error, { leaf: 8, line: l8 + 1, message: 'leaf 8: entry does not match its hash (altered entry)' });
    const swapped = [...lines];
    [swapped[l8], swapped[l8 + 1]] = [swapped[l8 + 1], swapped[l8]];
    assert.deepEqual((await check(swapped.join('\n'))).error, { leaf: 8, line: l8 + 1, message: 'leaf 8 is missing (found leaf 9)' });
    const dropped = lines.filter((_, i) => i !== l8);
    assert.equal((await check(dropped.join('\n'))).error?.leaf, 8);
    const cut = original.slice(0, original.indexOf('"leaf":60') + 20);
    assert.deepEqual((await check(cut)).error, { leaf: 60, line: lineOfLeaf(60), message: 'file ends inside a line (truncated)' });
    const cleanCut = lines.slice(0, lineOfLeaf(60)).join('\n') + '\n';
    assert.match((await check(cleanCut)).error?.message ?? '', /without its end line \(truncated\)/);
    assert.equal((await check(original)).ok, true);
  } finally {
    f.close();
  }
});
