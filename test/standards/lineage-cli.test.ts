/**
 * `lineage emit` end to end: a committed transfer and a derived dataset in a real store, emitted
 * as OpenLineage RunEvents to a file and POSTed to a real local HTTP server standing in for
 * Marquez's /api/v1/lineage.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';

const dir = tmpDir();
const db = join(dir, 'store', 'consentry.db');
let transferId = '';

async function cli(args: string[], code = 0): Promise<string> {
  const r = await runCli([...args, '--db', db]);
  assert.equal(r.code, code, `consentry ${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

function write(name: string, content: unknown): string {
  const f = join(dir, name);
  writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content));
  return f;
}

/** A stand-in OpenLineage endpoint that keeps what it receives; answers `status` from the nth request on. */
function lineageServer(failFrom = Infinity): Promise<{ url: string; received: { path: string; contentType: string; body: any }[]; server: Server }> {
  const received: { path: string; contentType: string; body: any }[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (received.length + 1 >= failFrom) {
        res.writeHead(503).end();
        return;
      }
      received.push({ path: req.url ?? '', contentType: req.headers['content-type'] ?? '', body: JSON.parse(body) });
      res.writeHead(201, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/lineage`, received, server })));
}

describe('OpenLineage events through the CLI', () => {
  const servers: Server[] = [];
  after(() => servers.forEach((s) => s.close()));

  before(async () => {
    await cli(['org', 'add', '--file', write('orgs.json', [
      { id: 'club', name: 'Parenting Club Ltd', kind: 'collector', rightsContact: 'privacy@club.example' },
      { id: 'broker', name: 'List Broker Ltd', kind: 'broker', rightsContact: 'dpo@broker.example' },
    ])]);
    await cli(['notice', 'add', write('n1.json', { id: 'n1', controller: 'club', version: '1', language: 'en', title: 'Notice', text: 'Marketing by us and List Broker Ltd by post.', purposes: ['marketing'], recipients: ['broker'], effectiveFrom: '2014-01-01' })]);
    await cli(['dataset', 'add', write('ds.json', [{ id: 'members', controller: 'club', name: 'Club members', fields: [{ name: 'name', category: 'name' }, { name: 'email', category: 'email' }, { name: 'address', category: 'address' }, { name: 'postcode', category: 'postcode' }, { name: 'child_dob', category: 'child-birth-date' }] }])]);
    await cli(['agreement', 'add', write('ag.json', [{ id: 'dsa-1', from: 'club', to: 'broker', purposes: ['marketing'], fields: ['name', 'address', 'postcode'], dpiaRef: 'DPIA-7', art14NoticeDays: 30, validFrom: '2020-01-01' }])]);
    await cli(['consent', 'import', '--org', 'club', write('consents.csv', 'event_id,email,purposes,recipients,status,notice,at,method\ne1,ada@example.org,marketing,broker,ConsentGiven,n1,2024-01-01,web-form\ne2,bo@example.org,marketing,broker,ConsentGiven,n1,2024-01-02,web-form\n')]);
    const records = write('records.csv', 'email,name,address,postcode\nada@example.org,Ada A,1 Road,LS1 1AA\nbo@example.org,Bo B,2 Road,LS1 1AB\n');
    const t = JSON.parse(await cli(['transfer', 'commit', '--from', 'club', '--to', 'broker', '--purpose', 'marketing', '--fields', 'name,address,postcode', '--channel', 'post', '--at', '2025-06-01', records, '--json']));
    assert.equal(t.allowed, 2);
    transferId = (JSON.parse(await cli(['transfer', 'list', '--json'])) as { id: string }[])[0]!.id;
    await cli(['derive', write('seg.csv', 'email\nada@example.org\n'), '--org', 'broker', '--id', 'seg1', '--name', 'Segment', '--purpose', 'direct-marketing', '--from', transferId, '--at', '2025-06-02']);
  });

  it('writes RunEvents to a file: namespaces per organisation, schema and personal-data tags, column lineage', async () => {
    const out = join(dir, 'lineage.ndjson');
    const summary = JSON.parse(await cli(['lineage', 'emit', '--out', out, '--json']));
    assert.deepEqual(summary, { events: 2, to: out, jobs: ['club/transfer.broker.marketing', 'broker/derive.seg1'] });
    const [transfer, derive] = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(transfer.eventType, 'COMPLETE');
    assert.equal(transfer.schemaURL, 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent');
    assert.equal(transfer.producer, 'urn:consentry:0.1.0');
    assert.match(transfer.run.runId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(transfer.job.namespace, 'club');
    assert.deepEqual(transfer.inputs.map((d: { namespace: string; name: string }) => [d.namespace, d.name]), [['club', 'members']]);
    assert.deepEqual(transfer.outputs.map((d: { namespace: string; name: string }) => [d.namespace, d.name]), [['broker', 'from-club.marketing']]);
    const output = transfer.outputs[0];
    assert.deepEqual(output.facets.schema.fields, [{ name: 'name', type: 'string', description: 'Name' }, { name: 'address', type: 'string', description: 'Home address' }, { name: 'postcode', type: 'string', description: 'Postcode' }]);
    assert.equal(output.facets.schema._schemaURL, 'https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet');
    assert.deepEqual(output.facets.tags.tags, [
      { key: 'personal-data', value: 'true', source: 'CONSENTRY' },
      { key: 'purpose', value: 'marketing', source: 'CONSENTRY' },
      { key: 'personal-data-category', value: 'name', source: 'CONSENTRY', field: 'name' },
      { key: 'personal-data-category', value: 'address', source: 'CONSENTRY', field: 'address' },
      { key: 'personal-data-category', value: 'postcode', source: 'CONSENTRY', field: 'postcode' },
    ]);
    assert.deepEqual(output.facets.columnLineage.fields.address, { inputFields: [{ namespace: 'club', name: 'members', field: 'address', transformations: [{ type: 'DIRECT', subtype: 'IDENTITY', description: 'sent unchanged', masking: false }] }] });
    assert.equal(output.outputFacets.outputStatistics.rowCount, 2);
    assert.deepEqual([transfer.run.facets.consentry_decision.transfer, transfer.run.facets.consentry_decision.allowed], [transferId, 2]);
    assert.deepEqual([derive.job.namespace, derive.job.name, derive.eventTime], ['broker', 'derive.seg1', '2025-06-02T00:00:00.000Z']);
    assert.deepEqual(derive.inputs.map((d: { namespace: string; name: string }) => [d.namespace, d.name]), [['broker', 'from-club.marketing']]);
    assert.deepEqual(derive.outputs.map((d: { namespace: string; name: string }) => [d.namespace, d.name]), [['broker', 'seg1']]);
    assert.deepEqual(Object.keys(derive.outputs[0].facets.columnLineage.fields), ['name', 'address', 'postcode']);
    assert.equal(derive.outputs[0].outputFacets.outputStatistics.rowCount, 1);
  });

  it('marks child and special-category fields, and leaves stripped fields without column lineage', async () => {
    const records = write('records2.csv', 'email,name,address,child_dob\nada@example.org,Ada A,1 Road,2017-01-01\n');
    await cli(['transfer', 'commit', '--from', 'club', '--to', 'broker', '--purpose', 'marketing', '--fields', 'name,address,child_dob', '--channel', 'post', '--at', '2025-06-03', records]);
    const out = join(dir, 'lineage2.ndjson');
    await cli(['lineage', 'emit', '--out', out]);
    const events = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const t = events[2];
    assert.deepEqual(t.inputs[0].facets.tags.tags.filter((x: { field?: string }) => x.field === 'child_dob'), [
      { key: 'personal-data-category', value: 'child-birth-date', source: 'CONSENTRY', field: 'child_dob' },
      { key: 'child-data', value: 'true', source: 'CONSENTRY', field: 'child_dob' },
    ]);
    assert.deepEqual(t.run.facets.consentry_decision.fieldsStripped, ['child_dob']);
    assert.deepEqual(Object.keys(t.outputs[0].facets.columnLineage.fields), ['name', 'address']);
  });

  it('POSTs each event to an OpenLineage endpoint, in ledger order', async () => {
    const s = await lineageServer();
    servers.push(s.server);
    const summary = JSON.parse(await cli(['lineage', 'emit', '--url', s.url, '--json']));
    assert.equal(summary.events, 3);
    assert.deepEqual(s.received.map((r) => [r.path, r.contentType, r.body.job.name]), [
      ['/api/v1/lineage', 'application/json', 'transfer.broker.marketing'],
      ['/api/v1/lineage', 'application/json', 'derive.seg1'],
      ['/api/v1/lineage', 'application/json', 'transfer.broker.marketing'],
    ]);
    // Run ids are stable: emitting again gives the same events.
    const file = readFileSync(join(dir, 'lineage2.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).run.runId);
    assert.deepEqual(s.received.map((r) => r.body.run.runId), file);
    const since = await lineageServer();
    servers.push(since.server);
    await cli(['lineage', 'emit', '--url', since.url, '--since', '2025-06-02']);
    assert.deepEqual(since.received.map((r) => r.body.job.name), ['transfer.broker.marketing', 'derive.seg1', 'transfer.broker.marketing']);
    const none = await lineageServer();
    servers.push(none.server);
    await cli(['lineage', 'emit', '--url', none.url, '--since', '2099-01-01']);
    assert.equal(none.received.length, 0);
  });

  it('says how many events an endpoint accepted before it failed, and refuses bad flags', async () => {
    const s = await lineageServer(2);
    servers.push(s.server);
    const r = await runCli(['lineage', 'emit', '--url', s.url, '--db', db]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `error: ${s.url} refused event 2 of 3 (broker/derive.seg1): HTTP 503\n  --url: 1 events were accepted before it; sending again is safe (run ids are stable)\n`);
    const both = await runCli(['lineage', 'emit', '--url', s.url, '--out', join(dir, 'x'), '--db', db]);
    assert.equal(both.code, 2);
    assert.equal(both.stderr, 'error: give exactly one of --out FILE or --url URL\n  --out: give exactly one of --out FILE or --url URL\n');
    const badUrl = await runCli(['lineage', 'emit', '--url', 'ftp://example.org/x', '--db', db]);
    assert.equal(badUrl.code, 2);
    assert.equal(badUrl.stderr, 'error: give an http(s) URL, e.g. http://localhost:5000/api/v1/lineage\n  --url: give an http(s) URL, e.g. http://localhost:5000/api/v1/lineage\n');
  });
});
