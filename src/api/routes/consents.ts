/**
 * Consent events over HTTP, in the import format (README, "Consent events"), validated by the
 * same row check as `consent import`; idempotent by event id. One event as JSON, or many as
 * NDJSON: all checked before any is stored (or, with skipInvalid, the good ones stored).
 */
import { z } from 'zod';
import { sameConsentContent } from '../../domain/consent-event.ts';
import type { ConsentEvent } from '../../domain/types.ts';
import { checkConsentRow, type CheckedRow } from '../../ingest/consent-row.ts';
import { requireActingFor, requireKey, type KeyPrincipal } from '../access.ts';
import { ApiError, type ErrorDetail } from '../api-error.ts';
import type { Services } from '../services.ts';
import { defineRoute, type Reply } from '../route-kit.ts';
import type { WriteOutcome } from '../consent-writer.ts';
import { queryBool } from '../schemas.ts';

const text = z.string().nullable().optional();
/** The import format's fields; checkConsentRow gives them their meaning. */
export const consentEventBody = z.strictObject({
  event_id: z.union([z.string(), z.number()]),
  email: text,
  name: text,
  postcode: text,
  dob: text,
  purposes: z.union([z.array(z.string()), z.string()]),
  recipients: z.union([z.array(z.string()), z.string()]).nullable().optional(),
  status: z.string(),
  notice: text,
  at: z.string(),
  expires_at: text,
  method: text,
  consent_type: text,
  evidence: text,
});

const BODY_FIELDS = new Set(Object.keys(consentEventBody.shape));

/**
 * The single-event route's body check: an object with only the known fields. checkConsentRow
 * then validates every value, so the schema above is not run a second time on this hot path.
 */
function checkEventBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(400, 'invalid-input', 'the body is not valid', [{ where: 'body', field: '(body)', message: 'send one consent event as a JSON object' }]);
  }
  const unknown = Object.keys(body).filter((k) => !BODY_FIELDS.has(k));
  if (unknown.length > 0) throw new ApiError(400, 'invalid-input', 'the body is not valid', unknown.map((k) => ({ where: 'body', field: k, message: 'unknown field' })));
  return body as Record<string, unknown>;
}

const MAX_PROBLEMS = 100;
export const BULK_LIMIT = 64 * 1024 * 1024;

function controllerOf(principal: KeyPrincipal): string {
  // Collectors record consent given to their own organisation only.
  return requireActingFor(principal, 'consents:write', principal.organisation ?? '', 'controller').organisation!;
}

function withKey(row: CheckedRow, services: Services): ConsentEvent {
  const { identifier, ...rest } = row;
  return { ...rest, subject: services.app.keyer.keyOfMaterial(identifier) };
}

