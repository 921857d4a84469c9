/** A signed consent receipt over HTTP: for the organisation that recorded the event, verifiable offline. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeVerifierKey, parseVerifierKey, verifierKeyOf } from '../../src/ledger/signing-key.ts';
import { verifyReceipt } from '../../src/standards/receipts.ts';
import { call, consentBody, startFixture } from '../api/fixture.ts';

const f = await startFixture();
const club = f.keys['collector@club']!;
const body = consentBody('receipt-person@example.org', { event_id: 'ev-receipt-1' });
assert.equal((await call(f, 'POST', '/v1/consent-events', { key: club, body })).status, 201);

describe('GET /v1/consent-events/:controller/:id/receipt', () => {
  it('gives the controller a Kantara or 27560 receipt that verifies against the ledger key', async () => {
    const trusted = parseVerifierKey(encodeVerifierKey(verifierKeyOf(f.app.signingKey())));
    for (const format of ['kantara', '27560'] as const) {
      const r = await call(f, 'GET', `/v1/consent-events/club/ev-receipt-1/receipt?format=${format}`, { key: club });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual([r.body.format, r.body.receiptFormat, typeof r.body.ledgerLeaf], ['consentry-signed-receipt/v1', format, 'number']);
      assert.deepEqual(verifyReceipt(r.body, trusted), { ok: true, trustedKey: true, keyName: 'consentry.local/ledger', error: null });
      assert.ok(!JSON.stringify(r.body).includes('receipt-person@example.org'), 'no identifier in the receipt');
    }
    const kantara = (await call(f, 'GET', '/v1/consent-events/club/ev-receipt-1/receipt', { key: club })).body;
    assert.equal(kantara.receipt.version, 'KI-CR-v1.1.0');
    assert.equal(kantara.receipt.consentry.eventId, 'ev-receipt-1');
  });

  it('answers 404 to other organisations and for unknown events, and lets the regulator read', async () => {
    assert.equal((await call(f, 'GET', '/v1/consent-events/club/ev-receipt-1/receipt', { key: f.keys['collector@rival']! })).status, 404);
    assert.equal((await call(f, 'GET', '/v1/consent-events/club/no-such-event/receipt', { key: club })).status, 404);
    assert.equal((await call(f, 'GET', '/v1/consent-events/club/ev-receipt-1/receipt', { key: f.keys['regulator@ico']! })).status, 200);
    const bad = await call(f, 'GET', '/v1/consent-events/club/ev-receipt-1/receipt?format=pdf', { key: club });
    assert.equal(bad.status, 400);
  });
});
