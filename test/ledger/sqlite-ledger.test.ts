import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SqliteLedger } from '../../src/ledger/sqlite-ledger.ts';
import { leafData } from '../../src/ledger/ledger-entry.ts';
import { MerkleLevels, leafHash, verifyConsistency, verifyInclusion } from '../../src/ledger/merkle.ts';
import { cosignatureLine, verifyCheckpoint } from '../../src/ledger/checkpoint.ts';
import { SIG_TYPE_COSIGNATURE_V1, generateSigningKey, verifierKeyOf } from '../../src/ledger/signing-key.ts';
import { buildInclusionProof, verifyInclusionProof } from '../../src/ledger/inclusion-proof.ts';
import { ORIGIN, entries, fixture } from './fixtures/ledger-fixture.ts';

function reference(count: number): MerkleLevels {
  const hashes = new Uint8Array(count * 32);
  entries(0, count).forEach((e, i) => hashes.set(leafHash(leafData(e)), i * 32));
  return new MerkleLevels(hashes);
}

test('appends in batches give RFC 9162 roots; every inclusion and consistency proof verifies', async () => {
  const f = fixture();
  try {
    const sizes: number[] = [];
    let n = 0;
    for (const batch of [1, 2, 13, 1, 64, 100, 3, 77]) {
      const r = await f.ledger.appendMany(entries(n, batch));
      assert.equal(r.first, n);
      assert.equal(r.count, batch);
      n += batch;
      sizes.push(n);
    }
    const ref = reference(n);
    assert.equal(await f.ledger.size(), n);
    assert.deepEqual(Buffer.from(await f.ledger.root()), Buffer.from(ref.root()));
    for (const size of sizes) {
      const root = ref.root(size);
      for (let i = 0; i < size; i += size > 50 ? 7 : 1) {
        const proof = await f.ledger.inclusionProof(i, size);
        assert.ok(verifyInclusion(ref.read(0, i), i, size, proof, root), `leaf ${i} in ${size}`);
      }
      for (const m of sizes.filter((s) => s <= size)) {
        assert.ok(verifyConsistency(m, size, ref.root(m), root, await f.ledger.consistencyProof(m, size)), `${m}->${size}`);
      }
    }
    const leaf = await f.ledger.leaf(5);
    assert.deepEqual(Buffer.from(leaf.data), Buffer.from(leafData(entries(5, 1)[0])));
    await assert.rejects(f.ledger.inclusionProof(0, n + 1), RangeError);
    await assert.rejects(f.ledger.leaf(n), RangeError);
  } finally {
    f.close();
  }
});

test('a batch with one bad entry writes nothing; single appends continue the same tree', async () => {
  const f = fixture();
  try {
    await f.ledger.appendMany(entries(0, 10));
    const bad = [...entries(10, 5), { kind: 'consent', at: Number.NaN }];
    await assert.rejects(f.ledger.appendMany(bad), /epoch ms/);
    assert.equal(await f.ledger.size(), 10);
    for (const e of entries(10, 7)) await f.ledger.append(e);
    // A second instance over the same database sees and extends the same tree.
    const other = new SqliteLedger(f.db, { origin: ORIGIN });
    await other.appendMany(entries(17, 3));
    assert.deepEqual(Buffer.from(await f.ledger.root()), Buffer.from(reference(20).root()));
    f.reopen();
    assert.equal(await f.ledger.size(), 20);
    assert.deepEqual(Buffer.from(await f.ledger.root()), Buffer.from(reference(20).root()));
  } finally {
    f.close();
  }
});

test('stored history cannot be updated or deleted through SQL', async () => {
  const f = fixture();
  try {
    await f.ledger.appendMany(entries(0, 3));
    f.ledger.appendHashedSync(new Uint8Array(300 * 32).fill(7), 300);
    await f.ledger.signTreeHead(generateSigningKey('consentry.test/log'));
    assert.throws(() => f.db.prepare('UPDATE ledger_leaves SET data = x\'00\' WHERE idx = 1').run(), /append-only/);
    assert.throws(() => f.db.prepare('DELETE FROM ledger_leaves WHERE idx = 2').run(), /append-only/);
    assert.throws(() => f.db.prepare('UPDATE ledger_hashed_leaves SET hashes = x\'00\' WHERE first = 3').run(), /append-only/);
    assert.throws(() => f.db.prepare('DELETE FROM ledger_hashed_leaves WHERE first = 259').run(), /append-only/);
    assert.deepEqual(f.db.prepare('SELECT first, length(hashes) AS n FROM ledger_hashed_leaves ORDER BY first').all(), [{ first: 3, n: 256 * 32 }, { first: 259, n: 44 * 32 }]);
    assert.throws(() => f.db.prepare('DELETE FROM ledger_tree_heads').run(), /append-only/);
  } finally {
    f.close();
  }
});

