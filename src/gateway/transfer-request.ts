/** Validating a transfer request given on the command line or over HTTP. */
import { z } from 'zod';
import { isPurposeId } from '../domain/purposes.ts';
import { isoTime } from '../domain/schemas.ts';
import { CHANNELS, LAWFUL_BASES, type TransferRequest } from '../domain/types.ts';
import { UserError } from '../errors.ts';
import type { Store } from '../store/store.ts';

export const transferRequestInput = z.strictObject({
  from: z.string().min(1),
  to: z.string().min(1),
  onBehalfOf: z.string().min(1).nullable().default(null),
  purpose: z.string().refine(isPurposeId, { message: 'unknown purpose id (see `consentry purposes`)' }),
  channel: z.enum(CHANNELS).default('none'),
  fields: z.array(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'field names are column names: letters, digits, _ . -')).min(1, 'name the fields being sent'),
  at: isoTime.optional(),
  basis: z.enum(LAWFUL_BASES).default('consent'),
  tpsScreened: z.boolean().default(false),
});
export type TransferRequestInput = z.input<typeof transferRequestInput>;

/** Parses the request and checks that the organisations exist; `now` is the default time. */
export async function parseTransferRequest(input: unknown, store: Store, now: number, where = 'request'): Promise<TransferRequest> {
  const r = transferRequestInput.safeParse(input);
  if (!r.success) {
    throw new UserError('invalid-request', 'the transfer request is not valid', r.error.issues.map((i) => ({ where, field: i.path.join('.') || '(request)', message: i.message })));
  }
  const v = r.data;
  for (const [field, id] of [['from', v.from], ['to', v.to], ['onBehalfOf', v.onBehalfOf]] as const) {
    if (id !== null && !(await store.getOrganisation(id))) {
      throw new UserError('unknown-organisation', `unknown organisation "${id}"`, [{ where, field, message: 'register it with `consentry org add`' }]);
    }
  }
  if (v.from === v.to) throw new UserError('invalid-request', 'from and to are the same organisation', [{ where, field: 'to', message: 'a transfer goes to another organisation' }]);
  return {
    from: v.from,
    to: v.to,
    onBehalfOf: v.onBehalfOf,
    purpose: v.purpose,
    channel: v.channel,
    fields: [...new Set(v.fields)],
    at: v.at ?? now,
    basis: v.basis,
    tpsScreened: v.tpsScreened,
  };
}
