/**
 * The store contract: every Store implementation runs these same tests against a real
 * database. Add a case here, not in an implementation's own test file.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CommittedTransfer, ConsentColumns, NewConsentEvent, Store } from '../../src/store/store.ts';
import { splitList } from '../../src/store/row-mappers.ts';
import { eventIdAt, eventIdColumn, eventIdList } from '../../src/store/consent-columns.ts';
import type { CollectionMethod, ConsentStatus, ConsentType } from '../../src/domain/types.ts';
import { leafHash, rootOfLeafHashes, verifyConsistency, verifyInclusion } from '../../src/ledger/merkle.ts';
import { consentEntry } from '../../src/ledger/entries.ts';
import { canonicalJson } from '../../src/domain/canonical-json.ts';
import { generateSigningKey } from '../../src/ledger/signing-key.ts';
import { sortSubjectKeys } from '../../src/ledger/subject-commitment.ts';
import { subjectSetBlocks } from '../../src/ledger/subject-set-blocks.ts';
import { UserError } from '../../src/errors.ts';
import { BROKER, CLUB, consent, key, notice } from '../helpers/fixtures.ts';
import { buildCaseLoadBlock } from '../../src/ingest/case-load-block.ts';
import { referenceNotices } from '../../src/ingest/load-reference-case.ts';
import { ORGANISATIONS } from '../../src/demo/reference-case.ts';

export type StoreFactory = () => Promise<Store>;

/** The events of a columns batch as objects, to write them the ordinary way. */
function eventsOfColumns(c: ConsentColumns): NewConsentEvent[] {
  const str = (i: number): string | null => (i < 0 ? null : c.strings[i]!);
  return Array.from({ length: c.count }, (_, i) => ({
    id: eventIdAt(c.eventIds, i),
    controller: c.strings[c.controller[i]!]!,
    subject: c.subjectKeys.slice(c.subject[i]! * 32, c.subject[i]! * 32 + 32),
    purposes: splitList(c.strings[c.purposes[i]!]!),
    recipients: splitList(c.strings[c.recipients[i]!]!),
    status: c.strings[c.status[i]!]! as ConsentStatus,
    notice: str(c.notice[i]!),
    at: c.at[i]!,
    expiresAt: Number.isNaN(c.expiresAt[i]!) ? null : c.expiresAt[i]!,
    method: str(c.method[i]!) as CollectionMethod | null,
    consentType: c.strings[c.consentType[i]!]! as ConsentType,
    evidence: str(c.evidence[i]!),
  }));
}

