import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { canonicalJson } from '../../src/domain/canonical-json.ts';
import { COLLECTION_METHODS, CONSENT_STATUSES, CONSENT_TYPES, type ConsentEvent } from '../../src/domain/types.ts';
import { consentEntry, consentLeafEntry, consentLeafJson } from '../../src/ledger/entries.ts';
import { leafData } from '../../src/ledger/ledger-entry.ts';

const event: fc.Arbitrary<ConsentEvent> = fc.record({
  id: fc.string({ minLength: 1 }),
  controller: fc.string({ minLength: 1 }),
  subject: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  purposes: fc.array(fc.string(), { maxLength: 3 }),
  recipients: fc.array(fc.string(), { maxLength: 3 }),
  status: fc.constantFrom(...CONSENT_STATUSES),
  notice: fc.option(fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex')), { nil: null }),
  at: fc.integer({ min: 0, max: 4_000_000_000_000 }),
  expiresAt: fc.option(fc.integer({ min: 0, max: 4_000_000_000_000 }), { nil: null }),
  method: fc.option(fc.constantFrom(...COLLECTION_METHODS), { nil: null }),
  consentType: fc.constantFrom(...CONSENT_TYPES),
  evidence: fc.option(fc.string(), { nil: null }),
});

describe('consent ledger entries', () => {
  it('the specialised serialiser writes exactly the canonical JSON of the full entry', () => {
    fc.assert(
      fc.property(event, (e) => {
        assert.equal(consentLeafJson(e), canonicalJson(consentEntry(e)));
        assert.deepEqual(Buffer.from(leafData(consentLeafEntry(e))), Buffer.from(canonicalJson(consentEntry(e)), 'utf8'));
      }),
      { numRuns: 500 },
    );
  });

  it('stays exact when consecutive events share a subject, or reuse one buffer with new bytes', () => {
    fc.assert(
      fc.property(fc.array(event, { minLength: 2, maxLength: 8 }), fc.array(fc.nat(1), { minLength: 8, maxLength: 8 }), (events, pick) => {
        const shared = events[0]!.subject;
        const reused = new Uint8Array(32);
        events.forEach((e, i) => {
          const same = { ...e, subject: pick[i] === 0 ? shared : e.subject };
          assert.equal(consentLeafJson(same), canonicalJson(consentEntry(same)));
          reused.set(e.subject);
          const inPlace = { ...e, subject: reused };
          assert.equal(consentLeafJson(inPlace), canonicalJson(consentEntry(inPlace)));
        });
      }),
      { numRuns: 300 },
    );
  });
});
