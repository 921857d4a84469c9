/**
 * The ledger: its signed tree heads are commitments anyone holding a key may read; a leaf's
 * content and proof only by the organisations the leaf names (regulators and admins: any).
 */
import { z } from 'zod';
import { buildInclusionProof } from '../../ledger/inclusion-proof.ts';
import type { TreeHead } from '../../ledger/ledger-storage.ts';
import { encodeVerifierKey, verifierKeyOf } from '../../ledger/signing-key.ts';
import { maySee, requireKey } from '../access.ts';
import { ApiError, notFound } from '../api-error.ts';
import { defineRoute } from '../route-kit.ts';
import { iso } from '../schemas.ts';

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const headJson = (h: TreeHead) => ({ id: h.id, size: h.size, root: hex(h.root), at: iso(h.at), checkpoint: h.note, witnesses: h.witnesses });

/** Organisations a leaf's entry names (as controller, party to a transfer or agreement, or itself). */
export function leafOrganisations(entry: unknown): string[] {
  if (typeof entry !== 'object' || entry === null) return [];
  const e = entry as Record<string, unknown>;
  const out: string[] = [];
  for (const k of ['controller', 'from', 'to', 'onBehalfOf', 'organisation']) if (typeof e[k] === 'string') out.push(e[k] as string);
  return out;
}

export const ledgerRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/ledger',
    summary: 'The ledger’s size, its public key and the latest signed tree head',
    tag: 'ledger',
    auth: 'caller',
    responses: { 200: { description: 'status' } },
    handler: async ({ principal, services }) => {
      requireKey(principal);
      await services.seal();
      const heads = await services.app.store.ledger.treeHeads();
      const last = heads[heads.length - 1];
      return {
        status: 200,
        body: { size: await services.app.store.ledger.size(), publicKey: encodeVerifierKey(verifierKeyOf(services.app.signingKey())), latest: last ? headJson(last) : null, treeHeads: heads.length },
      };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/ledger/tree-heads',
    summary: 'Signed tree heads (checkpoints), oldest first',
    tag: 'ledger',
    auth: 'caller',
    query: z.strictObject({ after: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(1000).default(100) }),
    responses: { 200: { description: 'tree heads with id greater than `after`' } },
    handler: async ({ principal, query, services }) => {
      requireKey(principal);
      const heads = (await services.app.store.ledger.treeHeads()).filter((h) => h.id > query.after).slice(0, query.limit);
      return { status: 200, body: { items: heads.map(headJson) } };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/ledger/leaves/:index/proof',
    summary: 'Inclusion proof of one leaf under a signed tree head (as `consentry ledger proof --leaf`)',
    tag: 'ledger',
    auth: 'caller',
    params: z.strictObject({ index: z.coerce.number().int().min(0) }),
    responses: { 200: { description: 'consentry-inclusion-proof' }, 404: { description: 'no such leaf visible to you' } },
    handler: async ({ principal, params, services }) => {
      requireKey(principal);
      const size = await services.app.store.ledger.size();
      if (params.index >= size) throw notFound('leaf');
      const leaf = await services.app.store.ledger.leaf(params.index);
      let entry: unknown;
      try {
        entry = JSON.parse(Buffer.from(leaf.data).toString('utf8'));
      } catch {
        throw new ApiError(500, 'internal', 'a ledger leaf is not JSON');
      }
      if (!maySee(principal, leafOrganisations(entry))) throw notFound('leaf');
      await services.seal();
      return { status: 200, body: await buildInclusionProof(services.app.store.ledger, params.index) };
    },
  }),
];
