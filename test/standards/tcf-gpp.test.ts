import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SignalError } from '../../src/standards/bits.ts';
import { decodeGppHeader, decodeGppString } from '../../src/standards/gpp-string.ts';
import { mapTcfPurposes } from '../../src/standards/signal-consent.ts';
import { decodeTcString } from '../../src/standards/tcf-string.ts';
import { BitWriter, encodeCore, encodeDisclosedVendors, encodeGppHeader, encodePublisherTC } from './tc-encoder.ts';

/** The SignalError a call throws: its field and full message. */
function signalError(f: () => unknown): { field: string; message: string } {
  try {
    f();
  } catch (err) {
    assert.ok(err instanceof SignalError, `expected a SignalError, got ${String(err)}`);
    return { field: err.field, message: err.message };
  }
  assert.fail('expected an error');
}

describe('TC strings (TCF v2.2 core segment)', () => {
  it('decodes every core field of an independently encoded string (bit-field vendors)', () => {
    const created = Date.UTC(2024, 4, 1, 12, 0, 0, 300);
    const s = encodeCore({
      created,
      lastUpdated: created + 60_000,
      cmpId: 7,
      cmpVersion: 3,
      consentScreen: 2,
      consentLanguage: 'FR',
      vendorListVersion: 150,
      tcfPolicyVersion: 5,
      specialFeatureOptIns: [1],
      purposesConsent: [1, 2, 3, 4, 7, 9, 10],
      purposesLITransparency: [2, 7, 8],
      purposeOneTreatment: true,
      publisherCC: 'DE',
      vendorConsents: [2, 6, 8, 755],
      vendorLI: [2, 8],
    });
    const tc = decodeTcString(s);
    assert.deepEqual(tc.core, {
      version: 2,
      created,
      lastUpdated: created + 60_000,
      cmpId: 7,
      cmpVersion: 3,
      consentScreen: 2,
      consentLanguage: 'FR',
      vendorListVersion: 150,
      tcfPolicyVersion: 5,
      isServiceSpecific: true,
      useNonStandardTexts: false,
      specialFeatureOptIns: [1],
      purposesConsent: [1, 2, 3, 4, 7, 9, 10],
      purposesLITransparency: [2, 7, 8],
      purposeOneTreatment: true,
      publisherCC: 'DE',
      vendorConsents: [2, 6, 8, 755],
      vendorLegitimateInterests: [2, 8],
      publisherRestrictions: [],
    });
    assert.equal(tc.disclosedVendors, null);
    assert.equal(tc.publisherTC, null);
    assert.deepEqual(tc.warnings, []);
  });

  it('decodes range-encoded vendors and publisher restrictions', () => {
    const s = encodeCore({ ranges: true, vendorConsents: [1, 2, 3, 10, 20, 21], vendorLI: [5], restrictions: [{ purposeId: 2, type: 1, vendors: [4, 5, 6, 9] }, { purposeId: 7, type: 0, vendors: [12] }] });
    const tc = decodeTcString(s);
    assert.deepEqual(tc.core.vendorConsents, [1, 2, 3, 10, 20, 21]);
    assert.deepEqual(tc.core.vendorLegitimateInterests, [5]);
    assert.deepEqual(tc.core.publisherRestrictions, [
      { purposeId: 2, restrictionType: 'require-consent', vendorIds: [4, 5, 6, 9] },
      { purposeId: 7, restrictionType: 'not-allowed', vendorIds: [12] },
    ]);
  });

  it('decodes the DisclosedVendors and PublisherTC segments', () => {
    const s = `${encodeCore({ purposesConsent: [1] })}.${encodeDisclosedVendors([3, 4, 9])}.${encodePublisherTC([1, 3], [2])}`;
    const tc = decodeTcString(s);
    assert.deepEqual(tc.disclosedVendors, [3, 4, 9]);
    assert.deepEqual(tc.publisherTC, { purposesConsent: [1, 3], purposesLITransparency: [2], customPurposesConsent: [], customPurposesLITransparency: [] });
  });

  it('reads a hand-computed string: the first 30 bits are version 2 and created', () => {
    // 000010 = "C" (version 2); created = 0 deciseconds for the next 36 bits ("AAAAAA").
    const w = new BitWriter().int(6, 2).int(36, 16_000_000_000);
    assert.equal(w.base64url().slice(0, 1), 'C');
    assert.equal(encodeCore().slice(0, 1), 'C');
    const tc = decodeTcString(encodeCore({ created: 1_600_000_000_000 }));
    assert.equal(tc.core.created, 1_600_000_000_000);
    assert.equal(new Date(tc.core.created).toISOString(), '2020-09-13T12:26:40.000Z');
  });

  it('decodes the example string published in the IAB "Consent string and vendor list formats v2" specification', () => {
    // The spec's own example of a full string: core, DisclosedVendors and PublisherTC segments.
    const tc = decodeTcString('CQSbk4AQSbk4ANwAAAENAwCgAAAAAAAAAAYgACPAAAAA.IDKQA4AAgAKAGQAygAAA.YAAAAAAAAAAA');
    assert.deepEqual(tc.core, {
      version: 2,
      created: Date.parse('2025-06-03T00:00:00Z'),
      lastUpdated: Date.parse('2025-06-03T00:00:00Z'),
      cmpId: 880,
      cmpVersion: 0,
      consentScreen: 0,
      consentLanguage: 'EN',
      vendorListVersion: 48,
      tcfPolicyVersion: 2,
      isServiceSpecific: true,
      useNonStandardTexts: false,
      specialFeatureOptIns: [],
      purposesConsent: [],
      purposesLITransparency: [],
      purposeOneTreatment: false,
      publisherCC: 'DE',
      vendorConsents: [1, 2, 3, 4],
      vendorLegitimateInterests: [],
      publisherRestrictions: [],
    });
    assert.deepEqual(tc.disclosedVendors, [1, 2, 3, 4, 5, 100, 404]);
    assert.deepEqual(tc.publisherTC, { purposesConsent: [], purposesLITransparency: [], customPurposesConsent: [], customPurposesLITransparency: [] });
    assert.deepEqual(tc.warnings, ['tcfPolicyVersion 2 is before TCF v2.2 (4); such strings are no longer valid since 30 September 2023']);
  });

  it('maps TCF purposes onto ours and lists those it cannot map', () => {
    const tc = decodeTcString(encodeCore({ purposesConsent: [1, 2, 3, 7, 10], specialFeatureOptIns: [2] }));
    assert.deepEqual(mapTcfPurposes(tc), {
      given: ['advertising', 'personalised-advertising', 'research'],
      refused: ['profiling'],
      unmapped: ['tcf:purpose-1 (Store and/or access information on a device)', 'tcf:purpose-7 (Measure advertising performance)', 'tcf:special-feature-2'],
    });
  });

  it('names the bad field of malformed strings', () => {
    assert.deepEqual(signalError(() => decodeTcString(encodeCore({ version: 3 }))), { field: 'core.version', message: 'core.version: is 3; only TCF v2 strings (version 2) are supported' });
    assert.deepEqual(signalError(() => decodeTcString('CPc!aaa')), { field: 'core', message: 'core: not web-safe base64: character "!" at position 4 (use A-Z a-z 0-9 - _)' });
    assert.deepEqual(signalError(() => decodeTcString('CPc+aaa')), { field: 'core', message: 'core: not web-safe base64: character "+" at position 4 (use A-Z a-z 0-9 - _)' });
    // Cut inside the purposes: 6+36+36+12+12+6+12+12+6+1+1+12 = 152 bits come before PurposesConsent.
    const truncated = encodeCore({ purposesConsent: [1, 2] }).slice(0, 26); // 156 bits
    assert.deepEqual(signalError(() => decodeTcString(truncated)), { field: 'core.purposesConsent', message: 'core.purposesConsent: truncated: needs bits 153-176 but the segment has only 156' });
    const noVendors = encodeCore().slice(0, 36); // 216 bits: the vendor section is cut off
    assert.equal(signalError(() => decodeTcString(noVendors)).field, 'core.vendorConsents.maxVendorId');
    assert.deepEqual(signalError(() => decodeTcString(encodeCore({ purposesLITransparency: [2, 4] }))), {
      field: 'core.purposesLITransparency',
      message: 'core.purposesLITransparency: purpose 4 is set; TCF v2.2 forbids legitimate interest for purposes 3-6',
    });
    assert.deepEqual(signalError(() => decodeTcString(encodeCore({ consentLanguage: '[A' }))), { field: 'core.consentLanguage', message: 'core.consentLanguage: letter values 26, 0 are not both in A-Z (0-25)' });
    assert.deepEqual(signalError(() => decodeTcString(`${encodeCore()}.${new BitWriter().int(3, 5).int(20, 0).base64url()}`)), { field: 'segment[1].segmentType', message: 'segment[1].segmentType: is 5; expected 1 (DisclosedVendors) or 3 (PublisherTC)' });
    assert.deepEqual(signalError(() => decodeTcString('  ')), { field: 'tc_string', message: 'tc_string: is empty' });
  });

  it('warns about strings made under a policy version before TCF v2.2', () => {
    const tc = decodeTcString(encodeCore({ tcfPolicyVersion: 2, purposesLITransparency: [3] }));
    assert.deepEqual(tc.warnings, ['tcfPolicyVersion 2 is before TCF v2.2 (4); such strings are no longer valid since 30 September 2023']);
  });
});

