/** The API's small pure parts: NDJSON bodies, key and token formats, the decision summary, request loggers. */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { ApiError } from '../../src/api/api-error.ts';
import { apiTokenId, hashApiToken, newApiToken, roleForKind } from '../../src/api/api-keys.ts';
import { decisionJson } from '../../src/gateway/decision-json.ts';
import { NdjsonBody } from '../../src/api/ndjson.ts';
import { requestLogger } from '../../src/api/request-logger.ts';
import { SubjectTokens } from '../../src/api/subject-tokens.ts';
import type { Decision } from '../../src/policy/decision.ts';

async function read(chunks: string[], limit = 1 << 20): Promise<{ line: number; value: unknown }[]> {
  const body = new NdjsonBody(Readable.from(chunks.map((c) => Buffer.from(c))), limit);
  const out: { line: number; value: unknown }[] = [];
  for await (const l of body.lines()) out.push(l);
  return out;
}

describe('NDJSON bodies', () => {
  it('numbers lines across chunks, skipping blank ones and CRLF endings', async () => {
    const got = await read(['{"a":1}\r\n\n{"b"', ':2}\n', '{"c":"é"}']);
    assert.deepEqual(got, [{ line: 1, value: { a: 1 } }, { line: 3, value: { b: 2 } }, { line: 4, value: { c: 'é' } }]);
    // A multi-byte character split between chunks is decoded whole.
    const bytes = Buffer.from('{"c":"é"}\n');
    const split = new NdjsonBody(Readable.from([bytes.subarray(0, 7), bytes.subarray(7)]), 100);
    const values = [];
    for await (const l of split.lines()) values.push(l.value);
    assert.deepEqual(values, [{ c: 'é' }]);
  });

  it('names the line that is not JSON, and refuses more bytes than allowed', async () => {
    await assert.rejects(read(['{"a":1}\n', '{"a":\n{"b":2}\n']), (e: ApiError) => e.status === 400 && e.details[0]!.where === 'body:2');
    await assert.rejects(read(['{"a":1}\n'.repeat(10)], 40), (e: ApiError) => e.status === 413 && e.code === 'body-too-large');
  });

  it('hashes exactly the bytes read', async () => {
    const a = new NdjsonBody(Readable.from([Buffer.from('{"a":1}\n')]), 100);
    for await (const _ of a.lines());
    const b = new NdjsonBody(Readable.from([Buffer.from('{"a":2}\n')]), 100);
    for await (const _ of b.lines());
    assert.match(a.digest(), /^[0-9a-f]{64}$/);
    assert.notEqual(a.digest(), b.digest());
  });
});

describe('API keys and subject tokens', () => {
  it('makes keys csk_<id>_<secret> whose id can be read back and whose hash is stable', () => {
    const { id, token } = newApiToken();
    assert.equal(apiTokenId(token), id);
    assert.equal(apiTokenId(`${token}x`), null);
    assert.deepEqual(hashApiToken(token), hashApiToken(token));
    assert.notDeepEqual(hashApiToken(token), hashApiToken(newApiToken().token));
    assert.deepEqual(['collector', 'broker', 'processor', 'regulator', 'political-party', 'other'].map((k) => roleForKind(k as never)), ['collector', 'discloser', 'discloser', 'regulator', 'recipient', 'recipient']);
  });

  it('signs tokens that carry only the key and expiry, and refuses altered or expired ones', () => {
    const tokens = new SubjectTokens(new Uint8Array(32).fill(7));
    const key = new Uint8Array(32).fill(9);
    const t = tokens.sign(key, 2_000_000_000_000);
    assert.deepEqual(tokens.verify(t, 1_900_000_000_000), { sub: Buffer.from(key).toString('hex'), exp: 2_000_000_000 });
    assert.deepEqual(Object.keys(JSON.parse(Buffer.from(t.slice(4).split('.')[0]!, 'base64url').toString())).sort(), ['exp', 'sub']);
    assert.equal(tokens.verify(t, 2_000_000_000_000), null, 'expired');
    assert.equal(new SubjectTokens(new Uint8Array(32).fill(8)).verify(t, 0), null, 'another server secret');
    assert.equal(tokens.verify(`${t}A`, 0), null);
    assert.equal(tokens.verify(t.replace('cst_', 'csk_'), 0), null);
  });
});

describe('the decision summary', () => {
  it('has the fields scripts rely on, with the time as ISO 8601', () => {
    const d: Decision = {
      pack: { id: 'uk', version: '1' },
      request: { from: 'a', to: 'b', onBehalfOf: null, purpose: 'marketing', channel: 'post', fields: ['name'], at: Date.UTC(2017, 4, 5), basis: 'consent', tpsScreened: false },
      requested: 2,
      allowed: 1,
      refused: 1,
      allowedMask: new Uint8Array([1, 0]),
      reasons: { 'no-consent-record': 1 },
      warnings: {},
      findings: [{ rule: 'consent-status-valid', code: 'no-consent-record', level: 'block', citation: 'Art 6(1)(a)', message: '1 record', affected: 1 }],
      fields: { sent: ['name'], stripped: [] },
      recordReasons: () => [],
      recordReasonKey: () => 0,
    };
    const json = decisionJson(d, 0) as { requested: number; allowed: number; refused: number; reasons: Record<string, number>; findings: { rule: string; level: string; citation: string }[]; pack: { id: string }; request: { at: string } };
    assert.deepEqual([json.requested, json.allowed, json.refused], [2, 1, 1]);
    assert.deepEqual(json.reasons, { 'no-consent-record': 1 });
    assert.deepEqual(json.findings.map((f) => [f.rule, f.level, f.citation]), [['consent-status-valid', 'block', 'Art 6(1)(a)']]);
    assert.equal(json.pack.id, 'uk');
    assert.equal(json.request.at, '2017-05-05T00:00:00.000Z');
  });
});

describe('request loggers', () => {
  it('are made when a request first logs at an enabled level, with its id bound', () => {
    const lines: string[] = [];
    const root = Fastify({ logger: { level: 'warn', stream: { write: (l: string) => void lines.push(l) } } }).log;
    let made = 0;
    const parent: FastifyBaseLogger = {
      get level() {
        return root.level;
      },
      set level(l: string) {
        root.level = l;
      },
      fatal: root.fatal.bind(root),
      error: root.error.bind(root),
      warn: root.warn.bind(root),
      info: root.info.bind(root),
      debug: root.debug.bind(root),
      trace: root.trace.bind(root),
      silent: root.silent.bind(root),
      child: (bindings, options) => {
        made++;
        return root.child(bindings, options);
      },
    };
    const log = requestLogger(parent, { reqId: 'req-1' }, {});
    log.info('below the level');
    log.debug('below the level');
    assert.equal(made, 0);
    assert.equal(lines.length, 0);
    log.warn({ n: 1 }, 'first');
    log.error('second');
    assert.equal(made, 1);
    assert.deepEqual(
      lines.map((l) => JSON.parse(l) as { reqId: string; msg: string; level: number }).map((l) => [l.reqId, l.msg, l.level]),
      [
        ['req-1', 'first', 40],
        ['req-1', 'second', 50],
      ],
    );
    // A route with a log level of its own gets its child at once, as Fastify would make it.
    requestLogger(parent, { reqId: 'req-2' }, { level: 'debug' });
    assert.equal(made, 2);
  });
});
