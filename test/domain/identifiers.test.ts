import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { identifierMaterial, normaliseDate, normaliseEmail, normaliseName, normalisePostcode } from '../../src/domain/identifiers.ts';
import { SubjectKeyer } from '../../src/domain/subject-key.ts';
import { registrantRange } from '../../src/demo/registrants.ts';

describe('identifier normalisation', () => {
  it('folds case and spaces in emails, and rejects what is not one', () => {
    assert.equal(normaliseEmail('  Jane.Smith@Example.ORG '), 'jane.smith@example.org');
    assert.equal(normaliseEmail('jane smith@example.org'), 'janesmith@example.org');
    for (const bad of ['jane', '@example.org', 'jane@', 'jane@example', 'a@b@c.org']) assert.equal(normaliseEmail(bad), null, bad);
  });

  it('folds names', () => {
    assert.equal(normaliseName('  Jane   SMITH '), 'jane smith');
    assert.equal(normaliseName('J. Smith'), 'j smith');
    assert.equal(normaliseName('   '), null);
  });

  it('gives UK postcodes their canonical form', () => {
    assert.equal(normalisePostcode('ls62ab'), 'LS6 2AB');
    assert.equal(normalisePostcode(' sw1a  1aa'), 'SW1A 1AA');
    assert.equal(normalisePostcode('EC1A 1BB'), 'EC1A 1BB');
    assert.equal(normalisePostcode('75008'), '75008');
    assert.equal(normalisePostcode('LS6 2A!'), null);
  });

  it('accepts ISO and UK date orders and rejects impossible dates', () => {
    assert.equal(normaliseDate('1990-03-05'), '1990-03-05');
    assert.equal(normaliseDate('05/03/1990'), '1990-03-05');
    assert.equal(normaliseDate('1990/3/5'), '1990-03-05');
    for (const bad of ['1990-02-30', '31/04/1990', '1990-13-01', 'yesterday', '1990-3']) assert.equal(normaliseDate(bad), null, bad);
  });

  it('prefers the email, else name + postcode + date of birth', () => {
    assert.deepEqual(identifierMaterial({ email: 'A@Example.org', name: 'x' }), { ok: true, material: 'email:a@example.org' });
    assert.deepEqual(identifierMaterial({ email: '', name: 'Jane Smith', postcode: 'ls62ab', dob: '05/03/1990' }), { ok: true, material: 'npd:jane smith|LS6 2AB|1990-03-05' });
    const missing = identifierMaterial({ name: 'Jane' });
    assert.equal(missing.ok, false);
    assert.equal(!missing.ok && missing.field, 'postcode,dob');
  });

  it('gives values already in normal form back as the general path does', () => {
    // Each plain value against a variant the quick patterns refuse, which takes the general path.
    const seen = { email: 0, name: 0 };
    for (const r of registrantRange(7, 1, 3_000)) {
      if (r.email !== '') {
        seen.email++;
        assert.equal(normaliseEmail(r.email), normaliseEmail(` ${r.email.toUpperCase()}`), r.email);
      }
      seen.name++;
      assert.equal(normaliseName(r.name), normaliseName(`  ${r.name.toUpperCase().replace(' ', '   ')}.`), r.name);
      assert.equal(normalisePostcode(r.postcode), normalisePostcode(r.postcode.replace(' ', '').toLowerCase()), r.postcode);
      assert.equal(normaliseDate(r.motherDob), normaliseDate(r.motherDob.replaceAll('-', '/')), r.motherDob);
    }
    assert.ok(seen.email > 1_000 && seen.name === 3_000);
    for (const [f, plain, general] of [
      [normaliseEmail, 'a.b-c_d+e@mail-1.example.co.uk', ' A.B-C_D+E@MAIL-1.EXAMPLE.CO.UK'],
      [normaliseName, "Mary-Jane O'Neill", "  MARY-JANE  O'NEILL "],
      [normalisePostcode, 'SW1A 1AA', 'sw1a1aa'],
      [normaliseDate, '2024-02-29', '2024/2/29'],
    ] as const) {
      assert.notEqual(f(plain), null, plain);
      assert.equal(f(plain), f(general), plain);
    }
    assert.equal(normaliseDate('2023-02-29'), null);
    assert.equal(normaliseDate('1849-12-31'), null);
    assert.equal(normaliseEmail('a@b'), null);
  });

  it('never echoes identifier values in its messages', () => {
    const r = identifierMaterial({ email: 'secret-person-at-nowhere' });
    assert.equal(r.ok, false);
    assert.ok(!r.ok && !r.message.includes('secret-person'));
  });
});

describe('subject keys', () => {
  const secret = new Uint8Array(32).fill(7);
  const keyer = new SubjectKeyer(secret);

  it('are HMAC-SHA-256 of the normalised material under the secret', () => {
    const expected = createHmac('sha256', Buffer.from(secret)).update('email:jane@example.org').digest();
    assert.deepEqual(Buffer.from(keyer.keyOfMaterial('email:jane@example.org')), expected);
  });

  it('match for the same person written differently, differ across secrets', () => {
    const a = keyer.keyOf({ name: 'Jane  Smith', postcode: 'LS6 2AB', dob: '1990-03-05' });
    const b = keyer.keyOf({ name: 'jane smith', postcode: 'ls62ab', dob: '05/03/1990' });
    assert.ok(a.ok && b.ok);
    assert.deepEqual(a.ok && Buffer.from(a.key), b.ok && Buffer.from(b.key));
    const other = new SubjectKeyer(new Uint8Array(32).fill(8)).keyOf({ email: 'jane@example.org' });
    const mine = keyer.keyOf({ email: 'jane@example.org' });
    assert.notDeepEqual(other.ok && Buffer.from(other.key), mine.ok && Buffer.from(mine.key));
  });

  it('refuses a short secret', () => {
    assert.throws(() => new SubjectKeyer(new Uint8Array(16)), /at least 32 bytes/);
  });
});