describe('GPP strings', () => {
  it('decodes the published header examples of the GPP specification', () => {
    assert.deepEqual(decodeGppHeader('DBABM'), { version: 1, sectionIds: [2] });
    assert.deepEqual(decodeGppHeader('DBACNY'), { version: 1, sectionIds: [2, 6] });
    assert.deepEqual(decodeGppHeader('DBABjw'), { version: 1, sectionIds: [5, 6] });
  });

  it('agrees with the independent encoder, and finds the TCF EU v2 section', () => {
    assert.equal(encodeGppHeader([2]), 'DBABM');
    assert.equal(encodeGppHeader([2, 6]), 'DBACNY');
    const tc = encodeCore({ purposesConsent: [2, 4] });
    const g = decodeGppString(`${encodeGppHeader([2, 7])}~${tc}~BAAAAAAAAAA.QA`);
    assert.deepEqual(g.sections.map((s) => [s.id, s.name]), [[2, 'tcfeuv2'], [7, 'usnat']]);
    assert.deepEqual(g.tcfEuV2?.core.purposesConsent, [2, 4]);
    assert.equal(decodeGppString(`DBACNY~${tc}~1YNN`).sections[1]!.text, '1YNN');
  });

  it('names the bad field of malformed strings', () => {
    assert.deepEqual(signalError(() => decodeGppString(`DBACNY~${encodeCore()}`)), { field: 'header.sections', message: 'header.sections: lists 2 sections (2, 6) but the string has 1' });
    assert.deepEqual(signalError(() => decodeGppString(`CBABM~x`)), { field: 'header.type', message: 'header.type: is 2; a GPP string starts with its header (type 3)' });
    assert.deepEqual(signalError(() => decodeGppString(`DBABA~x`)), { field: 'header.sections[0].start', message: 'header.sections[0].start: truncated: a Fibonacci-coded number has no terminating "11"' });
    assert.deepEqual(signalError(() => decodeGppString(`DBABM~${encodeCore({ version: 1 })}`)), { field: 'tcfeuv2.core.version', message: 'tcfeuv2.core.version: is 1; only TCF v2 strings (version 2) are supported' });
  });
});
