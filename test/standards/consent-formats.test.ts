/** The standard consent formats as pure functions: round trips, the timestamp heuristic, durations, signatures. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { notice, CLUB, BROKER, consent } from '../helpers/fixtures.ts';
import { adaptRecord27560, toRecord27560 } from '../../src/standards/consent-27560.ts';
import { addIsoDuration, isoDurationBetween, principalColumns, type ExportContext } from '../../src/standards/export-context.ts';
import { adaptKantaraReceipt, MILLISECONDS_FROM, timestampMs, toKantaraReceipt } from '../../src/standards/kantara-receipt.ts';
import { signReceipt, verifyReceipt } from '../../src/standards/receipts.ts';
import { generateSigningKey, verifierKeyOf } from '../../src/ledger/signing-key.ts';

const n1 = notice({ recipients: ['broker'] });
const ctx: ExportContext = { controller: CLUB, organisations: new Map([[CLUB.id, CLUB], [BROKER.id, BROKER]]), notices: new Map([[n1.hash, n1]]) };
const subject = new Uint8Array(32).fill(0xab);
const event = consent(subject, {
  id: 'ev-1',
  purposes: ['marketing', 'service-provision'],
  recipients: ['broker'],
  notice: n1.hash,
  at: Date.UTC(2018, 1, 1, 9, 30, 15, 250),
  expiresAt: Date.UTC(2019, 1, 1, 9, 30, 15, 250),
  consentType: 'explicit',
  evidence: 'paper form 1234',
});
/** What the import row check receives for `event`. */
const row = {
  subject_key: 'ab'.repeat(32),
  event_id: 'ev-1',
  purposes: ['marketing', 'service-provision'],
  recipients: ['broker'],
  status: 'ConsentGiven',
  notice: n1.hash,
  at: '2018-02-01T09:30:15.250Z',
  expires_at: '2019-02-01T09:30:15.250Z',
  method: 'web-form',
  consent_type: 'explicit',
  evidence: 'paper form 1234',
};

describe('standard consent formats', () => {
  it('27560: an event becomes a record and comes back as the same row', () => {
    const r = adaptRecord27560(JSON.parse(JSON.stringify(toRecord27560(event, ctx))));
    assert.ok(r.ok);
    assert.deepEqual(r.rows, [row]);
    assert.deepEqual(r.unmapped, []);
  });

  it('Kantara: an event becomes a receipt and comes back as the same row', () => {
    const receipt = toKantaraReceipt(event, ctx);
    assert.equal(receipt.consentTimestamp, 1517477415);
    const r = adaptKantaraReceipt(JSON.parse(JSON.stringify(receipt)));
    assert.ok(r.ok);
    assert.deepEqual(r.rows, [row]);
    // Without our own block the standard fields alone still say who, what and to whom.
    const { consentry: _ours, ...standard } = receipt;
    const plain = adaptKantaraReceipt(JSON.parse(JSON.stringify(standard)));
    assert.ok(plain.ok);
    assert.deepEqual(plain.rows[0], {
      subject_key: 'ab'.repeat(32),
      event_id: receipt.consentReceiptID,
      purposes: ['marketing', 'service-provision'],
      recipients: ['broker'],
      status: 'ConsentGiven',
      notice: n1.hash,
      at: '2018-02-01T09:30:15.000Z',
      expires_at: null,
      method: 'web-form',
      consent_type: 'explicit',
      evidence: `kantara receipt ${receipt.consentReceiptID}`,
    });
  });

  it('reads consentTimestamp as seconds below 10^11 and as milliseconds from there', () => {
    assert.equal(MILLISECONDS_FROM, 1e11);
    assert.equal(timestampMs(1517443200), 1517443200000);
    assert.equal(timestampMs(1517443200000), 1517443200000);
    assert.equal(timestampMs(99_999_999_999), 99_999_999_999_000);
    assert.equal(timestampMs(100_000_000_000), 100_000_000_000);
  });

  it('adds ISO 8601 durations by the calendar, and writes spans as days or seconds', () => {
    const at = Date.UTC(2020, 0, 31);
    assert.equal(new Date(addIsoDuration(at, 'P1M')!).toISOString(), '2020-03-02T00:00:00.000Z');
    assert.equal(new Date(addIsoDuration(at, 'P1Y2DT3H')!).toISOString(), '2021-02-02T03:00:00.000Z');
    assert.equal(new Date(addIsoDuration(at, 'P2W')!).toISOString(), '2020-02-14T00:00:00.000Z');
    assert.equal(addIsoDuration(at, 'P'), null);
    assert.equal(addIsoDuration(at, '1 year'), null);
    assert.equal(isoDurationBetween(at, at + 3 * 86_400_000), 'P3D');
    assert.equal(isoDurationBetween(at, at + 90_500), 'PT90.5S');
  });

  it('takes an email or one of our subject keys as the principal, nothing else', () => {
    assert.deepEqual(principalColumns('mailto:Ada@Example.org'), { ok: true, columns: { email: 'Ada@Example.org' } });
    assert.deepEqual(principalColumns(`urn:consentry:subject:${'cd'.repeat(32)}`), { ok: true, columns: { subject_key: 'cd'.repeat(32) } });
    assert.deepEqual(principalColumns('customer-4711'), { ok: false, message: "give the person's email, or a subject key as urn:consentry:subject:<64 hex>" });
  });

  it('signs receipts over their canonical form; any change, or another key, fails', () => {
    const key = generateSigningKey('test/ledger');
    const other = generateSigningKey('test/other');
    const signed = signReceipt('kantara', toKantaraReceipt(event, ctx), 7, key, Date.UTC(2026, 0, 1));
    assert.deepEqual(verifyReceipt(JSON.parse(JSON.stringify(signed))), { ok: true, trustedKey: false, keyName: 'test/ledger', error: null });
    assert.deepEqual(verifyReceipt(signed, verifierKeyOf(key)), { ok: true, trustedKey: true, keyName: 'test/ledger', error: null });
    assert.deepEqual(verifyReceipt(signed, verifierKeyOf(other)), { ok: false, trustedKey: true, keyName: 'test/ledger', error: 'signed by test/ledger, not by the trusted key test/other' });
    const moved = { ...signed, ledgerLeaf: 8 };
    assert.equal(verifyReceipt(moved).ok, false);
    assert.deepEqual(verifyReceipt({ ...signed, signature: { ...signed.signature, algorithm: 'RSA' } }), {
      ok: false,
      trustedKey: false,
      keyName: null,
      error: 'not a signed receipt: signature.algorithm: Invalid input: expected "Ed25519"',
    });
  });
});
