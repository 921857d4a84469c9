import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import {
  CONSENT_EVENT_COLUMNS,
  CONSENT_EVENTS_CSV_HEADER,
  REGISTRANT_COLUMNS,
  REGISTRANTS_CSV_HEADER,
  importRowCsv,
  importRowJson,
  registrantCsv,
} from '../../src/demo/case-lines.ts';
import { appendConsentEvents } from '../../src/demo/consent-events.ts';
import type { ImportRow } from '../../src/demo/consent-events.ts';
import { csvField, csvLine } from '../../src/demo/csv-line.ts';
import {
  assertPlainValues,
  generatedEventsCsv,
  generatedEventsJsonl,
  generatedRegistrantCsv,
} from '../../src/demo/generated-lines.ts';
import { generateRegistrants } from '../../src/demo/registrants.ts';
import { Rng } from '../../src/demo/rng.ts';
import { CONSENT_STATUSES, COLLECTION_METHODS, CONSENT_TYPES } from '../../src/domain/types.ts';

const parseCsv = (text: string): string[][] => parse(text, { relaxColumnCount: false });

// Text with the characters that matter to CSV and JSON, plus some non-ASCII.
const tricky = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', ',', '"', '\n', '\r', ';', "'", 'é', 'ب', '\\', '\t', '😀') });

const importRow = fc.record({
  event_id: tricky,
  email: tricky,
  name: tricky,
  postcode: tricky,
  dob: tricky,
  purposes: fc.array(fc.stringMatching(/^[a-z][a-z-]{0,12}$/), { maxLength: 3 }),
  recipients: fc.array(fc.stringMatching(/^[a-z][a-z-]{0,12}$/), { maxLength: 3 }),
  status: fc.constantFrom(...CONSENT_STATUSES),
  notice: tricky,
  at: tricky,
  expires_at: fc.option(tricky, { nil: null }),
  method: fc.constantFrom(...COLLECTION_METHODS),
  consent_type: fc.constantFrom(...CONSENT_TYPES),
  evidence: tricky,
}) as fc.Arbitrary<ImportRow>;

describe('CSV fields and lines', () => {
  it('round-trips any text through csv-parse (RFC 4180 quoting)', () => {
    fc.assert(
      fc.property(fc.array(tricky, { minLength: 1, maxLength: 6 }), (fields) => {
        assert.deepEqual(parseCsv(csvLine(fields)), [fields]);
      }),
      { numRuns: 500 },
    );
  });

  it('quotes only when needed', () => {
    assert.equal(csvField('Sarah Smith'), 'Sarah Smith');
    assert.equal(csvField("Sarah O'Brien"), "Sarah O'Brien");
    assert.equal(csvField('12 Park Road, Leeds'), '"12 Park Road, Leeds"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
  });

  it('encodes any import row so that csv-parse and JSON.parse give it back', () => {
    fc.assert(
      fc.property(fc.array(importRow, { minLength: 1, maxLength: 4 }), (rows) => {
        const text = CONSENT_EVENTS_CSV_HEADER + rows.map(importRowCsv).join('');
        const [header, ...parsed] = parseCsv(text);
        assert.deepEqual(header, [...CONSENT_EVENT_COLUMNS]);
        parsed.forEach((p, i) => {
          const r = rows[i]!;
          assert.deepEqual(p, [
            r.event_id, r.email, r.name, r.postcode, r.dob, r.purposes.join(';'), r.recipients.join(';'), r.status,
            r.notice, r.at, r.expires_at ?? '', r.method, r.consent_type, r.evidence,
          ]);
          const json = importRowJson(r);
          assert.ok(json.endsWith('\n') && !json.slice(0, -1).includes('\n'));
          assert.deepEqual(JSON.parse(json), { ...r });
          assert.deepEqual(Object.keys(JSON.parse(json)), [...CONSENT_EVENT_COLUMNS]);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('gives each row its own line even when consecutive rows share some identity fields', () => {
    const base: ImportRow = {
      event_id: 'e1', email: '', name: 'A, B', postcode: 'LS6 2AB', dob: '1990-01-01', purposes: ['marketing'],
      recipients: [], status: 'ConsentGiven', notice: 'n1', at: '2017-01-01T00:00:00Z', expires_at: null,
      method: 'paper-form', consent_type: 'expressed', evidence: 'x',
    };
    const rows: ImportRow[] = [base, { ...base, event_id: 'e2', name: 'C' }, { ...base, event_id: 'e3', dob: '1991-01-01', evidence: 'y, z' }, base];
    const parsed = parseCsv(rows.map(importRowCsv).join(''));
    assert.deepEqual(parsed.map((p) => [p[0], p[2], p[4], p[13]]), [
      ['e1', 'A, B', '1990-01-01', 'x'],
      ['e2', 'C', '1990-01-01', 'x'],
      ['e3', 'A, B', '1991-01-01', 'y, z'],
      ['e1', 'A, B', '1990-01-01', 'x'],
    ]);
  });
});

describe('fast lines for generated data', () => {
  it('are byte for byte the general encoding, for every registrant and event of a run', () => {
    const seed = 77;
    const rng = new Rng(seed);
    const rows: ImportRow[] = [];
    let fast = '';
    let general = '';
    let fastJson = '';
    let generalJson = '';
    let fastReg = '';
    let generalReg = '';
    for (const r of generateRegistrants({ records: 20_000, seed })) {
      rows.length = 0;
      appendConsentEvents(r, seed, rng, rows);
      fast += generatedEventsCsv(rows);
      fastJson += generatedEventsJsonl(rows);
      for (const e of rows) {
        general += importRowCsv(e);
        generalJson += importRowJson(e);
      }
      fastReg += generatedRegistrantCsv(r);
      generalReg += registrantCsv(r);
    }
    assert.equal(fast, general);
    assert.equal(fastJson, generalJson);
    assert.equal(fastReg, generalReg);
    const parsed = parseCsv(REGISTRANTS_CSV_HEADER + fastReg);
    assert.deepEqual(parsed[0], [...REGISTRANT_COLUMNS]);
    assert.equal(parsed.length, 20_001);
    assert.equal(generatedEventsCsv([]), '');
  });

  it('refuse to be built from values that would need quoting or escaping', () => {
    assert.doesNotThrow(() => assertPlainValues(["O'Brien", 'Stoke-on-Trent']));
    for (const bad of ['a,b', 'say "x"', 'back\\slash', 'line\nbreak', 'tab\there']) {
      assert.throws(() => assertPlainValues([bad]), /needs quoting/);
    }
  });
});
