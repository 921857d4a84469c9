import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { identifierMaterial } from '../../src/domain/identifiers.ts';
import { SubjectKeyer } from '../../src/domain/subject-key.ts';
import type { ConsentEvent, TransferRequest } from '../../src/domain/types.ts';
import { loadFacts } from '../../src/gateway/load-facts.ts';
import { checkTransfer } from '../../src/gateway/transfer-check.ts';
import { keyRecords } from '../../src/gateway/transfer-records.ts';
import { loadBuiltinPack } from '../../src/policy/pack-loader.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { BROKER, CLUB, consent, notice } from '../helpers/fixtures.ts';
import { tmpDir } from '../helpers/tmp.ts';

const dir = tmpDir();
const secret = new Uint8Array(32).fill(7);
const keyer = new SubjectKeyer(secret);

const HEADER = 'name,email,address,postcode,mother_dob,child_dob';
function registrant(i: number): string {
  const name = i % 10 === 3 ? `Zoë O'Brien-${i}` : `Jane Smith ${i}`;
  const email = i % 3 === 0 ? '' : `jane.${i}@example.org`;
  const address = i % 4 === 0 ? `"${i} High Street, ""The Lodge"", Leeds"` : `${i} Mill Lane`;
  const postcode = i % 17 === 0 ? '' : 'LS6 2AB';
  const child = i % 5 === 0 ? '' : '2015-03-01';
  return `${name},${email},${address},${postcode},1985-04-0${(i % 9) + 1},${child}`;
}

function keyOf(line: string): Uint8Array | null {
  const [name, email, , postcode, dob] = line.replace(/"[^"]*(""[^"]*)*"/, 'ADDR').split(',');
  const m = identifierMaterial({ email: email!, name: name!, postcode: postcode!, dob: dob! });
  return m.ok ? keyer.keyOfMaterial(m.material) : null;
}

const request: TransferRequest = {
  from: 'club',
  to: 'broker',
  onBehalfOf: null,
  purpose: 'marketing',
  channel: 'post',
  fields: ['name', 'address', 'postcode', 'child_dob'],
  at: Date.UTC(2018, 0, 1),
  basis: 'consent',
  tpsScreened: false,
};

describe('transfer check on CSV', () => {
  it('gives the same decision and the same files through the fast and the general reader', async () => {
    const store = SqliteStore.open(join(dir, 'c.db'), dir);
    await store.putOrganisation(CLUB);
    await store.putOrganisation(BROKER);
    const n1 = notice({ recipients: ['broker'] });
    await store.putNotice(n1);
    const lines = Array.from({ length: 400 }, (_, i) => registrant(i));
    const events: ConsentEvent[] = [];
    lines.forEach((l, i) => {
      const k = keyOf(l);
      if (k && i % 7 !== 0) events.push(consent(k, { id: `e${i}`, notice: n1.hash, recipients: i % 2 ? ['broker'] : [], status: i % 11 ? 'ConsentGiven' : 'ConsentRefused' }));
    });
    await store.appendConsentEvents(events);
    const facts = await loadFacts(store);
    const pack = loadBuiltinPack('uk');

    const plain = join(dir, 'records.csv');
    // A blank line in the middle is skipped by both readers.
    writeFileSync(plain, `${HEADER}\n${lines.slice(0, 200).join('\n')}\n\n${lines.slice(200).join('\n')}\n`);
    // The same records with CRLF line ends: the fast reader declines it, the general one reads it.
    const crlf = join(dir, 'records-crlf.csv');
    writeFileSync(crlf, readFileSync(plain, 'utf8').replaceAll('\n', '\r\n'));

    const { offsets, ...fastKeys } = await keyRecords(plain, 'csv', request.fields, keyer);
    const generalKeys = await keyRecords(crlf, 'csv', request.fields, keyer);
    assert.equal(generalKeys.offsets, undefined);
    assert.deepEqual(fastKeys, generalKeys);
    assert.ok(fastKeys.unidentifiedCount > 0);
    // Hashed in batches with the secret, and keyed partly on a worker thread: the same keys, and
    // the offsets of the same lines.
    const { offsets: offsets1, ...batched } = await keyRecords(plain, 'csv', request.fields, keyer, undefined, { secret });
    assert.deepEqual(batched, generalKeys);
    assert.deepEqual(offsets1, offsets);
    let meanwhile = 0;
    const { offsets: offsets2, ...parallel } = await keyRecords(plain, 'csv', request.fields, keyer, undefined, { parallelFrom: 0, secret, meanwhile: () => void meanwhile++ });
    assert.deepEqual(parallel, generalKeys);
    assert.deepEqual(offsets2, offsets);
    assert.equal(meanwhile, 1);
    const text = readFileSync(plain);
    assert.equal(text.toString('utf8', offsets![1]!, text.indexOf(10, offsets![1]!)), lines[1]);

    const run = (file: string, tag: string) =>
      checkTransfer({ store, keyer, facts, pack, request, file, format: 'csv', allowedOut: join(dir, `${tag}-allowed.csv`), refusedOut: join(dir, `${tag}-refused.csv`) });
    const a = await run(plain, 'fast');
    const b = await run(crlf, 'general');
    assert.ok(a.decision.allowed > 0 && a.decision.refused > 0);
    assert.deepEqual(Array.from(a.decision.allowedMask), Array.from(b.decision.allowedMask));
    assert.deepEqual(a.decision.reasons, b.decision.reasons);
    assert.deepEqual(Array.from(a.ordinals), Array.from(b.ordinals));
    for (const f of ['allowed', 'refused']) {
      const fast = readFileSync(join(dir, `fast-${f}.csv`), 'utf8');
      assert.equal(fast, readFileSync(join(dir, `general-${f}.csv`), 'utf8'), f);
    }
    const allowed = readFileSync(join(dir, 'fast-allowed.csv'), 'utf8').split('\n');
    assert.equal(allowed[0], a.decision.fields.sent.join(','));
    assert.equal(allowed.length, a.decision.allowed + 2);
    await store.close();
  });
});