export const consentRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/consent-events',
    summary: 'Record one consent event for your organisation',
    description: 'Identifiers are hashed into the subject key on arrival and never stored or logged. Re-sending a stored event is a no-op (200).',
    tag: 'consent',
    auth: 'caller',
    write: true,
    bodyLimit: 64 * 1024,
    body: consentEventBody,
    checkBody: checkEventBody,
    responses: {
      201: { description: 'stored', schema: z.object({ event_id: z.string(), controller: z.string(), result: z.enum(['created', 'unchanged']) }) },
      200: { description: 'already stored with the same content' },
      409: { description: 'the event id is stored with other content' },
    },
    handler: async ({ principal, body, services, idempotency }) => {
      const controller = controllerOf(requireKey(principal));
      let checked = checkConsentRow(body, services.live.rowContext(controller));
      // A notice published through another node may not have reached this one's facts yet.
      if (!checked.ok) {
        await services.live.catchUp();
        checked = checkConsentRow(body, services.live.rowContext(controller));
      }
      if (!checked.ok) throw new ApiError(400, 'invalid-input', 'the consent event is not valid', checked.problems.map((p) => ({ where: 'body', field: p.field, message: p.message })));
      const id = checked.row.id;
      const reply = (result: WriteOutcome): Reply => ({ status: result === 'created' ? 201 : 200, body: { event_id: id, controller, result } });
      // The response to an Idempotency-Key is stored with the event's batch, not after it.
      const result = await services.writer.writeOne(withKey(checked.row, services), idempotency && ((o) => idempotency(reply(o))));
      return { ...reply(result), idempotencyStored: idempotency !== null };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/consent-events/bulk',
    summary: 'Record many consent events (NDJSON, one event per line, the import format)',
    description: 'Streamed in. Every line is checked first; unless skipInvalid=true, one bad line means nothing is stored and the response lists the problems by line.',
    tag: 'consent',
    auth: 'caller',
    write: true,
    ndjson: true,
    bodyLimit: BULK_LIMIT,
    query: z.strictObject({ skipInvalid: queryBool.default(false) }),
    responses: {
      200: {
        description: 'summary',
        schema: z.object({ rows: z.number(), inserted: z.number(), unchanged: z.number(), rejected: z.number(), newSubjects: z.number(), problems: z.array(z.object({ where: z.string(), field: z.string(), message: z.string() })) }),
      },
      400: { description: 'bad lines; nothing stored' },
    },
    handler: async ({ principal, query, services, ndjson, beforeWrite }) => {
      const controller = controllerOf(requireKey(principal));
      await services.live.catchUp();
      const ctx = services.live.rowContext(controller);
      const problems: ErrorDetail[] = [];
      const badLines = new Set<number>();
      const events: ConsentEvent[] = [];
      const lines: number[] = [];
      const firstById = new Map<string, number>();
      let rows = 0;
      const problem = (line: number, field: string, message: string): void => {
        badLines.add(line);
        if (problems.length < MAX_PROBLEMS) problems.push({ where: `body:${line}`, field, message });
      };
      for await (const { line, value } of ndjson!.lines()) {
        rows++;
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          problem(line, '(line)', 'not a JSON object');
          continue;
        }
        const checked = checkConsentRow(value as Record<string, unknown>, ctx);
        if (!checked.ok) {
          for (const p of checked.problems) problem(line, p.field, p.message);
          continue;
        }
        const e = withKey(checked.row, services);
        const prev = firstById.get(e.id);
        if (prev !== undefined) {
          if (!sameConsentContent(events[prev]!, e)) problem(line, 'event_id', `event "${e.id}" appears earlier with different content`);
          continue;
        }
        firstById.set(e.id, events.length);
        events.push(e);
        lines.push(line);
      }
      // Events stored earlier with other content are refused before anything is written.
      for (let i = 0; i < events.length; i += 1000) {
        const chunk = events.slice(i, i + 1000);
        const stored = await services.app.store.findConsentEvents(controller, chunk.map((e) => e.id));
        chunk.forEach((e, j) => {
          const s = stored.get(e.id);
          if (s && !sameConsentContent(s, e)) problem(lines[i + j]!, 'event_id', `event "${e.id}" is already stored with different content; give a changed event a new id`);
        });
      }
      if (badLines.size > 0 && !query.skipInvalid) {
        throw new ApiError(400, 'invalid-rows', `${badLines.size} of ${rows} lines cannot be stored; nothing was stored`, problems);
      }
      await beforeWrite();
      const goodLines = lines.filter((l) => !badLines.has(l));
      const good = events.filter((_, i) => !badLines.has(lines[i]!));
      const r = await services.writer.writeMany(good);
      // An event stored with other content between the check and the write (a concurrent upload).
      r.outcomes.forEach((o, i) => {
        if (o instanceof ApiError) problem(goodLines[i]!, 'event_id', o.message);
      });
      return { status: 200, body: { rows, inserted: r.inserted, unchanged: r.unchanged, rejected: badLines.size, newSubjects: r.newSubjects, problems } };
    },
  }),
];
