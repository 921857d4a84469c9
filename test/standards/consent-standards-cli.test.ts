/**
 * Standard consent formats end to end through the real CLI and a real SQLite store: importing
 * 27560 records, Kantara receipts, TC and GPP strings (good and malformed samples checked in
 * under fixtures/), exporting again, and signed receipts that verify offline.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';

const dir = tmpDir();
const db = join(dir, 'store', 'consentry.db');
const fx = (name: string): string => join(import.meta.dirname, 'fixtures', name);

async function cli(args: string[], code = 0): Promise<{ stdout: string; stderr: string }> {
  const r = await runCli([...args, '--db', db]);
  assert.equal(r.code, code, `consentry ${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return r;
}
const json = async (args: string[]): Promise<any> => JSON.parse((await cli([...args, '--json'])).stdout);
const consentCount = async (): Promise<number> => (await json(['status'])).consentEvents as number;

describe('standard consent formats through the CLI', () => {
  before(async () => {
    const orgs = join(dir, 'orgs.json');
    writeFileSync(
      orgs,
      JSON.stringify([
        { id: 'club', name: 'Parenting Club Ltd', kind: 'collector', rightsContact: 'privacy@club.example' },
        { id: 'broker', name: 'List Broker Ltd', kind: 'broker', rightsContact: 'dpo@broker.example' },
      ]),
    );
    await cli(['org', 'add', '--file', orgs]);
    const n1 = join(dir, 'n1.json');
    writeFileSync(
      n1,
      JSON.stringify({ id: 'n1', controller: 'club', version: '2018-01', language: 'en', title: 'Privacy notice', text: 'Marketing by us and by List Broker Ltd.', purposes: ['service-provision', 'marketing'], recipients: ['broker'], effectiveFrom: '2014-01-01' }),
    );
    await cli(['notice', 'add', n1]);
  });

  it('refuses malformed 27560 records, naming line and field, and stores nothing', async () => {
    const f = fx('consent-27560-malformed.jsonl');
    const r = await cli(['consent', 'import', '--org', 'club', '--format', '27560', f], 2);
    assert.equal(
      r.stderr,
      [
        `error: 6 of 6 rows in ${f} cannot be imported; nothing was stored`,
        `  ${f}:1: schema_version: name the standard, e.g. "ISO/IEC TS 27560:2023"`,
        `  ${f}:2: events[0].event_state: use a DPV consent status such as dpv:ConsentGiven or dpv:ConsentWithdrawn`,
        `  ${f}:3: events[0].validity_duration: not an ISO 8601 duration (e.g. P1Y or P30D)`,
        `  ${f}:4: record_id: is required`,
        `  ${f}:5: recipient_third_parties: unknown organisation "acme" (register it with \`consentry org add\`)`,
        `  ${f}:6: purposes: no purpose maps to ours (27560:purpose dpv:SellInsightsFromData); see \`consentry purposes\``,
        '',
      ].join('\n'),
    );
    const t = fx('consent-27560-truncated.jsonl');
    assert.equal((await cli(['consent', 'import', '--org', 'club', '--format', '27560', t], 2)).stderr.split('\n')[0], `error: ${t}:2: the last line is truncated`);
    assert.equal(await consentCount(), 0);
  });

  it('imports 27560 records: DPV purposes and statuses, several events per record, durations; unmapped purposes listed', async () => {
    const s = await json(['consent', 'import', '--org', 'club', '--format', '27560', fx('consent-27560.jsonl')]);
    assert.deepEqual([s.rows, s.inserted, s.unchanged, s.rejected, s.newSubjects], [3, 4, 0, 0, 3]);
    assert.deepEqual(s.unmapped, { '27560:purpose dpv:SellInsightsFromData': 1 });
    const human = await cli(['consent', 'import', '--org', 'club', '--format', '27560', fx('consent-27560.jsonl')]);
    assert.match(human.stdout, /unchanged {2}4 already stored/);
    assert.match(human.stdout, /not mapped \(kept as evidence, not imported as purposes or fields\):\n {4}27560:purpose dpv:SellInsightsFromData {2}\(1 record\)/);
  });

  it('exports 27560 records that name people by subject key only, and re-import to the same events', async () => {
    const out = join(dir, 'export-27560.jsonl');
    const summary = await json(['consent', 'export', '--org', 'club', '--format', '27560', '--out', out]);
    assert.deepEqual(summary, { file: out, format: '27560', records: 4 });
    const text = readFileSync(out, 'utf8');
    assert.ok(!text.includes('example.org'), 'no email in the export');
    const records = text.trim().split('\n').map((l) => JSON.parse(l));
    const first = records.find((r) => r.record_id === 'rec-001');
    assert.match(first.pii_principal_id, /^urn:consentry:subject:[0-9a-f]{64}$/);
    assert.equal(first.schema_version, 'ISO/IEC TS 27560:2023');
    assert.deepEqual(first.purposes, [{ purpose_id: 'marketing', purpose: 'Marketing', purpose_type: 'https://w3id.org/dpv#Marketing', lawful_basis: 'https://w3id.org/dpv#Consent' }]);
    assert.deepEqual(first.events, [{ event_time: '2018-02-01T09:00:00.000Z', validity_duration: 'P365D', entity_id: first.pii_principal_id, event_type: 'explicit', event_state: 'dpv:ConsentGiven' }]);
    assert.deepEqual(first.pii_controllers, [{ party_id: 'club', party_name: 'Parenting Club Ltd', party_type: 'legal-entity', party_role: 'controller', party_contact: 'privacy@club.example', party_address: { country: 'GB' } }]);
    assert.equal(first.language, 'en');
    assert.deepEqual(records.map((r) => [r.record_id, r.events[0].event_state]).sort(), [['rec-001', 'dpv:ConsentGiven'], ['rec-002#1', 'dpv:ConsentGiven'], ['rec-002#2', 'dpv:ConsentWithdrawn'], ['rec-003', 'dpv:ConsentGiven']]);
    assert.deepEqual(records.find((r) => r.record_id === 'rec-002#1').recipient_third_parties.map((p: { party_id: string }) => p.party_id), ['broker']);
    const again = await json(['consent', 'import', '--org', 'club', '--format', '27560', out]);
    assert.deepEqual([again.rows, again.inserted, again.unchanged], [4, 0, 4]);
  });

  it('imports Kantara v1.1 receipts in both spellings, seconds or milliseconds; lists what it cannot map', async () => {
    const before = await consentCount();
    const s = await json(['consent', 'import', '--org', 'club', '--format', 'kantara', fx('kantara-receipts.jsonl')]);
    assert.deepEqual([s.rows, s.inserted, s.rejected], [3, 3, 0]);
    assert.deepEqual(s.unmapped, {
      'kantara:collectionMethod kiosk': 1,
      'kantara:policyUrl https://club.example/privacy (not a registered notice)': 2,
      'kantara:purpose Health tips [Protecting Your Health]': 1,
      'kantara:spiCat Health': 1,
    });
    assert.equal(await consentCount(), before + 3);
    const records = (await cli(['consent', 'export', '--org', 'club', '--format', '27560'])).stdout.trim().split('\n').map((l) => JSON.parse(l));
    const byId = new Map(records.map((r) => [r.record_id, r]));
    // 1517443200 is seconds; 1517529600000 is milliseconds: both midnight UTC.
    assert.equal(byId.get('8f8ba4c4-8a3c-4b7e-9f1c-3c1e0d8e2a11').events[0].event_time, '2018-02-01T00:00:00.000Z');
    const bo = byId.get('2b1d7f0e-5c55-4e0b-8d7a-0f3b6a9c1d22');
    assert.equal(bo.events[0].event_time, '2018-02-02T00:00:00.000Z');
    assert.deepEqual([bo.purposes.map((p: { purpose_id: string }) => p.purpose_id), bo.recipient_third_parties.map((p: { party_id: string }) => p.party_id), bo.collection_method], [['marketing'], ['broker'], 'paper-form']);
    assert.match(bo.privacy_notice, /^[0-9a-f]{64}$/);
    const cy = byId.get('c0ffee00-1111-4222-8333-444455556666');
    assert.deepEqual([cy.purposes.map((p: { purpose_id: string }) => p.purpose_id), cy.collection_method, cy.events[0].event_type], [['service-provision'], null, 'explicit']);
  });

  it('refuses malformed Kantara receipts, naming line and field', async () => {
    const f = fx('kantara-malformed.jsonl');
    const r = await cli(['consent', 'import', '--org', 'club', '--format', 'kantara', f], 2);
    assert.equal(
      r.stderr,
      [
        `error: 5 of 5 rows in ${f} cannot be imported; nothing was stored`,
        `  ${f}:1: version: expected "KI-CR-v1.1.0"`,
        `  ${f}:2: services[0].purposes[0].thirdPartyName: thirdPartyDisclosure is true, so name the third party`,
        `  ${f}:3: piiPrincipalId: give the person's email, or a subject key as urn:consentry:subject:<64 hex>`,
        `  ${f}:4: consentTimestamp: give seconds (or milliseconds) since 1970`,
        `  ${f}:5: piiControllers[0].onBehalf: onBehalf and on_behalf differ; give one`,
        '',
      ].join('\n'),
    );
  });

  it('exports Kantara receipts (KI-CR-v1.1.0, seconds, policyUrl) that re-import to the same events', async () => {
    const out = join(dir, 'export-kantara.jsonl');
    await cli(['consent', 'export', '--org', 'club', '--format', 'kantara', '--out', out]);
    const receipts = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(receipts.length, 7);
    const r = receipts.find((x) => x.consentry.eventId === 'rec-002#1');
    assert.equal(r.version, 'KI-CR-v1.1.0');
    assert.equal(r.consentTimestamp, Date.parse('2018-02-02T10:00:00Z') / 1000);
    assert.match(r.consentReceiptID, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.match(r.policyUrl, /^urn:consentry:notice:[0-9a-f]{64}$/);
    assert.deepEqual(r.piiControllers, [{ piiController: 'Parenting Club Ltd', onBehalf: false, contact: 'privacy@club.example', email: 'privacy@club.example', phone: '', address: { addressCountry: 'GB' } }]);
    assert.deepEqual(
      r.services[0].purposes.map((p: { purpose: string; purposeCategory: string[]; thirdPartyName: string }) => [p.purpose, p.purposeCategory, p.thirdPartyName]),
      [['Marketing', ['Marketing'], 'broker'], ['Providing the service', ['Core Function'], 'broker']],
    );
    const again = await json(['consent', 'import', '--org', 'club', '--format', 'kantara', out]);
    assert.deepEqual([again.rows, again.inserted, again.unchanged], [7, 0, 7]);
  });

  it('imports TC strings beside identifiers: consent given and refused, the string kept as evidence', async () => {
    const s = await json(['consent', 'import', '--org', 'club', '--format', 'tcf', fx('tcf-consents.csv')]);
    assert.deepEqual([s.rows, s.inserted, s.rejected], [2, 3, 0]);
    assert.deepEqual(s.unmapped, { 'tcf:purpose-1 (Store and/or access information on a device)': 2, 'tcf:purpose-7 (Measure advertising performance)': 1 });
    const records = (await cli(['consent', 'export', '--org', 'club', '--format', '27560'])).stdout.trim().split('\n').map((l) => JSON.parse(l));
    const byId = new Map(records.map((r) => [r.record_id, r]));
    const given = byId.get('tcf-1');
    assert.deepEqual(given.purposes.map((p: { purpose_id: string }) => p.purpose_id), ['advertising', 'personalised-advertising']);
    assert.deepEqual([given.collection_method, given.events[0].event_state, given.events[0].event_time], ['signal', 'dpv:ConsentGiven', '2025-03-03T10:00:00.000Z']);
    const tc = readFileSync(fx('tcf-consents.csv'), 'utf8').split('\n')[1]!.split(',')[2];
    assert.equal(given.events[0].evidence, `tcf:${tc}`);
    assert.deepEqual(byId.get('tcf-1-refused').purposes.map((p: { purpose_id: string }) => p.purpose_id), ['profiling', 'research']);
    assert.deepEqual(byId.get('tcf-2-refused').events[0].event_state, 'dpv:ConsentRefused');
    assert.equal(byId.has('tcf-2'), false);
  });

  it('refuses malformed TC strings with the bad field named', async () => {
    const f = fx('tcf-malformed.csv');
    const r = await cli(['consent', 'import', '--org', 'club', '--format', 'tcf', f], 2);
    assert.equal(
      r.stderr,
      [
        `error: 4 of 4 rows in ${f} cannot be imported; nothing was stored`,
        `  ${f}:2: tc_string: core.version: is 3; only TCF v2 strings (version 2) are supported`,
        `  ${f}:3: tc_string: core.purposesLITransparency: truncated: needs bits 177-200 but the segment has only 180`,
        `  ${f}:4: tc_string: core: not web-safe base64: character "!" at position 7 (use A-Z a-z 0-9 - _)`,
        `  ${f}:5: email: not an email address`,
        '',
      ].join('\n'),
    );
  });

  it('imports GPP strings through their TCF EU v2 section, and refuses those without one', async () => {
    const s = await json(['consent', 'import', '--org', 'club', '--format', 'gpp', fx('gpp-consents.csv')]);
    assert.deepEqual([s.rows, s.inserted], [1, 2]);
    const f = fx('gpp-malformed.csv');
    const r = await cli(['consent', 'import', '--org', 'club', '--format', 'gpp', f], 2);
    assert.equal(
      r.stderr,
      [
        `error: 2 of 2 rows in ${f} cannot be imported; nothing was stored`,
        `  ${f}:2: gpp_string: header.sections: carries no EU TCF v2 section (id 2); it has 7 (usnat)`,
        `  ${f}:3: gpp_string: header.sections: lists 2 sections (2, 6) but the string has 1`,
        '',
      ].join('\n'),
    );
  });

  it('issues signed receipts that verify offline, and fail (exit 5) when altered or checked against another key', async () => {
    for (const format of ['kantara', '27560']) {
      const file = join(dir, `receipt-${format}.json`);
      const issued = await json(['consent', 'receipt', 'rec-001', '--org', 'club', '--format', format, '--out', file]);
      assert.equal(issued.event, 'rec-001');
      assert.equal(typeof issued.ledgerLeaf, 'number');
      const receipt = JSON.parse(readFileSync(file, 'utf8'));
      assert.equal(receipt.format, 'consentry-signed-receipt/v1');
      assert.equal(receipt.receiptFormat, format);
      assert.equal(format === 'kantara' ? receipt.receipt.version : receipt.receipt.schema_version, format === 'kantara' ? 'KI-CR-v1.1.0' : 'ISO/IEC TS 27560:2023');
      const ok = await json(['consent', 'verify-receipt', file, '--public-key', join(dir, 'store', 'ledger-signing.vkey')]);
      assert.deepEqual(ok, { ok: true, trustedKey: true, keyName: 'consentry.local/ledger', error: null });
      const plain = await cli(['consent', 'verify-receipt', file]);
      assert.equal(plain.stdout, 'verified: signed by consentry.local/ledger\nnote: checked against the key named in the receipt; pass --public-key to check against a key you trust\n');
      const altered = join(dir, `altered-${format}.json`);
      if (format === 'kantara') receipt.receipt.services[0].purposes[0].purpose = 'Political campaigning';
      else receipt.receipt.purposes[0].purpose_id = 'political-campaign';
      writeFileSync(altered, JSON.stringify(receipt));
      const bad = await runCli(['consent', 'verify-receipt', altered]);
      assert.equal(bad.code, 5);
      assert.equal(bad.stdout, 'FAILED: the signature does not match the receipt (it was changed after signing, or signed by another key)\n');
    }
    const witness = join(dir, 'witness');
    await cli(['ledger', 'witness-key', witness, '--name', 'ico.example/witness']);
    const other = await runCli(['consent', 'verify-receipt', join(dir, 'receipt-kantara.json'), '--public-key', join(witness, 'ledger-signing.vkey')]);
    assert.equal(other.code, 5);
    assert.equal(other.stdout, 'FAILED: signed by consentry.local/ledger, not by the trusted key ico.example/witness\n');
    const missing = await cli(['consent', 'receipt', 'no-such-event', '--org', 'club'], 2);
    assert.equal(missing.stderr, 'error: no consent event "no-such-event" of club\n  EVENT-ID: give an event id as imported (event_id)\n');
  });

  it('decodes signals on the command line, naming the bad field of a bad one', async () => {
    const tc = readFileSync(fx('tcf-consents.csv'), 'utf8').split('\n')[1]!.split(',')[2]!;
    const d = await json(['signal', 'decode', tc]);
    assert.equal(d.type, 'tcf');
    assert.deepEqual([d.tcf.core.cmpId, d.tcf.core.vendorListVersion, d.tcf.core.vendorConsents, d.tcf.disclosedVendors], [10, 120, [2, 6, 8, 755], [2, 6, 8, 755]]);
    assert.deepEqual(d.purposes.given, ['advertising', 'personalised-advertising']);
    const g = await json(['signal', 'decode', 'DBACNY~CQPNCIAQPNCIAAfACBENCCEgAMDAAAAAAAwIAFgBgAAAA~1YNN']);
    assert.deepEqual(g.gpp, { version: 1, sections: [{ id: 2, name: 'tcfeuv2' }, { id: 6, name: 'uspv1' }] });
    assert.deepEqual(g.purposes.given, ['advertising', 'research']);
    const human = await cli(['signal', 'decode', tc]);
    assert.match(human.stdout, /as consent events: given advertising, personalised-advertising; refused profiling, research\n/);
    assert.match(human.stdout, /not mapped to our purposes: tcf:purpose-1 \(Store and\/or access information on a device\); tcf:purpose-7 \(Measure advertising performance\)\n/);
    const bad = await cli(['signal', 'decode', 'DP99dOAP99dOAEsACBENAwEgAAAAAAAAAAwIAAAAAAAA', '--type', 'tcf'], 2);
    assert.equal(bad.stderr, 'error: not a valid TC string: core.version: is 3; only TCF v2 strings (version 2) are supported\n  tc_string: core.version: is 3; only TCF v2 strings (version 2) are supported\n');
  });
});
