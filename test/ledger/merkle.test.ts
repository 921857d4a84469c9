import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import {
  MerkleLevels,
  emptyRoot,
  leafHash,
  rootOfLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from '../../src/ledger/merkle.ts';
import { Frontier } from '../../src/ledger/frontier.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

// Test data from the RFC 6962 reference vectors as published in transparency-dev/merkle,
// file proof/verify_test.go (leaves, roots of every prefix, inclusion and consistency proofs).
// Leaf indices there are 1-based; converted to 0-based here.
const RFC_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
const RFC_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const RFC_INCLUSION = [
  { index: 0, size: 1, path: [] },
  {
    index: 0,
    size: 8,
    path: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    path: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { index: 2, size: 3, path: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    index: 1,
    size: 5,
    path: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];
const RFC_CONSISTENCY = [
  { m: 1, n: 1, path: [] },
  {
    m: 1,
    n: 8,
    path: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    m: 6,
    n: 8,
    path: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    m: 2,
    n: 5,
    path: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    m: 6,
    n: 7,
    path: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

function concatHashes(hashes: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(hashes.length * 32);
  hashes.forEach((h, i) => out.set(h, i * 32));
  return out;
}

const rfcLeafHashes = concatHashes(RFC_LEAVES.map((l) => leafHash(unhex(l))));

test('RFC 6962 vectors: roots of every prefix, and the empty tree', () => {
  assert.equal(hex(emptyRoot()), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(hex(rootOfLeafHashes(rfcLeafHashes, 0)), hex(emptyRoot()));
  const tree = new MerkleLevels(rfcLeafHashes);
  RFC_ROOTS.forEach((root, i) => {
    assert.equal(hex(rootOfLeafHashes(rfcLeafHashes, i + 1)), root, `MTH(D[${i + 1}])`);
    assert.equal(hex(tree.root(i + 1)), root, `levels root ${i + 1}`);
  });
});

test('RFC 6962 vectors: inclusion proofs are produced exactly and verify', () => {
  const tree = new MerkleLevels(rfcLeafHashes);
  for (const v of RFC_INCLUSION) {
    const proof = tree.inclusionProof(v.index, v.size);
    assert.deepEqual(proof.map(hex), v.path, `PATH(${v.index}, D[${v.size}])`);
    const leaf = rfcLeafHashes.subarray(v.index * 32, v.index * 32 + 32);
    assert.ok(verifyInclusion(leaf, v.index, v.size, proof, unhex(RFC_ROOTS[v.size - 1])));
    assert.ok(!verifyInclusion(leaf, v.index + 1, v.size, proof, unhex(RFC_ROOTS[v.size - 1])));
  }
});

test('RFC 6962 vectors: consistency proofs are produced exactly and verify', () => {
  const tree = new MerkleLevels(rfcLeafHashes);
  for (const v of RFC_CONSISTENCY) {
    const proof = tree.consistencyProof(v.m, v.n);
    assert.deepEqual(proof.map(hex), v.path, `PROOF(${v.m}, D[${v.n}])`);
    const [rm, rn] = [unhex(RFC_ROOTS[v.m - 1]), unhex(RFC_ROOTS[v.n - 1])];
    assert.ok(verifyConsistency(v.m, v.n, rm, rn, proof));
    if (v.m !== v.n) {
      assert.ok(!verifyConsistency(v.m, v.n, rn, rm, proof), 'swapped roots');
      assert.ok(!verifyConsistency(v.m, v.n, rm, rn, []), 'empty proof');
      assert.ok(!verifyConsistency(v.m, v.n, rm, rn, proof.slice(0, -1)), 'truncated proof');
    }
  }
});

test('trivial consistency cases follow the reference verifier', () => {
  const r1 = unhex(RFC_ROOTS[0]);
  const r2 = unhex(RFC_ROOTS[1]);
  assert.ok(verifyConsistency(0, 0, r1, r1, []));
  assert.ok(verifyConsistency(0, 1, r1, r2, []));
  assert.ok(verifyConsistency(1, 1, r2, r2, []));
  assert.ok(!verifyConsistency(1, 1, r1, r2, []));
  assert.ok(!verifyConsistency(1, 0, r1, r2, []));
  assert.ok(!verifyConsistency(2, 1, r1, r2, []));
  assert.ok(!verifyConsistency(1, 2, r1, r2, []));
  assert.ok(!verifyConsistency(1, 1, r2, r2, [emptyRoot()]));
  assert.ok(!verifyConsistency(0, 1, r2, r2, [emptyRoot()]));
});

// --- A naive reference: a direct transcription of RFC 9162 §2.1 over node:crypto. ---
function refHash(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}
function refSplit(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
function refTree(leaves: Uint8Array[]) {
  const memo = new Map<string, Uint8Array>();
  const mth = (a: number, b: number): Uint8Array => {
    const key = `${a}:${b}`;
    let r = memo.get(key);
    if (r === undefined) {
      if (b - a === 0) r = refHash();
      else if (b - a === 1) r = refHash(Uint8Array.of(0), leaves[a]);
      else {
        const k = refSplit(b - a);
        r = refHash(Uint8Array.of(1), mth(a, a + k), mth(a + k, b));
      }
      memo.set(key, r);
    }
    return r;
  };
  const path = (m: number, a: number, b: number): Uint8Array[] => {
    if (b - a <= 1) return [];
    const k = refSplit(b - a);
    return m < k ? [...path(m, a, a + k), mth(a + k, b)] : [...path(m - k, a + k, b), mth(a, a + k)];
  };
  const subproof = (m: number, a: number, b: number, whole: boolean): Uint8Array[] => {
    if (m === b - a) return whole ? [] : [mth(a, b)];
    const k = refSplit(b - a);
    return m <= k
      ? [...subproof(m, a, a + k, whole), mth(a + k, b)]
      : [...subproof(m - k, a + k, b, false), mth(a, a + k)];
  };
  return { mth, path, proof: (m: number, n: number) => subproof(m, 0, n, true) };
}

test('roots, inclusion and consistency proofs equal the naive reference for sizes 1..300', () => {
  const leaves = Array.from({ length: 300 }, (_, i) => randomBytes(i % 7 === 0 ? 0 : 1 + (i % 50)));
  const ref = refTree(leaves);
  const hashes = concatHashes(leaves.map(leafHash));
  const tree = new MerkleLevels(hashes);
  const frontier = new Frontier();
  for (let n = 1; n <= 300; n++) {
    frontier.append(hashes.subarray((n - 1) * 32, n * 32));
    const root = ref.mth(0, n);
    assert.equal(hex(tree.root(n)), hex(root), `root ${n}`);
    assert.equal(hex(frontier.root()), hex(root), `frontier root ${n}`);
    assert.equal(hex(rootOfLeafHashes(hashes, n)), hex(root), `bottom-up root ${n}`);
    for (const m of [0, 1, n >> 1, n - 1, (n * 7919) % n]) {
      if (m >= n) continue;
      assert.deepEqual(tree.inclusionProof(m, n).map(hex), ref.path(m, 0, n).map(hex), `PATH(${m}, ${n})`);
    }
    for (const m of [1, n >> 1, n - 1, 1 + ((n * 104729) % n)]) {
      if (m < 1 || m >= n) continue;
      assert.deepEqual(tree.consistencyProof(m, n).map(hex), ref.proof(m, n).map(hex), `PROOF(${m}, ${n})`);
    }
  }
});

test('every inclusion and consistency proof verifies for sizes 1..130', () => {
  const hashes = concatHashes(Array.from({ length: 130 }, (_, i) => leafHash(Uint8Array.of(i))));
  const tree = new MerkleLevels(hashes);
  const roots = Array.from({ length: 131 }, (_, n) => tree.root(n));
  for (let n = 1; n <= 130; n++) {
    for (let i = 0; i < n; i++) {
      const leaf = hashes.subarray(i * 32, i * 32 + 32);
      assert.ok(verifyInclusion(leaf, i, n, tree.inclusionProof(i, n), roots[n]), `incl ${i}/${n}`);
    }
    for (let m = 0; m <= n; m++) {
      assert.ok(verifyConsistency(m, n, roots[m], roots[n], tree.consistencyProof(m, n)), `cons ${m}/${n}`);
    }
  }
});

function flip(b: Uint8Array, bit: number): Uint8Array {
  const c = b.slice();
  c[bit >> 3] ^= 1 << (bit & 7);
  return c;
}

test('property: any flipped bit in a leaf, proof node or root breaks an inclusion proof', () => {
  const hashes = concatHashes(Array.from({ length: 257 }, () => leafHash(randomBytes(16))));
  const tree = new MerkleLevels(hashes);
  fc.assert(
    fc.property(fc.integer({ min: 2, max: 257 }), fc.nat(), fc.nat(), fc.nat(255), (n, i0, target, bit) => {
      const i = i0 % n;
      const root = tree.root(n);
      const leaf = hashes.subarray(i * 32, i * 32 + 32);
      const proof = tree.inclusionProof(i, n);
      if (!verifyInclusion(leaf, i, n, proof, root)) return false;
      const t = target % (proof.length + 2);
      if (t === proof.length) return !verifyInclusion(flip(leaf, bit), i, n, proof, root);
      if (t === proof.length + 1) return !verifyInclusion(leaf, i, n, proof, flip(root, bit));
      const bad = proof.slice();
      bad[t] = flip(bad[t], bit);
      return !verifyInclusion(leaf, i, n, bad, root);
    }),
    { numRuns: 500 },
  );
});

test('property: any flipped bit, wrong size or reordered node breaks a consistency proof', () => {
  const hashes = concatHashes(Array.from({ length: 300 }, () => leafHash(randomBytes(8))));
  const tree = new MerkleLevels(hashes);
  fc.assert(
    fc.property(fc.integer({ min: 2, max: 300 }), fc.nat(), fc.nat(), fc.nat(255), (n, m0, target, bit) => {
      const m = 1 + (m0 % (n - 1));
      const [rm, rn] = [tree.root(m), tree.root(n)];
      const proof = tree.consistencyProof(m, n);
      if (!verifyConsistency(m, n, rm, rn, proof)) return false;
      // Sizes with another tree height cannot match the path. (n + 1 may: the roots, not the
      // proof, bind the size; that is what the signed tree head is for.)
      if (verifyConsistency(m, n * 2, rm, rn, proof) || verifyConsistency(m, Math.floor(n / 2), rm, rn, proof)) return false;
      if (proof.length > 1 && verifyConsistency(m, n, rm, rn, [proof[1], proof[0], ...proof.slice(2)])) return false;
      const t = target % (proof.length + 2);
      if (t === proof.length) return !verifyConsistency(m, n, flip(rm, bit), rn, proof);
      if (t === proof.length + 1) return !verifyConsistency(m, n, rm, flip(rn, bit), proof);
      const bad = proof.slice();
      bad[t] = flip(bad[t], bit);
      return !verifyConsistency(m, n, rm, rn, bad);
    }),
    { numRuns: 500 },
  );
});

test('frontier reports every completed subtree and round-trips through bytes', () => {
  const hashes = concatHashes(Array.from({ length: 100 }, (_, i) => leafHash(Uint8Array.of(i, 1))));
  const tree = new MerkleLevels(hashes);
  const seen: string[] = [];
  const f = new Frontier();
  f.appendMany(hashes.subarray(0, 60 * 32), 60, (level, index, h) => {
    assert.equal(hex(h), hex(tree.read(level, index)), `node ${level}/${index}`);
    seen.push(`${level}/${index}`);
  });
  assert.equal(seen.length, 60 - 4); // n leaves make n - popcount(n) interior perfect nodes
  const copy = Frontier.fromBytes(f.size, f.toBytes());
  copy.appendMany(hashes.subarray(60 * 32), 40);
  assert.equal(hex(copy.root()), hex(tree.root()));
  assert.throws(() => new Frontier(3, [hashes.subarray(0, 32)]), RangeError);
  assert.equal(hex(new Frontier().root()), hex(emptyRoot()));
});

test('root computation never writes into the caller\'s buffer, Buffer views included', () => {
  const data = randomBytes(32 * 9);
  const before = Buffer.from(data);
  rootOfLeafHashes(data);
  const f = new Frontier();
  f.appendMany(data, 9);
  assert.deepEqual(data, before);
});

test('appending a batch gives the same frontier and the same completed subtrees as appending leaf by leaf', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 300 }), fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 6 }), (start, batches) => {
      const total = start + batches.reduce((a, b) => a + b, 0);
      const hashes = concatHashes(Array.from({ length: total }, (_, i) => leafHash(Uint8Array.of(i & 255, i >> 8, 7))));
      const one = new Frontier();
      const many = new Frontier();
      const nodesOne = new Map<string, string>();
      const nodesMany = new Map<string, string>();
      for (let i = 0; i < start; i++) one.append(hashes.subarray(i * 32, i * 32 + 32));
      many.appendMany(hashes.subarray(0, start * 32), start);
      let at = start;
      for (const b of batches) {
        for (let i = at; i < at + b; i++) one.append(hashes.subarray(i * 32, i * 32 + 32), (l, x, h) => nodesOne.set(`${l}/${x}`, hex(h)));
        many.appendMany(hashes.subarray(at * 32, (at + b) * 32), b, (l, x, h) => nodesMany.set(`${l}/${x}`, hex(h)));
        at += b;
        assert.equal(many.size, one.size);
        assert.equal(hex(many.toBytes()), hex(one.toBytes()));
      }
      assert.deepEqual(new Map([...nodesMany].sort()), new Map([...nodesOne].sort()));
      assert.equal(hex(many.root()), hex(new MerkleLevels(hashes.subarray(0, total * 32)).root()));
    }),
    { numRuns: 200 },
  );
});
