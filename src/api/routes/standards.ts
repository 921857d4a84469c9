/**
 * Standard formats over HTTP: a signed receipt (Kantara v1.1 or ISO/IEC TS 27560) for one
 * consent event, for the organisation that recorded it (regulators and admins: any).
 */
import { z } from 'zod';
import { encodeVerifierKey, verifierKeyOf } from '../../ledger/signing-key.ts';
import { exportContext, findEvent, standardRecord } from '../../standards/consent-export.ts';
import { RECEIPT_FORMATS, signReceipt } from '../../standards/receipts.ts';
import { UserError } from '../../errors.ts';
import { maySee, requireKey } from '../access.ts';
import { notFound } from '../api-error.ts';
import { defineRoute } from '../route-kit.ts';
import { slugParam } from '../schemas.ts';

export const standardsRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/consent-events/:controller/:id/receipt',
    summary: 'A receipt for one consent event, signed with the ledger key (Kantara v1.1 or ISO/IEC TS 27560)',
    description: 'The same receipt as `consentry consent receipt`; check it offline with `consentry consent verify-receipt` and the ledger’s public key (GET /v1/ledger). People appear by subject key only.',
    tag: 'consent',
    auth: 'caller',
    params: z.strictObject({ controller: slugParam, id: z.string().min(1).max(128) }),
    query: z.strictObject({ format: z.enum(RECEIPT_FORMATS).default('kantara') }),
    responses: { 200: { description: 'consentry-signed-receipt/v1' }, 404: { description: 'no such event, or not yours' } },
    handler: async ({ principal, params, query, services }) => {
      const k = requireKey(principal);
      // Another organisation's events look exactly like missing ones.
      if (!maySee(k, [params.controller])) throw notFound('consent event');
      let found;
      try {
        found = await findEvent(services.app.store, params.controller, params.id);
      } catch (err) {
        if (err instanceof UserError && err.code === 'not-found') throw notFound('consent event');
        throw err;
      }
      const ctx = await exportContext(services.app.store, params.controller);
      const key = services.app.signingKey();
      const receipt = standardRecord(query.format, found.event, ctx, encodeVerifierKey(verifierKeyOf(key)));
      return { status: 200, body: signReceipt(query.format, receipt, found.leaf, key, Date.now()) };
    },
  }),
];
