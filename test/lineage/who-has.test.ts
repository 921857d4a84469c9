import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { TransferRequest } from '../../src/domain/types.ts';
import type { CheckResult } from '../../src/gateway/transfer-check.ts';
import { commitTransfer } from '../../src/gateway/transfer-commit.ts';
import { verifyTransferProof } from '../../src/gateway/transfer-proof.ts';
import { cosignatureLine } from '../../src/ledger/checkpoint.ts';
import { verifyInclusionProof } from '../../src/ledger/inclusion-proof.ts';
import { SIG_TYPE_COSIGNATURE_V1, encodeVerifierKey, generateSigningKey, verifierKeyOf } from '../../src/ledger/signing-key.ts';
import { whoHas } from '../../src/lineage/who-has.ts';
import type { Decision } from '../../src/policy/decision.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../../src/store/store.ts';
import { BROKER, CLUB, consent, key } from '../helpers/fixtures.ts';
import { tmpDir } from '../helpers/tmp.ts';

const dir = tmpDir();

/** Commits a transfer of `keys` (n × 32 bytes) from the club to the broker, every record allowed. */
async function commit(store: Store, keys: Uint8Array, day: number): Promise<string> {
  const n = keys.length / 32;
  const request: TransferRequest = { from: 'club', to: 'broker', onBehalfOf: null, purpose: 'marketing', channel: 'post', fields: ['name'], at: Date.UTC(2024, 0, day), basis: 'consent', tpsScreened: false };
  const decision: Decision = {
    pack: { id: 'uk', version: 'test' },
    request,
    requested: n,
    allowed: n,
    refused: 0,
    allowedMask: new Uint8Array(n).fill(1),
    reasons: {},
    warnings: {},
    findings: [],
    fields: { sent: ['name'], stripped: [] },
    recordReasons: () => [],
    recordReasonKey: () => 0,
  };
  const result: CheckResult = { decision, unidentified: 0, unidentifiedMask: new Uint8Array(n), keys, ordinals: await store.subjectOrdinals(keys) };
  return (await commitTransfer(store, result, request.at)).transfer.id;
}

