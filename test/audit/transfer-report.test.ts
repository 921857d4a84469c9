/** Reported transfers in the SQLite store, and the lint's sentence splitter: exact values. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sentences } from '../../src/audit/notice-lint.ts';
import { reportTransfer } from '../../src/audit/transfer-report.ts';
import { openApp } from '../../src/app.ts';
import { BROKER, CLUB, key } from '../helpers/fixtures.ts';
import { tmpDir } from '../helpers/tmp.ts';

describe('transfer reports in the store', () => {
  it('stores the people as sorted distinct keys with a ledger leaf, once', async () => {
    const app = await openApp({ db: join(tmpDir(), 'c.db'), env: {} });
    try {
      await app.store.putOrganisation(CLUB);
      await app.store.putOrganisation(BROKER);
      const [a, b] = [key(), key()];
      const keys = new Uint8Array(96);
      keys.set(b, 0);
      keys.set(a, 32);
      keys.set(b, 64);
      const request = { from: 'club', to: 'broker', onBehalfOf: null, purpose: 'marketing', channel: 'none' as const, fields: ['name'], at: Date.UTC(2020, 0, 1), basis: 'consent' as const, tpsScreened: false };
      const size = await app.store.ledger.size();
      const first = await reportTransfer(app.store, { request, reportedBy: 'club', keys }, Date.UTC(2020, 0, 2));
      assert.equal(first.created, true);
      assert.equal(first.report.count, 3);
      assert.equal(first.report.subjects?.count, 2);
      assert.equal(first.report.leaf, size);
      const sorted = Buffer.compare(Buffer.from(a), Buffer.from(b)) < 0 ? [a, b] : [b, a];
      assert.deepEqual(Buffer.from(await app.store.transferReportSubjects(first.report.id)), Buffer.concat(sorted.map((k) => Buffer.from(k))));
      const again = await reportTransfer(app.store, { request, reportedBy: null, keys }, Date.UTC(2021, 0, 1));
      assert.equal(again.created, false);
      assert.equal(again.report.id, first.report.id);
      const byCount = await reportTransfer(app.store, { request, reportedBy: null, count: 7 }, Date.UTC(2020, 0, 2));
      assert.equal(byCount.report.subjects, null);
      assert.deepEqual(await app.store.transferReportSubjects(byCount.report.id), new Uint8Array(0));
      assert.deepEqual((await app.store.listTransferReports()).map((r) => [r.id, r.count]).sort(), [[first.report.id, 3], [byCount.report.id, 7]].sort());
      await assert.rejects(reportTransfer(app.store, { request, reportedBy: null }, 0), /needs the records sent/);
    } finally {
      await app.close();
    }
  });
});

describe('sentences', () => {
  it('splits at full stops before white space, keeping e-mail addresses whole, with offsets', () => {
    const text = 'We use data. Write to a.b@x.example. لن نفعل ذلك؟ Last one';
    assert.deepEqual(sentences(text).map((s) => [s.text, s.start, s.end, text.slice(s.start, s.end) === s.text]), [
      ['We use data.', 0, 12, true],
      ['Write to a.b@x.example.', 13, 36, true],
      ['لن نفعل ذلك؟', 37, 49, true],
      ['Last one', 50, 58, true],
    ]);
  });
});
