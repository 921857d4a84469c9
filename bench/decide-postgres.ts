/**
 * The same record-level decision as one SQL query in PostgreSQL, beside the engine, when a
 * server is reachable (CONSENTRY_BENCH_PG, default postgres://postgres@127.0.0.1:5432/test).
 * Tables are loaded with COPY into a throw-away schema; only the query is timed.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { CONSENT_STATUSES, isValidStatus } from '../src/domain/types.ts';
import type { FactsBuilder } from '../src/policy/facts.ts';
import type { TransferRecords } from '../src/policy/record-flags.ts';

export interface PgQuery {
  readonly cover: readonly number[];
  readonly scopes: readonly string[];
  readonly F: number;
  readonly t: number;
  readonly T: number;
  readonly B: number;
  readonly childBlocks: number;
  readonly mask: number;
  readonly dayMs: number;
}

export const PG_URL = process.env.CONSENTRY_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Connects, or returns null (with the reason) when no server answers. */
export async function connectPg(): Promise<{ client: pg.Client } | { reason: string }> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return { client };
  } catch (err) {
    return { reason: (err as Error).message };
  }
}

async function copyRows(client: pg.Client, table: string, rows: () => Generator<string>): Promise<void> {
  const stream = client.query(copyFrom(`COPY ${table} FROM STDIN WITH (FORMAT csv)`));
  await pipeline(Readable.from(batched(rows())), stream);
}

function* batched(lines: Generator<string>): Generator<string> {
  let buf: string[] = [];
  for (const l of lines) {
    buf.push(l);
    if (buf.length === 10_000) {
      yield `${buf.join('\n')}\n`;
      buf = [];
    }
  }
  if (buf.length) yield `${buf.join('\n')}\n`;
}

export async function pgDecision(client: pg.Client, f: FactsBuilder, records: TransferRecords, q: PgQuery): Promise<{ allowed: number; ms: number; loadMs: number }> {
  const schema = `bench_${process.pid}`;
  const start = performance.now();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}; SET search_path TO ${schema};`);
  await client.query(`
    CREATE UNLOGGED TABLE consent (seq integer PRIMARY KEY, subject integer, controller integer, purpose integer, status integer,
      at double precision, expires_at double precision, notice integer, recipients integer, method integer, consent_type integer);
    CREATE UNLOGGED TABLE recipient_set (set_id integer, org integer, PRIMARY KEY (set_id, org));
    CREATE UNLOGGED TABLE objection (subject integer, controller integer, scope text, at double precision);
    CREATE UNLOGGED TABLE notice (idx integer PRIMARY KEY, retention_ms double precision);
    CREATE UNLOGGED TABLE record (i integer PRIMARY KEY, ordinal integer, flags integer);
    CREATE UNLOGGED TABLE valid_status (status integer PRIMARY KEY);`);
  const c = f.consents;
  const n = (v: number): string => (Number.isNaN(v) || v < 0 ? '' : String(v));
  await copyRows(client, 'consent', function* () {
    for (let r = 0; r < f.consentCount; r++) yield `${r},${c.subject[r]},${c.controller[r]},${c.purpose[r]},${c.status[r]},${c.at[r]},${n(c.expiresAt[r]!)},${n(c.notice[r]!)},${c.recipients[r]},${n(c.method[r]!)},${c.consentType[r]}`;
  });
  await copyRows(client, 'recipient_set', function* () {
    for (let s = 0; s < f.recipientSetCount; s++) for (const o of f.recipientSet(s)) yield `${s},${o}`;
  });
  await copyRows(client, 'notice', function* () {
    for (let k = 0; k < f.noticeHashCount; k++) {
      const days = f.notices.get(f.noticeHashAt(k))?.retentionDays ?? null;
      yield `${k},${days === null ? '' : days * q.dayMs}`;
    }
  });
  await copyRows(client, 'record', function* () {
    for (let i = 0; i < records.ordinals.length; i++) yield `${i},${records.ordinals[i]},${records.flags[i]}`;
  });
  await copyRows(client, 'valid_status', function* () {
    for (let i = 0; i < CONSENT_STATUSES.length; i++) if (isValidStatus(CONSENT_STATUSES[i]!)) yield String(i);
  });
  await client.query('CREATE INDEX consent_by_subject ON consent (controller, subject, purpose, at, seq); ANALYZE;');
  const loadMs = performance.now() - start;
  const sql = `
    -- MATERIALIZED: each step once, not re-run inside the correlated checks below.
    WITH mine AS MATERIALIZED (
      SELECT * FROM consent WHERE controller = $1 AND at <= $2
    ), latest AS MATERIALIZED (
      SELECT *, ROW_NUMBER() OVER (PARTITION BY subject, purpose ORDER BY at DESC, seq DESC) AS rn
      FROM mine WHERE purpose IN (${q.cover.join(',')})
    ), basis AS MATERIALIZED (
      SELECT DISTINCT l.subject FROM latest l
      WHERE l.rn = 1
        AND l.status IN (SELECT status FROM valid_status)
        AND (l.expires_at IS NULL OR l.expires_at > $2)
        AND l.notice IS NOT NULL AND l.method IS NOT NULL
        AND EXISTS (SELECT 1 FROM recipient_set r WHERE r.set_id = l.recipients AND r.org = $3)
        AND ($4 < 0 OR EXISTS (SELECT 1 FROM recipient_set r WHERE r.set_id = l.recipients AND r.org = $4))
    ), first AS MATERIALIZED (
      SELECT subject, at, notice, ROW_NUMBER() OVER (PARTITION BY subject ORDER BY at, seq) AS rn FROM mine
    ), expired AS MATERIALIZED (
      SELECT f.subject FROM first f JOIN notice n ON n.idx = f.notice
      WHERE f.rn = 1 AND n.retention_ms IS NOT NULL AND f.at + n.retention_ms <= $2
    )
    SELECT count(*)::int AS allowed FROM record r
    WHERE EXISTS (SELECT 1 FROM basis b WHERE b.subject = r.ordinal)
      -- NOT EXISTS, not NOT IN: PostgreSQL plans it as a hashed anti-join.
      AND NOT EXISTS (SELECT 1 FROM objection o WHERE o.subject = r.ordinal AND o.controller = $1 AND o.at <= $2 AND o.scope IN (${q.scopes.map((s) => `'${s}'`).join(',')}))
      AND NOT EXISTS (SELECT 1 FROM expired e WHERE e.subject = r.ordinal)
      AND NOT ($5::int = 1 AND (r.flags & $6::int & 1) <> 0)`;
  const t0 = performance.now();
  const res = await client.query<{ allowed: number }>(sql, [q.F, q.t, q.T, q.B, q.childBlocks, q.mask]);
  const ms = performance.now() - t0;
  await client.query(`DROP SCHEMA ${schema} CASCADE`);
  return { allowed: res.rows[0]!.allowed, ms, loadMs };
}
