/**
 * The store contract: every Store implementation runs these same tests against a real
 * database. Add a case here, not in an implementation's own test file.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Store } from '../../src/store/store.ts';
import { UserError } from '../../src/errors.ts';
import { BROKER, CLUB, consent, key, notice } from '../helpers/fixtures.ts';

export type StoreFactory = () => Promise<Store>;

export function storeContract(name: string, open: StoreFactory): void {
  describe(`Store contract: ${name}`, () => {
    it('registers organisations once; the same details again are unchanged, different ones refused', async () => {
      const s = await open();
      try {
        assert.equal(await s.putOrganisation(CLUB), 'created');
        assert.equal(await s.putOrganisation(CLUB), 'unchanged');
        await assert.rejects(s.putOrganisation({ ...CLUB, name: 'Other' }), UserError);
        assert.deepEqual(await s.getOrganisation('club'), CLUB);
        assert.equal(await s.getOrganisation('nobody'), null);
        await s.putOrganisation(BROKER);
        assert.deepEqual((await s.listOrganisations()).map((o) => o.id), ['broker', 'club']);
      } finally {
        await s.close();
      }
    });

    it('keeps notices immutable and finds them by id or hash', async () => {
      const s = await open();
      try {
        await s.putOrganisation(CLUB);
        const n1 = notice();
        assert.equal(await s.putNotice(n1), 'created');
        assert.equal(await s.putNotice(n1), 'unchanged');
        await assert.rejects(s.putNotice(notice({ text: 'changed wording' })), /immutable|different content/);
        assert.deepEqual(await s.getNotice('club', 'n1'), n1);
        assert.deepEqual(await s.getNotice('club', n1.hash), n1);
        assert.equal(await s.getNotice('broker', 'n1'), null);
        assert.equal((await s.listNotices('club')).length, 1);
      } finally {
        await s.close();
      }
    });

    it('declares datasets once, with their fields and categories', async () => {
      const s = await open();
      try {
        await s.putOrganisation(CLUB);
        const d = { id: 'members', controller: 'club', name: 'Members', fields: [{ name: 'name', category: 'name' }, { name: 'child_dob', category: 'child-birth-date' }] };
        assert.equal(await s.putDataset(d), 'created');
        assert.equal(await s.putDataset(d), 'unchanged');
        await assert.rejects(s.putDataset({ ...d, fields: [{ name: 'name', category: 'name' }] }), /other fields/);
        assert.deepEqual(await s.getDataset('club', 'members'), d);
        assert.deepEqual((await s.listDatasets('club')).map((x) => x.id), ['members']);
        assert.equal((await s.stats()).datasets, 1);
      } finally {
        await s.close();
      }
    });

    it('appends consent events, assigns dense subject ordinals, and is idempotent', async () => {
      const s = await open();
      try {
        await s.putOrganisation(CLUB);
        const k1 = key();
        const k2 = key();
        const events = [consent(k1, { id: 'a' }), consent(k2, { id: 'b' }), consent(k1, { id: 'c', status: 'ConsentWithdrawn', at: Date.UTC(2017, 0, 1) })];
        const r1 = await s.appendConsentEvents(events);
        assert.deepEqual(r1, { inserted: 3, unchanged: 0, newSubjects: 2 });
        const r2 = await s.appendConsentEvents(events);
        assert.deepEqual(r2, { inserted: 0, unchanged: 3, newSubjects: 0 });
        const ords = await s.subjectOrdinals(Buffer.concat([k1, k2, key()]));
        assert.deepEqual([...ords], [0, 1, -1]);
        const mine = await s.consentEventsOf(k1);
        assert.deepEqual(mine.map((e) => [e.id, e.status, e.ordinal]), [['a', 'ConsentGiven', 0], ['c', 'ConsentWithdrawn', 0]]);
        assert.deepEqual(Buffer.from(mine[0]!.subject), Buffer.from(k1));
        const seen: string[] = [];
        assert.equal(await s.eachConsentEvent((e) => seen.push(e.id)), 3);
        assert.deepEqual(seen, ['a', 'b', 'c']);
        assert.equal((await s.stats()).subjects, 2);
      } finally {
        await s.close();
      }
    });

    it('refuses a batch holding an event id already stored with other content, and keeps nothing of it', async () => {
      const s = await open();
      try {
        await s.putOrganisation(CLUB);
        const k1 = key();
        await s.appendConsentEvents([consent(k1, { id: 'a' })]);
        const fresh = key();
        await assert.rejects(s.appendConsentEvents([consent(fresh, { id: 'new' }), consent(k1, { id: 'a', status: 'ConsentRefused' })]), /different content/);
        const st = await s.stats();
        assert.equal(st.consentEvents, 1);
        assert.equal(st.subjects, 1);
        assert.equal((await s.subjectOrdinals(fresh))[0], -1);
        // The store still assigns the next ordinal densely after the rollback.
        await s.appendConsentEvents([consent(fresh, { id: 'new' })]);
        assert.equal((await s.subjectOrdinals(fresh))[0], 1);
      } finally {
        await s.close();
      }
    });

    it('finds stored events by id for re-import checks', async () => {
      const s = await open();
      try {
        await s.putOrganisation(CLUB);
        const k = key();
        await s.appendConsentEvents([consent(k, { id: 'x', purposes: ['marketing', 'service-provision'], recipients: ['broker'] })]);
        const found = await s.findConsentEvents('club', ['x', 'y']);
        assert.equal(found.size, 1);
        assert.deepEqual(found.get('x')!.purposes, ['marketing', 'service-provision']);
        assert.deepEqual(found.get('x')!.recipients, ['broker']);
      } finally {
        await s.close();
      }
    });

    it('records objections once per id', async () => {
      const s = await open();
      try {
        await s.putOrganisation(CLUB);
        const k = key();
        const o = { id: 'o1', controller: 'club', subject: k, scope: 'direct-marketing' as const, at: Date.UTC(2017, 1, 1), source: 'request' as const };
        assert.equal(await s.appendObjection(o), 'created');
        assert.equal(await s.appendObjection(o), 'unchanged');
        const seen: number[] = [];
        await s.eachObjection((x) => seen.push(x.ordinal));
        assert.deepEqual(seen, [0]);
      } finally {
        await s.close();
      }
    });

    it('keeps API keys by the hash of their secret only, and revokes them', async () => {
      const s = await open();
      try {
        await s.putOrganisation(CLUB);
        const hash = new Uint8Array(32).fill(9);
        await s.putApiKey({ id: 'k1', organisation: 'club', role: 'collector', label: 'web form', createdAt: 1, revokedAt: null }, hash);
        assert.equal((await s.findApiKey(hash))?.role, 'collector');
        assert.equal(await s.findApiKey(new Uint8Array(32)), null);
        assert.deepEqual((await s.listApiKeys('club')).map((k) => k.id), ['k1']);
        assert.equal(await s.revokeApiKey('k1', 5), true);
        assert.equal(await s.revokeApiKey('k1', 6), false);
        assert.equal((await s.findApiKey(hash))?.revokedAt, 5);
        await s.putIdempotent('k1', 'idem-1', { requestHash: 'h', status: 201, response: '{"ok":true}' });
        await s.putIdempotent('k1', 'idem-1', { requestHash: 'other', status: 500, response: '{}' });
        assert.deepEqual(await s.getIdempotent('k1', 'idem-1'), { requestHash: 'h', status: 201, response: '{"ok":true}' });
        assert.equal(await s.getIdempotent('k2', 'idem-1'), null);
      } finally {
        await s.close();
      }
    });

    it('keeps import runs so an interrupted import can resume', async () => {
      const s = await open();
      try {
        await s.putOrganisation(CLUB);
        const run = await s.beginImport('club', 'f'.repeat(64), 10);
        await s.appendConsentEvents([consent(key(), { id: 'r1' })], { runId: run.id, line: 2 });
        const again = await s.beginImport('club', 'f'.repeat(64), 10);
        assert.equal(again.id, run.id);
        assert.equal(again.committedLine, 2);
        await s.finishImport(run.id);
        const next = await s.beginImport('club', 'f'.repeat(64), 10);
        assert.notEqual(next.id, run.id);
        assert.equal(next.committedLine, 0);
      } finally {
        await s.close();
      }
    });
  });
}
