/** `import fides` end to end: a fideslang manifest into a real store, with unmapped keys listed. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { mapKey, FIDES_CATEGORIES, FIDES_USES } from '../../src/standards/fides-manifest.ts';
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

const MEMBERS_FIELDS = [
  { name: 'email', category: 'email' },
  { name: 'full_name', category: 'name' },
  { name: 'address.street', category: 'address' },
  { name: 'address.postcode', category: 'postcode' },
  { name: 'mother_dob', category: 'birth-date' },
  { name: 'child_dob', category: 'child-birth-date' },
];

const UNMAPPED = [
  { kind: 'data_category', key: 'user.device.device_id', where: ['dataset members_db: device_id'] },
  { kind: 'data_category', key: 'user.device.ip_address', where: ['dataset web_logs: ip'] },
  { kind: 'data_use', key: 'third_party_sharing', where: ['system club_crm: Partner sharing'] },
  { kind: 'data_subject', key: 'customer', where: ['system club_crm: Newsletter by email', 'system club_crm: Partner sharing'] },
];

describe('Fides manifests through the CLI', () => {
  it('maps fideslang keys by their longest known prefix', () => {
    assert.equal(mapKey(FIDES_CATEGORIES, 'user.contact.address.postal_code'), 'postcode');
    assert.equal(mapKey(FIDES_CATEGORIES, 'user.contact.address.street'), 'address');
    assert.equal(mapKey(FIDES_CATEGORIES, 'user.name.first'), 'name');
    assert.equal(mapKey(FIDES_CATEGORIES, 'user.device.cookie_id'), null);
    assert.equal(mapKey(FIDES_USES, 'marketing.advertising.third_party.targeted'), 'targeted-advertising');
    assert.equal(mapKey(FIDES_USES, 'marketing.advertising.serving'), 'advertising');
    assert.equal(mapKey(FIDES_USES, 'essential.service.payment_processing'), 'service-provision');
    assert.equal(mapKey(FIDES_USES, 'third_party_sharing'), null);
  });

  it('shows the plan on a dry run and stores nothing', async () => {
    const r = JSON.parse((await cli(['import', 'fides', fx('fides-manifest.yml'), '--dry-run', '--json'])).stdout);
    assert.equal(r.dryRun, true);
    assert.deepEqual(r.organisations, [{ id: 'parenting-club', result: 'would create' }]);
    assert.deepEqual(r.datasets.map((d: { id: string; result: string }) => [d.id, d.result]), [['members_db', 'would create']]);
    assert.deepEqual(r.unmapped, UNMAPPED);
    const status = JSON.parse((await cli(['status', '--json'])).stdout);
    assert.deepEqual([status.organisations, status.datasets], [0, 0]);
  });

  it('imports organisations and datasets with our categories; systems’ uses become our purposes; unmapped keys are listed', async () => {
    const r = JSON.parse((await cli(['import', 'fides', fx('fides-manifest.yml'), '--json'])).stdout);
    assert.deepEqual(r.organisations, [{ id: 'parenting-club', result: 'created' }]);
    assert.deepEqual(r.datasets, [{ id: 'members_db', controller: 'parenting-club', name: 'Members database', fields: MEMBERS_FIELDS, result: 'created' }]);
    assert.deepEqual(r.skippedDatasets, ['web_logs']);
    assert.deepEqual(r.systems, [
      {
        id: 'club_crm',
        name: 'Club CRM',
        controller: 'parenting-club',
        declarations: [
          { name: 'Newsletter by email', dataUse: 'marketing.communications.email', purpose: 'direct-marketing', categories: ['email', 'name'], datasets: ['members_db'] },
          { name: 'Partner sharing', dataUse: 'third_party_sharing', purpose: null, categories: ['address', 'child-birth-date'], datasets: ['members_db'] },
        ],
      },
    ]);
    assert.deepEqual(r.unmapped, UNMAPPED);
    const orgs = JSON.parse((await cli(['org', 'list', '--json'])).stdout);
    assert.deepEqual(orgs, [{ id: 'parenting-club', name: 'Parenting Club Ltd', kind: 'collector', country: 'GB', rightsContact: null }]);
    const ds = JSON.parse((await cli(['dataset', 'list', '--json'])).stdout);
    assert.deepEqual(ds, [{ id: 'members_db', controller: 'parenting-club', name: 'Members database', fields: MEMBERS_FIELDS }]);
    const again = await cli(['import', 'fides', fx('fides-manifest.yml')]);
    assert.equal(
      again.stdout,
      [
        fx('fides-manifest.yml'),
        '  organisation parenting-club: exists',
        '  dataset parenting-club/members_db: unchanged (email:email, full_name:name, address.street:address, address.postcode:postcode, mother_dob:birth-date, child_dob:child-birth-date)',
        '  system parenting-club/club_crm: Newsletter by email: marketing.communications.email → direct-marketing; categories email, name',
        '  system parenting-club/club_crm: Partner sharing: third_party_sharing → (no purpose of ours); categories address, child-birth-date',
        '  dataset web_logs: skipped (no field maps to a category of ours)',
        'not mapped (listed, not imported):',
        'kind           key                     where',
        '-------------  ----------------------  ----------------------------------------------------------------------',
        'data_category  user.device.device_id   dataset members_db: device_id',
        'data_category  user.device.ip_address  dataset web_logs: ip',
        'data_use       third_party_sharing     system club_crm: Partner sharing',
        'data_subject   customer                system club_crm: Newsletter by email; system club_crm: Partner sharing',
        '',
      ].join('\n'),
    );
  });

  it('refuses malformed manifests with file:line and field, storing nothing', async () => {
    const before = JSON.parse((await cli(['status', '--json'])).stdout);
    const yaml = fx('fides-bad-yaml.yml');
    assert.equal((await cli(['import', 'fides', yaml], 2)).stderr, `error: ${yaml} cannot be imported; nothing was stored\n  ${yaml}:6: (document): not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]\n`);
    const invalid = fx('fides-invalid.yml');
    assert.equal((await cli(['import', 'fides', invalid], 2)).stderr, `error: ${invalid} cannot be imported; nothing was stored\n  ${invalid}:16: system[0].privacy_declarations[0].data_use: is required\n`);
    const org = fx('fides-unknown-org.yml');
    assert.equal(
      (await cli(['import', 'fides', org], 2)).stderr,
      `error: ${org} cannot be imported; nothing was stored\n  ${org}:6: dataset[0].organization_fides_key: organisation "some_other_org" is not in this manifest; add it under organization:, or pass --org\n`,
    );
    const notFides = join(dir, 'notice.yml');
    writeFileSync(notFides, 'id: n1\ncontroller: club\n');
    assert.match((await cli(['import', 'fides', notFides], 2)).stderr, /:1: \(document\): expected a fideslang manifest with organization:, system: or dataset: at the top level\n$/);
    assert.deepEqual(JSON.parse((await cli(['status', '--json'])).stdout), before);
  });
});
