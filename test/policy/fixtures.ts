/** Small builders for policy scenarios, and a plain snapshot of a decision for comparisons. */
import type { Agreement, ConsentEvent, Notice, Objection, Organisation, TransferRequest } from '../../src/domain/types.ts';
import type { Decision } from '../../src/policy/decision.ts';
import type { TransferRecords } from '../../src/policy/record-flags.ts';

export const DAY = 86_400_000;
export const KEY = new Uint8Array(32);

export function utc(iso: string): number {
  return Date.parse(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
}

export function org(id: string, kind: Organisation['kind'], over: Partial<Organisation> = {}): Organisation {
  return { id, name: id, kind, country: 'GB', rightsContact: `privacy@${id}.example`, ...over };
}

export function notice(id: string, controller: string, over: Partial<Notice> = {}): Notice {
  return {
    hash: `hash-${controller}-${id}`,
    id,
    controller,
    version: '1',
    language: 'en',
    title: id,
    text: `Notice ${id}`,
    purposes: ['service-provision', 'marketing'],
    recipients: [],
    recipientCategories: [],
    retentionDays: null,
    effectiveFrom: 0,
    ...over,
  };
}

let seq = 0;
export function consent(controller: string, over: Partial<ConsentEvent> = {}): ConsentEvent {
  return {
    id: `e${++seq}`,
    controller,
    subject: KEY,
    purposes: ['marketing'],
    recipients: [],
    status: 'ConsentGiven',
    notice: null,
    at: 0,
    expiresAt: null,
    method: 'web-form',
    consentType: 'expressed',
    evidence: null,
    ...over,
  };
}

export function objection(controller: string, scope: Objection['scope'], at: number): Objection {
  return { id: `o${++seq}`, controller, subject: KEY, scope, at, source: 'request' };
}

export function agreement(from: string, to: string, over: Partial<Agreement> = {}): Agreement {
  return {
    id: `dsa-${++seq}`,
    from,
    to,
    onBehalfOf: null,
    role: 'controller',
    purposes: ['marketing'],
    fields: ['name', 'address', 'postcode', 'email'],
    retentionDays: null,
    onwardSharing: false,
    dpiaRef: null,
    art14NoticeDays: 30,
    art9Condition: null,
    childJustification: null,
    transferSafeguard: null,
    validFrom: 0,
    validTo: null,
    ...over,
  };
}

export function request(from: string, to: string, over: Partial<TransferRequest> = {}): TransferRequest {
  return {
    from,
    to,
    onBehalfOf: null,
    purpose: 'marketing',
    channel: 'post',
    fields: ['name', 'address', 'postcode'],
    at: 0,
    basis: 'consent',
    tpsScreened: false,
    ...over,
  };
}

export function records(ordinals: readonly number[], flags?: readonly number[]): TransferRecords {
  return { ordinals: Int32Array.from(ordinals), flags: Uint8Array.from(flags ?? ordinals.map(() => 0)) };
}

/** Everything a decision says, as plain data (record reasons included). */
export function snapshot(d: Decision): Record<string, unknown> {
  return {
    pack: d.pack,
    requested: d.requested,
    allowed: d.allowed,
    refused: d.refused,
    allowedMask: Array.from(d.allowedMask),
    reasons: d.reasons,
    reasonKeys: Object.keys(d.reasons),
    warnings: d.warnings,
    warningKeys: Object.keys(d.warnings),
    findings: d.findings,
    fields: d.fields,
    recordReasons: Array.from(d.allowedMask, (_, i) => d.recordReasons(i)),
  };
}
