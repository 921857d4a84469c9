/**
 * Who may do what (docs/api.md, "Keys and roles"). Pure: a principal and the organisations a
 * resource belongs to in, yes or no out. Organisations see their own records and what was
 * disclosed to them; regulators and admins read across organisations; a person sees only
 * their own (the /v1/me routes).
 */
import type { ApiRole } from '../store/store.ts';
import { forbidden, notFound } from './api-error.ts';

export type Principal =
  | { readonly kind: 'key'; readonly keyId: string; readonly role: ApiRole; readonly organisation: string | null }
  | { readonly kind: 'subject'; readonly subjectHex: string; readonly expiresAt: number };

export type KeyPrincipal = Extract<Principal, { kind: 'key' }>;

/** What a role may do beyond reading its own organisation's data. */
export const ROLE_ACTIONS = {
  admin: ['organisations:create'],
  collector: ['notices:publish', 'datasets:declare', 'agreements:record', 'consents:write', 'subject-tokens:issue', 'transfers:decide'],
  discloser: ['datasets:declare', 'agreements:record', 'transfers:decide'],
  recipient: ['datasets:declare'],
  regulator: [],
} as const satisfies Record<ApiRole, readonly string[]>;

export type Action = (typeof ROLE_ACTIONS)[ApiRole][number];

export function readsAll(p: Principal): boolean {
  return p.kind === 'key' && (p.role === 'regulator' || p.role === 'admin');
}

export function mayDo(p: Principal, action: Action): boolean {
  return p.kind === 'key' && (ROLE_ACTIONS[p.role] as readonly string[]).includes(action);
}

/** May `p` read something belonging to (or disclosed to) any of `orgs`? */
export function maySee(p: Principal, orgs: readonly (string | null)[]): boolean {
  if (readsAll(p)) return true;
  return p.kind === 'key' && p.organisation !== null && orgs.includes(p.organisation);
}

export function requireKey(p: Principal): KeyPrincipal {
  if (p.kind !== 'key') throw forbidden('this route needs an API key; a person’s token reaches only /v1/me');
  return p;
}

/** The caller must hold `action` and act for `org` (the organisation named in the request). */
export function requireActingFor(p: Principal, action: Action, org: string, field: string): KeyPrincipal {
  const k = requireKey(p);
  if (!mayDo(k, action)) throw forbidden(`the ${k.role} role may not ${action.replace(':', ' ')}`);
  if (k.organisation !== org) throw forbidden(`this key acts for ${k.organisation ?? 'no organisation'}, not ${org}`, `body.${field}`);
  return k;
}

export function requireAction(p: Principal, action: Action): KeyPrincipal {
  const k = requireKey(p);
  if (!mayDo(k, action)) throw forbidden(`the ${k.role} role may not ${action.replace(':', ' ')}`);
  return k;
}

/** Hides what the caller may not see behind the same 404 as what does not exist. */
export function visibleOr404<T>(p: Principal, value: T | null, orgsOf: (v: T) => readonly (string | null)[], what: string): T {
  if (value === null || !maySee(p, orgsOf(value))) throw notFound(what);
  return value;
}

export function requireSubject(p: Principal): Extract<Principal, { kind: 'subject' }> {
  if (p.kind !== 'subject') throw forbidden('this route is for a person holding a subject token (POST /v1/subject-tokens)');
  return p;
}
