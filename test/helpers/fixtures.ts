import { randomBytes } from 'node:crypto';
import { toNotice } from '../../src/domain/notice.ts';
import { noticeInput } from '../../src/domain/schemas.ts';
import type { ConsentEvent, Notice, Organisation } from '../../src/domain/types.ts';

export const CLUB: Organisation = { id: 'club', name: 'Parenting Club Ltd', kind: 'collector', country: 'GB', rightsContact: 'privacy@club.example' };
export const BROKER: Organisation = { id: 'broker', name: 'List Broker Ltd', kind: 'broker', country: 'GB', rightsContact: 'dpo@broker.example' };

export function notice(over: Record<string, unknown> = {}): Notice {
  return toNotice(
    noticeInput.parse({
      id: 'n1',
      controller: 'club',
      version: '1',
      language: 'en',
      title: 'Privacy notice',
      text: 'We may use your data for marketing purposes by us and selected partners.',
      purposes: ['service-provision', 'marketing'],
      recipientCategories: ['selected partners'],
      effectiveFrom: '2014-01-01',
      ...over,
    }),
  );
}

export function key(): Uint8Array {
  return new Uint8Array(randomBytes(32));
}

export function consent(subject: Uint8Array, over: Partial<ConsentEvent> = {}): ConsentEvent {
  return {
    id: `ev-${Buffer.from(subject).toString('hex').slice(0, 12)}`,
    controller: 'club',
    subject,
    purposes: ['marketing'],
    recipients: [],
    status: 'ConsentGiven',
    notice: null,
    at: Date.UTC(2016, 0, 1),
    expiresAt: null,
    method: 'web-form',
    consentType: 'expressed',
    evidence: null,
    ...over,
  };
}