describe('who-has proofs', () => {
  it('proves every fact under the earliest covering tree head, follows new cosignatures, and leaves later transfers unproven until signed', async () => {
    const store = SqliteStore.open(join(dir, 'who-has.db'), dir);
    try {
      await store.putOrganisation(CLUB);
      await store.putOrganisation(BROKER);
      const me = key();
      const others = Array.from({ length: 40 }, () => key());
      await store.appendConsentEvents([consent(me, { id: 'mine' }), ...others.map((k, i) => consent(k, { id: `c${i}` }))]);
      const first = await commit(store, Buffer.concat([me, ...others]), 1);
      const log = generateSigningKey('consentry.test/who-has');
      const vkey = encodeVerifierKey(verifierKeyOf(log));
      const head = await store.ledger.signTreeHead(log);
      const second = await commit(store, Buffer.concat([me, ...others.slice(0, 10)]), 2);

      const a = await whoHas(store, me);
      assert.deepEqual(a.transfers.map((t) => [t.id, t.proof !== undefined]), [[first, true], [second, false]], 'the second transfer came after the only signed tree head');
      const proof = a.transfers[0]!.proof!;
      assert.equal(verifyTransferProof(proof, vkey).ok, true);
      assert.equal(proof.leaf.treeSize, head.size);
      assert.equal(verifyInclusionProof(a.collectedBy[0]!.consents[0]!.proof, vkey).ok, true);
      // Someone else in the same transfer gets the same proof of its leaf.
      assert.deepEqual((await whoHas(store, others[3]!)).transfers[0]!.proof!.leaf, proof.leaf);

      // A witness cosigns the head: later answers carry the cosigned checkpoint.
      const witness = generateSigningKey('witness.test');
      await store.ledger.addCosignature(head.id, cosignatureLine(head.note, witness, 1_700_000_000), verifierKeyOf(witness, SIG_TYPE_COSIGNATURE_V1));
      await store.ledger.signTreeHead(log);
      const b = await whoHas(store, me);
      assert.deepEqual(b.transfers.map((t) => t.proof !== undefined), [true, true]);
      assert.notEqual(b.transfers[0]!.proof!.leaf.checkpoint, proof.leaf.checkpoint);
      assert.match(b.transfers[0]!.proof!.leaf.checkpoint, /witness\.test/);
      for (const t of b.transfers) assert.equal(verifyTransferProof(t.proof, vkey).ok, true);
      assert.equal(b.transfers[1]!.proof!.leaf.treeSize > head.size, true, 'the later transfer is proven under the later head');
    } finally {
      await store.close();
    }
  });

  // Most refused (reasons kept per ordinal in place) and few refused among many (kept in a
  // table), with and without the engine's reason keys.
  for (const [name, refusedEvery, keyed] of [['most refused, no reason keys', 1, false], ['few refused among thousands, reason keys', 600, true]] as const) {
  it(`keeps each refused person\'s own reasons, for thousands of people, repeated records and people new to the store: ${name}`, async () => {
    const store = SqliteStore.open(join(dir, `who-has-reasons-${refusedEvery}.db`), dir);
    try {
      await store.putOrganisation(CLUB);
      await store.putOrganisation(BROKER);
      const known = Array.from({ length: 3000 }, () => key());
      await store.appendConsentEvents(known.map((k, i) => consent(k, { id: `r${i}` })));
      const stranger = key();
      // Every known person twice (the second record repeats the first's reasons), then someone new.
      const records = [...known, ...known, stranger];
      const n = records.length;
      const lists = [['purpose-not-named'], ['purpose-not-named', 'recipient-not-named'], ['consent-withdrawn'], ['objection', 'purpose-not-named']];
      const reasonsOf = (i: number): string[] => (i === n - 1 ? ['no-consent-record'] : lists[(i % known.length) % lists.length]!);
      const refused = (i: number): boolean => i === n - 1 || ((i % known.length) % 7 !== 0 && (i % known.length) % refusedEvery === refusedEvery - 1);
      const allowedMask = Uint8Array.from({ length: n }, (_, i) => (refused(i) ? 0 : 1));
      const keyOf = (i: number): number => (i === n - 1 ? lists.length : (i % known.length) % lists.length);
      const allowed = allowedMask.reduce((a, b) => a + b, 0);
      const request: TransferRequest = { from: 'club', to: 'broker', onBehalfOf: null, purpose: 'marketing', channel: 'post', fields: ['name'], at: Date.UTC(2024, 0, 5), basis: 'consent', tpsScreened: false };
      const decision: Decision = {
        pack: { id: 'uk', version: 'test' }, request, requested: n, allowed, refused: n - allowed, allowedMask, reasons: {}, warnings: {}, findings: [],
        fields: { sent: ['name'], stripped: [] }, recordReasons: (i) => [...reasonsOf(i)], recordReasonKey: keyed ? keyOf : () => -1,
      };
      const keys = Buffer.concat(records);
      const result: CheckResult = { decision, unidentified: 0, unidentifiedMask: new Uint8Array(n), keys, ordinals: await store.subjectOrdinals(keys) };
      await commitTransfer(store, result, request.at);
      for (const i of [0, 1, 2, 3, 7, 14, 599, 1199, 1234, 2998, 2999, 3599, n - 1]) {
        const t = (await whoHas(store, records[i]!, { proofs: false })).transfers;
        assert.equal(t.length, 1, `record ${i}`);
        assert.deepEqual([t[0]!.decision, t[0]!.reasons], allowedMask[i] ? ['allowed', []] : ['refused', reasonsOf(i)], `record ${i}`);
      }
      assert.equal(allowedMask[599], refusedEvery === 600 ? 0 : allowedMask[599], 'the sparse case refuses some');
    } finally {
      await store.close();
    }
  });
  }
});