test('signed tree heads are stored, verify, and collect checked cosignatures', async () => {
  const f = fixture();
  try {
    const key = generateSigningKey('consentry.test/log');
    const witness = generateSigningKey('regulator.test/witness');
    const wkey = verifierKeyOf(witness, SIG_TYPE_COSIGNATURE_V1);
    const empty = await f.ledger.signTreeHead(key, 1000);
    await f.ledger.appendMany(entries(0, 40));
    const head = await f.ledger.signTreeHead(key, 2000);
    assert.equal(head.size, 40);
    const cp = verifyCheckpoint(head.note, verifierKeyOf(key));
    assert.ok(cp.ok && cp.checkpoint.origin === ORIGIN && cp.checkpoint.size === 40);
    await assert.rejects(f.ledger.addCosignature(head.id, cosignatureLine(empty.note, witness), wkey), /rejected/);
    const cosigned = await f.ledger.addCosignature(head.id, cosignatureLine(head.note, witness), wkey);
    assert.deepEqual(cosigned.witnesses, ['regulator.test/witness']);
    const heads = await f.ledger.treeHeads();
    assert.deepEqual(heads.map((h) => [h.size, h.at, h.witnesses.length]), [[0, 1000, 0], [40, 2000, 1]]);
    assert.ok(verifyCheckpoint(heads[1].note, verifierKeyOf(key)).ok);
  } finally {
    f.close();
  }
});

test('standalone inclusion proofs verify offline and fail when any part is altered', async () => {
  const f = fixture();
  try {
    const key = generateSigningKey('consentry.test/log');
    const witness = generateSigningKey('regulator.test/witness');
    await f.ledger.appendMany(entries(0, 20));
    await assert.rejects(buildInclusionProof(f.ledger, 3), /no signed tree head/);
    const head = await f.ledger.signTreeHead(key);
    await f.ledger.addCosignature(head.id, cosignatureLine(head.note, witness), verifierKeyOf(witness, SIG_TYPE_COSIGNATURE_V1));
    await f.ledger.appendMany(entries(20, 30));
    await f.ledger.signTreeHead(key);
    const proof = await buildInclusionProof(f.ledger, 13);
    assert.equal(proof.treeSize, 20, 'the earliest covering head');
    const vkey = verifierKeyOf(key);
    const wkey = verifierKeyOf(witness, SIG_TYPE_COSIGNATURE_V1);
    const ok = verifyInclusionProof(JSON.stringify(proof), vkey, { witnesses: [wkey] });
    assert.deepEqual(ok, { ok: true, checked: { entry: true, path: true, signature: true, cosignatures: 1 } });
    const unsigned = verifyInclusionProof(proof);
    assert.ok(unsigned.ok && !unsigned.checked.signature);
    const later = await buildInclusionProof(f.ledger, 13, { head: (await f.ledger.treeHeads())[1], withEntry: false });
    assert.ok(verifyInclusionProof(later, vkey).ok && later.entry === undefined);
    const altered = [
      { ...proof, index: 12 },
      { ...proof, entry: proof.entry?.replace('"seq":13', '"seq":14') },
      { ...proof, path: [...proof.path].reverse() },
      { ...proof, treeSize: 21 },
      { ...proof, checkpoint: proof.checkpoint.replace('\n20\n', '\n21\n') },
    ];
    for (const bad of altered) assert.equal(verifyInclusionProof(bad, vkey).ok, false, JSON.stringify(bad).slice(0, 80));
    assert.equal(verifyInclusionProof(proof, verifierKeyOf(generateSigningKey('consentry.test/log'))).ok, false);
    assert.equal(verifyInclusionProof('{', vkey).error, 'proof is not JSON');
  } finally {
    f.close();
  }
});
