import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import {
  SubjectCommitment,
  isSortedUnique,
  sortSubjectKeys,
  subjectKeysRoot,
  verifySubjectInclusion,
  verifySubjectNonInclusion,
} from '../../src/ledger/subject-commitment.ts';
import { emptyRoot, leafHash, rootOfLeafHashes } from '../../src/ledger/merkle.ts';

function keysOf(list: Buffer[]): Uint8Array {
  return new Uint8Array(Buffer.concat(list));
}

function referenceSort(keys: Uint8Array): Buffer[] {
  const list: Buffer[] = [];
  for (let i = 0; i < keys.length; i += 32) list.push(Buffer.from(keys.subarray(i, i + 32)));
  list.sort(Buffer.compare);
  return list.filter((k, i) => i === 0 || !k.equals(list[i - 1]));
}

test('sortSubjectKeys sorts bytewise and removes duplicates, incl. keys sharing long prefixes', () => {
  const base = randomBytes(32 * 5000);
  // Force equal 4-byte prefixes and exact duplicates.
  for (let i = 0; i < 300; i++) base.copy(base, 32 * (i + 1000), 32 * i, 32 * i + 4 + (i % 29));
  base.copy(base, 32 * 4000, 0, 32 * 50);
  const sorted = sortSubjectKeys(base);
  assert.deepEqual(Buffer.from(sorted), Buffer.concat(referenceSort(base)));
  assert.ok(isSortedUnique(sorted));
  assert.ok(sorted.length < base.length);
  // Unaligned input (a slice of a pooled buffer) gives the same result.
  const unaligned = Buffer.concat([Buffer.alloc(1), base]).subarray(1);
  assert.deepEqual(Buffer.from(sortSubjectKeys(unaligned)), Buffer.from(sorted));
  assert.throws(() => sortSubjectKeys(new Uint8Array(33)), RangeError);
  assert.equal(sortSubjectKeys(new Uint8Array(0)).length, 0);
});

test('property: sorting matches Buffer.compare on random key sets', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 60 }), fc.nat(3), (list, prefixBytes) => {
      // Share the first bytes to exercise the tie-breaking path.
      const bufs = list.map((k) => Buffer.from(k));
      for (const b of bufs) b.fill(7, 0, prefixBytes);
      const keys = keysOf(bufs);
      return Buffer.from(sortSubjectKeys(keys)).equals(Buffer.concat(referenceSort(keys)));
    }),
    { numRuns: 200 },
  );
});

test('the root is the RFC 9162 root over the sorted keys as leaf data', () => {
  const keys = randomBytes(32 * 1001);
  const sorted = sortSubjectKeys(keys);
  const hashes = Buffer.concat(referenceSort(keys).map((k) => leafHash(k)));
  const expected = rootOfLeafHashes(new Uint8Array(hashes));
  assert.deepEqual(subjectKeysRoot(sorted), expected);
  assert.deepEqual(SubjectCommitment.fromKeys(keys).root(), expected);
  assert.deepEqual(subjectKeysRoot(new Uint8Array(0)), emptyRoot());
});

test('inclusion and non-inclusion proofs verify without other keys, and fail when tampered', () => {
  const present = randomBytes(32 * 257);
  present.fill(0, 0, 32); // the smallest possible key is present
  const c = SubjectCommitment.fromKeys(present);
  const root = c.root();
  for (let i = 0; i < c.size; i += 17) {
    const key = c.keys.subarray(i * 32, i * 32 + 32);
    const proof = c.inclusionProof(key);
    assert.ok(proof !== null && verifySubjectInclusion(proof, root));
    assert.equal(c.nonInclusionProof(key), null);
  }
  const absent = [randomBytes(32), Buffer.alloc(32, 0xff), Buffer.concat([Buffer.alloc(31), Buffer.from([1])])];
  for (const key of absent) {
    assert.equal(c.inclusionProof(key), null);
    const proof = c.nonInclusionProof(key);
    assert.ok(proof !== null && verifySubjectNonInclusion(proof, root), key.toString('hex'));
    // A present key cannot be passed off as absent with the same neighbours.
    if (proof.left !== null) {
      assert.ok(!verifySubjectNonInclusion({ ...proof, key: proof.left.key }, root));
    }
    // Neighbours that are not adjacent leaves do not prove absence.
    if (proof.left !== null && proof.left.index > 0) {
      const further = c.inclusionProof(c.keys.subarray((proof.left.index - 1) * 32, proof.left.index * 32));
      assert.ok(further !== null && !verifySubjectNonInclusion({ ...proof, left: further }, root));
    }
    assert.ok(!verifySubjectNonInclusion(proof, emptyRoot()));
  }
  // Edge: a key larger than every key is proven by the last leaf alone.
  const last = c.nonInclusionProof(Buffer.alloc(32, 0xff));
  assert.ok(last !== null && last.right === null && last.left?.index === c.size - 1);
  assert.ok(!verifySubjectNonInclusion({ ...last, left: { ...last.left, index: 0 } }, root));
  // Empty commitment.
  const empty = SubjectCommitment.fromKeys(new Uint8Array(0));
  const none = empty.nonInclusionProof(randomBytes(32));
  assert.ok(none !== null && verifySubjectNonInclusion(none, empty.root()));
});