/** The batch with its events in reverse order (ids descending: a store cannot keep it in blocks). */
function reversedColumns(c: ConsentColumns): ConsentColumns {
  const rev = <T extends Int32Array | Uint32Array | Float64Array>(a: T): T => a.slice().reverse() as T;
  const hashes = new Uint8Array(c.leafHashes.length);
  for (let i = 0; i < c.count; i++) hashes.set(c.leafHashes.subarray(i * 32, i * 32 + 32), (c.count - 1 - i) * 32);
  return {
    ...c,
    controller: rev(c.controller), purposes: rev(c.purposes), recipients: rev(c.recipients), status: rev(c.status), notice: rev(c.notice),
    method: rev(c.method), consentType: rev(c.consentType), evidence: rev(c.evidence), eventIds: eventIdColumn(eventIdList(c.eventIds).reverse()), subject: rev(c.subject),
    at: rev(c.at), expiresAt: rev(c.expiresAt), leafHashes: hashes,
  };
}

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

    it('records a transfer once, with its subjects (known and new), their flags and reasons', async () => {
      const s = await open();
      try {
        await s.putOrganisation(CLUB);
        await s.putOrganisation(BROKER);
        const known = key();
        await s.appendConsentEvents([consent(known, { id: 'k' })]);
        const stranger = key();
        const keys = [known, stranger].sort((a, b) => Buffer.compare(a, b));
        const flags = keys.map((k) => (k === known ? 0 : 1));
        const t = transfer('t-1');
        const before = await s.ledger.size();
        const r = await s.recordTransfer(t, { keys: Buffer.concat(keys), allowed: Uint8Array.from(flags), reasons: { byOrdinal: new Map([[0, 'purpose-not-named;recipient-not-named']]), unknown: null } });
        assert.equal(r.created, true);
        assert.equal(r.transfer.leaf, before);
        assert.equal(await s.ledger.size(), before + 1);
        const again = await s.recordTransfer(t, { keys: Buffer.concat(keys), allowed: Uint8Array.from(flags) });
        assert.deepEqual(again, { transfer: r.transfer, created: false });
        assert.equal(await s.ledger.size(), before + 1);
        assert.deepEqual(await s.getTransfer('t-1'), r.transfer);
        assert.deepEqual((await s.listTransfers()).map((x) => x.id), ['t-1']);
        const subjects = await s.transferSubjects('t-1');
        assert.deepEqual(Buffer.from(subjects.keys), Buffer.concat(keys));
        assert.deepEqual([...subjects.allowed], flags);
        assert.equal((await s.subjectOrdinals(stranger))[0], 1, 'a person new to the store is registered by the transfer');
        const h = await s.subjectHistory(known);
        assert.deepEqual(h!.transfers.map((x) => [x.transfer.id, x.allowed, x.reasons]), [['t-1', false, ['purpose-not-named', 'recipient-not-named']]]);
        assert.deepEqual((await s.subjectHistory(stranger))!.transfers.map((x) => [x.transfer.id, x.allowed]), [['t-1', true]]);
        assert.equal(await s.subjectHistory(key()), null);
        assert.deepEqual([...(await s.deliveredSubjects(['t-1']))], [1]);
        // A second transfer to the same people, with the flags the other way round: each link
        // names its own transfer.
        const t2 = { ...transfer('t-2'), decidedAt: t.decidedAt + 1 };
        await s.recordTransfer(t2, { keys: Buffer.concat(keys), allowed: Uint8Array.from(flags.map((f) => 1 - f)) });
        assert.deepEqual([...(await s.transferSubjects('t-2')).allowed], flags.map((f) => 1 - f));
        assert.deepEqual([...(await s.transferSubjects('t-1')).allowed], flags);
        assert.deepEqual((await s.subjectHistory(known))!.transfers.map((x) => [x.transfer.id, x.allowed]), [['t-1', false], ['t-2', true]]);
        assert.deepEqual((await s.subjectHistory(stranger))!.transfers.map((x) => [x.transfer.id, x.allowed]), [['t-1', true], ['t-2', false]]);
        assert.deepEqual([...(await s.deliveredSubjects(['t-2']))], [0]);
        assert.deepEqual([...(await s.deliveredSubjects(['t-1', 't-2']))].sort(), [0, 1]);
      } finally {
        await s.close();
      }
    });

    it('keeps every link of a transfer larger than one write: each person with their own flag and reasons', async () => {
      const s = await open();
      try {
        await s.putOrganisation(CLUB);
        await s.putOrganisation(BROKER);
        // 700 people: whole groups of links and a remainder, whatever the store's group size.
        const people = Array.from({ length: 700 }, () => key());
        await s.appendConsentEvents(people.slice(0, 400).map((k, i) => consent(k, { id: `e-${i}` })));
        const keys = [...people].sort((a, b) => Buffer.compare(a, b));
        const ordinals = await s.subjectOrdinals(Buffer.concat(keys));
        const allowed = keys.map((_, j) => (j % 3 === 0 ? 1 : 0));
        const why = ['purpose-not-named', 'consent-withdrawn;objection', 'recipient-not-named'];
        const byOrdinal = new Map<number, string>();
        keys.forEach((_, j) => {
          if (!allowed[j] && ordinals[j]! >= 0) byOrdinal.set(ordinals[j]!, why[j % why.length]!);
        });
        await s.recordTransfer(transfer('t-big'), { keys: Buffer.concat(keys), allowed: Uint8Array.from(allowed), reasons: { byOrdinal, unknown: 'no-consent-record' } });
        const subjects = await s.transferSubjects('t-big');
        assert.deepEqual(Buffer.from(subjects.keys), Buffer.concat(keys));
        assert.deepEqual([...subjects.allowed], allowed);
        for (let j = 0; j < keys.length; j++) {
          const [link] = (await s.subjectHistory(keys[j]!))!.transfers;
          const reasons = allowed[j] ? [] : ordinals[j]! >= 0 ? why[j % why.length]!.split(';') : ['no-consent-record'];
          assert.deepEqual([link!.transfer.id, link!.allowed, link!.reasons], ['t-big', allowed[j] === 1, reasons], `person ${j}`);
        }
      } finally {
        await s.close();
      }
    });

    it('records derivations and rights requests with a notice per holder, acknowledged once by that holder', async () => {
      const s = await open();
      try {
        await s.putOrganisation(CLUB);
        await s.putOrganisation(BROKER);
        const k = key();
        await s.appendConsentEvents([consent(k, { id: 'k' })]);
        const d = { id: 'seg-1', controller: 'broker', name: 'Segment', purpose: 'marketing', sources: ['t-x'], at: Date.UTC(2017, 5, 1), subjects: { count: 1, root: 'ab'.repeat(32) } };
        const rd = await s.recordDerivation(d, Int32Array.from([0, 0]));
        assert.equal(rd.created, true);
        assert.equal((await s.recordDerivation(d, Int32Array.from([0]))).created, false);
        assert.deepEqual(await s.getDerivation('seg-1'), rd.derivation);
        assert.deepEqual((await s.listDerivations()).map((x) => x.id), ['seg-1']);
        const req = { id: 'rq-1', kind: 'withdraw' as const, controller: 'club', subject: Buffer.from(k).toString('hex'), at: Date.UTC(2018, 0, 2), scope: ['marketing'], source: 'request' as const, note: null };
        const due = Date.UTC(2018, 1, 2);
        const rr = await s.recordRightsRequest(req, [{ holder: 'broker', due }]);
        assert.equal(rr.created, true);
        assert.equal((await s.recordRightsRequest(req, [{ holder: 'broker', due }])).created, false);
        assert.deepEqual(await s.listRightsNotices({ holder: 'broker' }), [{ request: 'rq-1', kind: 'withdraw', controller: 'club', holder: 'broker', at: req.at, due, acknowledgedAt: null }]);
        assert.equal(await s.acknowledgeRights('rq-1', 'club', 5), 'not-yours');
        assert.equal(await s.acknowledgeRights('rq-1', 'broker', Date.UTC(2018, 0, 9)), 'created');
        assert.equal(await s.acknowledgeRights('rq-1', 'broker', Date.UTC(2018, 0, 10)), 'unchanged');
        assert.equal((await s.listRightsNotices({ controller: 'club' }))[0]!.acknowledgedAt, Date.UTC(2018, 0, 9));
        const h = (await s.subjectHistory(k))!;
        assert.deepEqual(h.derivations.map((x) => x.id), ['seg-1']);
        assert.deepEqual(h.rights.map((x) => x.id), ['rq-1']);
        assert.deepEqual(h.consents.map((x) => x.id), ['k']);
      } finally {
        await s.close();
      }
    });

    it('streams decision facts in store order, matching the full events', async () => {
      const s = await open();
      try {
        await s.putOrganisation(CLUB);
        const ks = [key(), key(), key()];
        await s.appendConsentEvents([
          consent(ks[0]!, { id: 'a', purposes: ['marketing', 'political-campaign'], recipients: ['broker'], notice: 'f'.repeat(64), expiresAt: Date.UTC(2030, 0, 1) }),
          consent(ks[1]!, { id: 'b', method: null, consentType: 'explicit' }),
        ]);
        await s.appendConsentEvents([consent(ks[2]!, { id: 'c', status: 'ConsentWithdrawn' }), consent(ks[0]!, { id: 'd', status: 'ConsentRefused' })]);
        const full: string[] = [];
        await s.eachConsentEvent((e) => full.push(JSON.stringify([e.ordinal, e.controller, e.purposes, e.recipients, e.status, e.notice, e.at, e.expiresAt, e.method, e.consentType])));
        const facts: string[] = [];
        assert.equal(await s.eachConsentFact((o, e) => facts.push(JSON.stringify([o, e.controller, e.purposes, e.recipients, e.status, e.notice, e.at, e.expiresAt, e.method, e.consentType]))), 4);
        assert.deepEqual(facts, full);
        assert.equal(full.length, 4);
        const keys: string[] = [];
        assert.equal(await s.eachSubjectKey((o, k) => keys.push(`${o}:${Buffer.from(k).toString('hex')}`)), 3);
        assert.deepEqual(keys, ks.map((k, i) => `${i}:${Buffer.from(k).toString('hex')}`));
        assert.equal(await s.subjectCount(), 3);
      } finally {
        await s.close();
      }
    });

    it('gives every write exactly one leaf, whose proofs verify under a signed tree head', async () => {
      const s = await open();
      try {
        await s.putOrganisation(CLUB);
        await s.putNotice(notice());
        const events = [consent(key(), { id: 'a' }), consent(key(), { id: 'b', evidence: 'reply "yes" \u00e9' })];
        await s.appendConsentEvents(events);
        await s.putOrganisation(CLUB); // unchanged: no leaf
        assert.equal(await s.ledger.size(), 4);
        // Consent leaves keep only their hash; their data comes back from the event rows, byte for byte.
        for (const [i, e] of events.entries()) assert.equal(Buffer.from((await s.ledger.leaf(i + 2)).data).toString('utf8'), canonicalJson(consentEntry(e)));
        for await (const b of s.ledger.leaves(0, 4)) for (const l of b) assert.deepEqual(Buffer.from(leafHash(l.data)), Buffer.from(l.hash), `leaf ${l.index}`);
        const signer = generateSigningKey('consentry.test/contract');
        const head = await s.ledger.signTreeHead(signer, 1_000);
        assert.equal(head.size, 4);
        assert.deepEqual((await s.ledger.treeHeads()).map((h) => h.size), [4]);
        const root = await s.ledger.root();
        assert.deepEqual(Buffer.from(head.root), Buffer.from(root));
        for (let i = 0; i < 4; i++) {
          const leaf = await s.ledger.leaf(i);
          assert.ok(verifyInclusion(leaf.hash, i, 4, await s.ledger.inclusionProof(i, 4), root), `leaf ${i}`);
        }
        const batches: number[] = [];
        for await (const b of s.ledger.leaves(0, 4, 3)) batches.push(b.length);
        assert.deepEqual(batches, [3, 1]);
      } finally {
        await s.close();
      }
    });

    it('records a reported transfer once, with its subjects as sorted distinct keys and its own leaf', async () => {
      const s = await open();
      try {
        await s.putOrganisation(CLUB);
        await s.putOrganisation(BROKER);
        const [a, b] = [key(), key()];
        await s.appendConsentEvents([consent(a, { id: 'a' })]);
        const report = { id: 'rp-1', reportedAt: Date.UTC(2020, 0, 2), reportedBy: 'club', request: { from: 'club', to: 'broker', onBehalfOf: null, purpose: 'marketing', fields: ['name'], at: Date.UTC(2020, 0, 1) }, count: 3, subjects: { count: 2, root: '22'.repeat(32) } };
        const size = await s.ledger.size();
        const r = await s.recordTransferReport(report, Buffer.concat([b, a, b]));
        assert.deepEqual(r, { report: { ...report, leaf: size }, created: true });
        assert.equal((await s.recordTransferReport(report, Buffer.concat([a]))).created, false);
        assert.equal(await s.ledger.size(), size + 1);
        const sorted = [a, b].sort((x, y) => Buffer.compare(x, y));
        assert.deepEqual(Buffer.from(await s.transferReportSubjects('rp-1')), Buffer.concat(sorted));
        assert.equal((await s.subjectOrdinals(b))[0], 1, 'a person new to the store is registered by the report');
        const byCount = { ...report, id: 'rp-2', count: 7, subjects: null };
        await s.recordTransferReport(byCount, null);
        assert.deepEqual(await s.transferReportSubjects('rp-2'), new Uint8Array(0));
        assert.deepEqual((await s.listTransferReports()).map((x) => [x.id, x.count]), [['rp-1', 3], ['rp-2', 7]]);
        const req = { id: 'rq-9', kind: 'erase' as const, controller: 'club', subject: Buffer.from(a).toString('hex'), at: Date.UTC(2020, 1, 1), scope: [], source: 'request' as const, note: null };
        await s.recordRightsRequest(req, []);
        assert.deepEqual((await s.listRightsRequests()).map((x) => x.id), ['rq-9']);
      } finally {
        await s.close();
      }
    });

    it('keeps a subject set in blocks once, and finds the block at or after a key', async () => {
      const s = await open();
      try {
        const keys = sortSubjectKeys(Buffer.concat(Array.from({ length: 10 }, () => key())));
        const set = subjectSetBlocks(keys, 4, 2);
        assert.equal(set.blocks.length, 3);
        assert.equal(await s.putSubjectSet('t/requested', set), 'created');
        assert.equal(await s.putSubjectSet('t/requested', subjectSetBlocks(keys.subarray(0, 32), 4, 2)), 'unchanged');
        const k = (i: number): Uint8Array => keys.slice(i * 32, (i + 1) * 32);
        const layout = { size: 10, blockKeys: 4, groupKeys: 2 };
        const stored = (i: number) => ({ index: i, keys: Buffer.from(set.blocks[i]!.keys), groups: Buffer.from(set.blocks[i]!.groups), path: Buffer.from(set.blocks[i]!.path) });
        const read = async (id: string, at: Uint8Array, side: 'at' | 'after') => {
          const r = await s.subjectSetBlock(id, at, side);
          return r && { layout: r.layout, block: r.block && { index: r.block.index, keys: Buffer.from(r.block.keys), groups: Buffer.from(r.block.groups), path: Buffer.from(r.block.path) } };
        };
        const below = new Uint8Array(32);
        const above = new Uint8Array(32).fill(255);
        assert.deepEqual(await read('t/requested', below, 'at'), { layout, block: null });
        assert.deepEqual(await read('t/requested', below, 'after'), { layout, block: stored(0) });
        assert.deepEqual(await read('t/requested', k(4), 'at'), { layout, block: stored(1) }, 'a block starting at the key');
        assert.deepEqual(await read('t/requested', k(7), 'at'), { layout, block: stored(1) });
        assert.deepEqual(await read('t/requested', k(4), 'after'), { layout, block: stored(2) });
        assert.deepEqual(await read('t/requested', above, 'at'), { layout, block: stored(2) });
        assert.deepEqual(await read('t/requested', above, 'after'), { layout, block: null });
        assert.equal(await s.subjectSetBlock('t/allowed', k(0), 'at'), null, 'no set kept under that id');
        assert.equal(await s.putSubjectSet('t/allowed', subjectSetBlocks(new Uint8Array(0), 4, 2)), 'created');
        assert.deepEqual(await read('t/allowed', k(0), 'at'), { layout: { size: 0, blockKeys: 4, groupKeys: 2 }, block: null }, 'an empty set is kept too');
      } finally {
        await s.close();
      }
    });

    it('bulk-loads events given in columns with their leaf hashes, and reads them back as leaves and events', async () => {
      const s = await open();
      try {
        const block = buildCaseLoadBlock({ seed: 5, first: 1, count: 40, secret: new Uint8Array(32).fill(9) });
        const loaded = await s.bulkLoad(async () => {
          for (const o of ORGANISATIONS) await s.putOrganisation(o);
          for (const n of referenceNotices()) await s.putNotice(n);
          return s.appendConsentColumns(block.events);
        });
        const { ordinals, ...counts } = loaded;
        assert.deepEqual(counts, { inserted: block.events.count, unchanged: 0, newSubjects: 40 });
        assert.deepEqual([...ordinals], Array.from({ length: 40 }, (_, i) => i), 'each registrant\'s ordinal, in the order of the block\'s keys');
        assert.equal(await s.subjectCount(), 40);
        await assert.rejects(s.appendConsentColumns(block.events), /inside bulkLoad only/);
        const size = await s.ledger.size();
        let consents = 0;
        for await (const batch of s.ledger.leaves(0, size)) {
          for (const leaf of batch) {
            assert.deepEqual(Buffer.from(leafHash(leaf.data)), Buffer.from(leaf.hash), `leaf ${leaf.index}`);
            if (Buffer.from(leaf.data).toString('utf8').includes('"kind":"consent"')) consents++;
          }
        }
        assert.equal(consents, block.events.count);
        const events: string[] = [];
        await s.eachConsentEvent((e) => events.push(`${e.id}:${e.ordinal}:${e.leaf}`));
        assert.equal(events.length, block.events.count);
        assert.deepEqual([...(await s.subjectOrdinals(block.keys.subarray(39 * 32, 40 * 32)))], [39]);
      } finally {
        await s.close();
      }
    });

    it('reads a bulk load\'s events by id, by subject and in order exactly as the same events written one batch at a time', async () => {
      const secret = new Uint8Array(32).fill(6);
      const a = buildCaseLoadBlock({ seed: 8, first: 101, count: 300, secret });
      const b = buildCaseLoadBlock({ seed: 8, first: 1, count: 60, secret });
      const later = buildCaseLoadBlock({ seed: 8, first: 401, count: 5, secret });
      // b's ids are below a's: it is stored as rows, after a's blocks and before what follows.
      const loaded = await open();
      const reference = await open();
      try {
        const setup = async (s: Store): Promise<void> => {
          for (const o of ORGANISATIONS) await s.putOrganisation(o);
          for (const n of referenceNotices()) await s.putNotice(n);
        };
        await loaded.bulkLoad(async () => {
          await setup(loaded);
          await loaded.appendConsentColumns(a.events);
          await loaded.appendConsentColumns(b.events);
        });
        await setup(reference);
        await reference.appendConsentEvents(eventsOfColumns(a.events));
        await reference.appendConsentEvents(eventsOfColumns(b.events));
        // Events written after the load, and the same again (unchanged).
        for (const s of [loaded, reference]) {
          assert.deepEqual(await s.appendConsentEvents(eventsOfColumns(later.events)), { inserted: later.events.count, unchanged: 0, newSubjects: 5 });
        }
        // The consent leaves (the setup's carry the time they were written).
        const size = await loaded.ledger.size();
        assert.equal(size, await reference.ledger.size());
        const first = ORGANISATIONS.length + referenceNotices().length;
        const leaves = async (s: Store): Promise<string[]> => {
          const out: string[] = [];
          for await (const batch of s.ledger.leaves(first, size, 100)) for (const l of batch) out.push(`${Buffer.from(l.hash).toString('hex')} ${Buffer.from(l.data).toString('utf8')}`);
          return out;
        };
        const consentLeaves = await leaves(loaded);
        assert.equal(consentLeaves.length, size - first);
        assert.deepEqual(consentLeaves, await leaves(reference), 'every consent leaf, its data rebuilt');
        // Proofs over the loaded leaves (whose small subtrees are not kept, but rebuilt) verify.
        const hashes = new Uint8Array(size * 32);
        for await (const batch of loaded.ledger.leaves(0, size, 100)) for (const l of batch) hashes.set(l.hash, l.index * 32);
        const root = await loaded.ledger.root();
        assert.deepEqual(Buffer.from(root), Buffer.from(rootOfLeafHashes(hashes, size)));
        for (let i = 0; i < size; i += 13) assert.ok(verifyInclusion(hashes.subarray(i * 32, i * 32 + 32), i, size, await loaded.ledger.inclusionProof(i, size), root), `leaf ${i}`);
        for (const m of [3, 64, 300, size - 1]) assert.ok(verifyConsistency(m, size, rootOfLeafHashes(hashes, m), root, await loaded.ledger.consistencyProof(m, size)), `from ${m}`);
        const all = async (s: Store): Promise<unknown[]> => {
          const out: unknown[] = [];
          await s.eachConsentEvent((e) => out.push({ ...e, subject: Buffer.from(e.subject).toString('hex') }));
          return out;
        };
        const events = await all(loaded);
        assert.equal(events.length, a.events.count + b.events.count + later.events.count);
        assert.deepEqual(events, await all(reference));
        const facts = async (s: Store): Promise<string[]> => {
          const out: string[] = [];
          await s.eachConsentFact((ordinal, f) => out.push(`${ordinal} ${JSON.stringify({ ...f, subject: null })}`));
          return out;
        };
        assert.deepEqual(await facts(loaded), await facts(reference));
        const ids = [...eventIdList(a.events.eventIds), ...eventIdList(b.events.eventIds), 'no-such-event', `${eventIdAt(a.events.eventIds, 0)}x`];
        const byId = async (s: Store): Promise<unknown[]> => [...(await s.findConsentEvents(ORGANISATIONS[0]!.id, ids))].sort((x, y) => (x[0] < y[0] ? -1 : 1));
        const found = await byId(loaded);
        assert.equal(found.length, a.events.count + b.events.count);
        assert.deepEqual(found, await byId(reference));
        assert.equal((await loaded.findConsentEvents('nobody', ids)).size, 0);
        for (const k of [0, 1, 150, 299, 300, 359]) {
          const subject = k < 300 ? a.keys.subarray(k * 32, k * 32 + 32) : b.keys.subarray((k - 300) * 32, (k - 300) * 32 + 32);
          const mine = await loaded.consentEventsOf(subject);
          assert.ok(mine.length >= 2, `registrant ${k} has events`);
          assert.deepEqual(mine, await reference.consentEventsOf(subject), `registrant ${k}`);
        }
        // Importing the loaded events again changes nothing; a changed one is refused.
        const again = eventsOfColumns(a.events).slice(100, 400);
        assert.deepEqual(await loaded.appendConsentEvents(again), { inserted: 0, unchanged: 300, newSubjects: 0 });
        await assert.rejects(loaded.appendConsentEvents([{ ...again[7]!, status: 'ConsentWithdrawn' }]), /already stored with different content/);
        assert.equal((await loaded.stats()).consentEvents, events.length);
      } finally {
        await loaded.close();
        await reference.close();
      }
    });

    it('refuses a bulk load that stores an event id twice, once in a block and once as a row', async () => {
      const s = await open();
      try {
        const a = buildCaseLoadBlock({ seed: 9, first: 1, count: 200, secret: new Uint8Array(32).fill(3) });
        await assert.rejects(
          s.bulkLoad(async () => {
            for (const o of ORGANISATIONS) await s.putOrganisation(o);
            for (const n of referenceNotices()) await s.putNotice(n);
            await s.appendConsentColumns(a.events);
            await s.appendConsentColumns(reversedColumns(a.events));
          }),
          /repeats an event id/,
        );
        const st = await s.stats();
        assert.deepEqual([st.organisations, st.consentEvents, st.subjects, st.ledgerLeaves], [0, 0, 0, 0]);
      } finally {
        await s.close();
      }
    });

    it('keeps bulk-loaded leaves as runs of hashes: any leaf, any window and any proof reads across runs and rows', async () => {
      const s = await open();
      try {
        // Leaf rows (organisations, notices, one event written alone) between two loaded blocks,
        // each of several runs of 256 hashes and a shorter last run.
        const secret = new Uint8Array(32).fill(4);
        const a = buildCaseLoadBlock({ seed: 6, first: 1, count: 150, secret });
        const b = buildCaseLoadBlock({ seed: 6, first: 151, count: 150, secret });
        await s.bulkLoad(async () => {
          for (const o of ORGANISATIONS) await s.putOrganisation(o);
          for (const n of referenceNotices()) await s.putNotice(n);
          await s.appendConsentColumns(a.events);
          await s.appendConsentEvents([consent(key(), { id: 'between', controller: ORGANISATIONS[0]!.id })]);
          await s.appendConsentColumns(b.events);
        });
        // The log ends in a run: the leaf after it does not exist.
        await assert.rejects(s.ledger.leaf(await s.ledger.size()), /no ledger leaf/);
        await s.putOrganisation(CLUB);
        const size = await s.ledger.size();
        assert.ok(a.events.count > 256 && b.events.count > 256, 'each block spans runs');
        const root = await s.ledger.root();
        const one: string[] = [];
        for (let i = 0; i < size; i++) {
          const leaf = await s.ledger.leaf(i);
          assert.equal(leaf.index, i);
          assert.deepEqual(Buffer.from(leafHash(leaf.data)), Buffer.from(leaf.hash), `leaf ${i}`);
          one.push(`${i}:${Buffer.from(leaf.hash).toString('hex')}`);
        }
        for (const batchSize of [7, 256, 10_000]) {
          const seen: string[] = [];
          for await (const batch of s.ledger.leaves(0, size, batchSize)) {
            assert.ok(batch.length <= batchSize);
            for (const l of batch) seen.push(`${l.index}:${Buffer.from(l.hash).toString('hex')}`);
          }
          assert.deepEqual(seen, one, `leaves in batches of ${batchSize}`);
        }
        const window: number[] = [];
        for await (const batch of s.ledger.leaves(250, 530, 100)) for (const l of batch) window.push(l.index);
        assert.deepEqual(window, Array.from({ length: 280 }, (_, i) => 250 + i));
        for (let i = 0; i < size; i += 13) {
          const leaf = await s.ledger.leaf(i);
          assert.ok(verifyInclusion(leaf.hash, i, size, await s.ledger.inclusionProof(i, size), root), `inclusion of leaf ${i}`);
        }
        for (const m of [1, 9, 255, 300, a.events.count + 9, size - 1]) {
          const old = rootOfLeafHashes(Buffer.concat(one.slice(0, m).map((x) => Buffer.from(x.split(':')[1]!, 'hex'))));
          assert.ok(verifyConsistency(m, size, old, root, await s.ledger.consistencyProof(m, size)), `consistency from ${m}`);
        }
        await assert.rejects(s.ledger.leaf(size), /no ledger leaf/);
      } finally {
        await s.close();
      }
    });

    it('loads in bulk atomically: a failing load leaves nothing behind', async () => {
      const s = await open();
      try {
        const k = key();
        await assert.rejects(
          s.bulkLoad(async () => {
            await s.putOrganisation(CLUB);
            await s.appendConsentEvents([consent(k, { id: 'a' }), consent(key(), { id: 'b' })]);
            throw new Error('generator failed');
          }),
          /generator failed/,
        );
        const empty = await s.stats();
        assert.deepEqual([empty.organisations, empty.consentEvents, empty.subjects, empty.ledgerLeaves], [0, 0, 0, 0]);
        const n = await s.bulkLoad(async () => {
          await s.putOrganisation(CLUB);
          const r = await s.appendConsentEvents([consent(k, { id: 'a' }), consent(key(), { id: 'b' }), consent(k, { id: 'c' })]);
          return r.inserted;
        });
        assert.equal(n, 3);
        const st = await s.stats();
        assert.deepEqual([st.organisations, st.consentEvents, st.subjects, st.ledgerLeaves], [1, 3, 2, 4]);
        assert.deepEqual([...(await s.subjectOrdinals(k))], [0]);
        await assert.rejects(s.bulkLoad(async () => 0), /without consent events/);
      } finally {
        await s.close();
      }
    });
  });
}

export function transfer(id: string): CommittedTransfer {
  return {
    id,
    decidedAt: Date.UTC(2017, 4, 5),
    request: { from: 'club', to: 'broker', onBehalfOf: null, purpose: 'marketing', channel: 'post', fields: ['name'], at: Date.UTC(2017, 4, 5), basis: 'consent', tpsScreened: false },
    pack: { id: 'uk', version: '1' },
    requested: 2,
    allowed: 1,
    refused: 1,
    reasons: { 'purpose-not-named': 1 },
    warnings: {},
    findings: [],
    fields: { sent: ['name'], stripped: [] },
    subjects: { count: 2, root: '00'.repeat(32) },
    allowedSubjects: { count: 1, root: '11'.repeat(32) },
  };
}
