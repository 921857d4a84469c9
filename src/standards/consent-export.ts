/**
 * A controller's consent events as standard records (JSON Lines, one record or receipt per
 * line), and single receipts for `consent receipt`. People appear by subject key only.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { ConsentEvent } from '../domain/types.ts';
import { UserError } from '../errors.ts';
import type { Store } from '../store/store.ts';
import { toRecord27560 } from './consent-27560.ts';
import type { ExportContext } from './export-context.ts';
import { toKantaraReceipt } from './kantara-receipt.ts';
import type { ReceiptFormat } from './receipts.ts';

export async function exportContext(store: Store, controller: string): Promise<ExportContext> {
  const org = await store.getOrganisation(controller);
  if (!org) throw new UserError('unknown-organisation', `unknown organisation "${controller}"`, [{ where: '--org', message: 'see `consentry org list`' }]);
  const organisations = new Map((await store.listOrganisations()).map((o) => [o.id, o]));
  const notices = new Map((await store.listNotices(controller)).map((n) => [n.hash, n]));
  return { controller: org, organisations, notices };
}

export function standardRecord(format: ReceiptFormat, e: ConsentEvent, ctx: ExportContext, publicKey?: string): unknown {
  return format === '27560' ? toRecord27560(e, ctx) : toKantaraReceipt(e, ctx, publicKey);
}

/** Writes every event of the controller, in store order, to `file` (or stdout); returns how many. */
export async function exportConsents(store: Store, controller: string, format: ReceiptFormat, file: string | null): Promise<number> {
  const ctx = await exportContext(store, controller);
  const fd = file ? openSync(file, 'w', 0o600) : null;
  let n = 0;
  let pending = '';
  const flush = (): void => {
    if (pending === '') return;
    if (fd !== null) writeSync(fd, pending);
    else process.stdout.write(pending);
    pending = '';
  };
  try {
    await store.eachConsentEvent((e) => {
      if (e.controller !== controller) return;
      pending += `${JSON.stringify(standardRecord(format, e, ctx))}\n`;
      n++;
      if (pending.length > 1 << 20) flush();
    });
    flush();
  } finally {
    if (fd !== null) closeSync(fd);
  }
  return n;
}

/** One stored event with its ledger leaf, or a UserError naming what is missing. */
export async function findEvent(store: Store, controller: string, eventId: string): Promise<{ event: ConsentEvent; leaf: number | null }> {
  const event = (await store.findConsentEvents(controller, [eventId])).get(eventId);
  if (!event) throw new UserError('not-found', `no consent event "${eventId}" of ${controller}`, [{ where: 'EVENT-ID', message: 'give an event id as imported (event_id)' }]);
  const stored = (await store.consentEventsOf(event.subject)).find((e) => e.controller === controller && e.id === eventId);
  return { event, leaf: stored?.leaf ?? null };
}
