import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { consentEventCount, consentEventsFor } from '../../src/demo/consent-events.ts';
import { Rng } from '../../src/demo/rng.ts';
import { registrantRange } from '../../src/demo/registrants.ts';
import { canonicalJson } from '../../src/domain/canonical-json.ts';
import { ORG_IDS, ORGANISATIONS } from '../../src/demo/reference-case.ts';
import { SubjectKeyer } from '../../src/domain/subject-key.ts';
import type { Notice } from '../../src/domain/types.ts';
import { buildCaseLoadBlock } from '../../src/ingest/case-load-block.ts';
import { checkConsentRow } from '../../src/ingest/consent-row.ts';
import { referenceNotices } from '../../src/ingest/load-reference-case.ts';
import { consentEntry } from '../../src/ledger/entries.ts';
import { eventIdList } from '../../src/store/consent-columns.ts';
import { joinList } from '../../src/store/row-mappers.ts';

describe('a block of the reference case for the bulk load', () => {
  it('holds exactly the events consent import would store from the rows, with their leaf hashes', () => {
    const secret = new Uint8Array(32).fill(7);
    const seed = 20_170_505;
    // Registrant 36,914 of this seed withdraws after opting in.
    const first = 20_001;
    const count = 20_000;
    const block = buildCaseLoadBlock({ seed, first, count, secret });
    const c = block.events;
    // The import's own row check, with the context `consent import --org emmas-diary` has.
    const notices = new Map<string, Notice>();
    for (const n of referenceNotices()) notices.set(n.id, n).set(n.hash, n);
    const context = { controller: ORG_IDS.collector, organisations: new Set(ORGANISATIONS.map((o) => o.id)), notices };
    const keyer = new SubjectKeyer(secret);
    const ids = eventIdList(c.eventIds);
    const text = (code: number): string | null => (code < 0 ? null : c.strings[code]!);
    let k = 0;
    const seen = { withdrawals: 0, withdrawalAfterOptIn: 0, optIns: 0, arabic: 0, paper: 0 };
    let r = 0;
    // The reference path: import rows, the event `consent import` makes of each, and the generic serialiser.
    for (const reg of registrantRange(seed, first, count)) {
      const rows = [...consentEventsFor(reg, seed)];
      if (reg.method === 'paper-form') seen.paper++;
      for (let j = 0; j < rows.length; j++) {
        const row = rows[j]!;
        const checked = checkConsentRow({ ...row }, context);
        assert.ok(checked.ok, `row ${row.event_id}`);
        const { identifier, ...rest } = checked.row;
        const key = keyer.keyOfMaterial(identifier);
        if (j === 0) assert.deepEqual(block.keys.subarray(r * 32, r * 32 + 32), key, `registrant ${reg.id}: key`);
        const e = { ...rest, subject: key };
        if (row.event_id.endsWith('-wd')) {
          seen.withdrawals++;
          if (j > 0 && rows[j - 1]!.event_id.endsWith('-pol')) seen.withdrawalAfterOptIn++;
        }
        if (row.event_id.endsWith('-pol')) seen.optIns++;
        if (row.notice === 'n2-ar') seen.arabic++;
        const where = `event ${k} (${e.id})`;
        assert.equal(ids[k], e.id, where);
        assert.equal(c.subject[k], r, where);
        assert.equal(text(c.controller[k]!), e.controller, where);
        assert.equal(text(c.purposes[k]!), joinList(e.purposes), where);
        assert.equal(text(c.recipients[k]!), joinList(e.recipients), where);
        assert.equal(text(c.status[k]!), e.status, where);
        assert.equal(text(c.notice[k]!), e.notice, where);
        assert.equal(text(c.method[k]!), e.method, where);
        assert.equal(text(c.consentType[k]!), e.consentType, where);
        assert.equal(text(c.evidence[k]!), e.evidence, where);
        assert.equal(c.at[k], e.at, where);
        assert.ok(e.expiresAt === null && Number.isNaN(c.expiresAt[k]!), where);
        const leaf = createHash('sha256').update(Buffer.from([0])).update(canonicalJson(consentEntry(e))).digest();
        assert.deepEqual(Buffer.from(c.leafHashes.subarray(k * 32, k * 32 + 32)), leaf, `${where}: leaf hash`);
        k++;
      }
      r++;
    }
    assert.equal(c.count, k);
    assert.equal(ids.length, k);
    // Every shape of a registrant's history was met (a withdrawal after an opt-in is rare).
    for (const [shape, n] of Object.entries(seen)) assert.ok(n > 0, shape);
  });

  it('counts the events of each registrant ahead, as the load does to place its blocks in the log', () => {
    const seed = 20_170_505;
    const rng = new Rng(seed);
    let events = 0;
    for (const reg of registrantRange(seed, 36_000, 2_000)) {
      const n = [...consentEventsFor(reg, seed)].length;
      events += n;
      assert.equal(consentEventCount(seed, reg.ordinal, rng), n, reg.id);
    }
    const block = buildCaseLoadBlock({ seed, first: 36_000, count: 2_000, secret: new Uint8Array(32), firstLeaf: 1_000_003 });
    assert.equal(block.events.count, events);
    assert.deepEqual([block.events.leafSubtrees?.first, block.events.leafSubtrees?.count], [1_000_003, events]);
  });
});
