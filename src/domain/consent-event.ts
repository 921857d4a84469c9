import type { ConsentEvent } from './types.ts';

/** Same event content? (idempotent re-import compares what was said, not the row number) */
export function sameConsentContent(a: ConsentEvent, b: ConsentEvent): boolean {
  return (
    a.id === b.id &&
    a.controller === b.controller &&
    Buffer.from(a.subject.buffer, a.subject.byteOffset, a.subject.byteLength).equals(b.subject) &&
    a.purposes.join(";") === b.purposes.join(";") &&
    a.recipients.join(";") === b.recipients.join(";") &&
    a.status === b.status &&
    a.notice === b.notice &&
    a.at === b.at &&
    a.expiresAt === b.expiresAt &&
    a.method === b.method &&
    a.consentType === b.consentType &&
    a.evidence === b.evidence
  );
}

