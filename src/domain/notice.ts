import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';
import { noticeInput } from './schemas.ts';
import type { Notice } from './types.ts';
import type { z } from 'zod';

type ParsedNotice = z.output<typeof noticeInput>;

/** Content hash of a notice: sha256 over the canonical JSON of everything but the hash. */
export function noticeHash(n: Omit<Notice, 'hash'>): string {
  return createHash('sha256').update(canonicalJson(n)).digest('hex');
}

export function toNotice(p: ParsedNotice): Notice {
  const body: Omit<Notice, 'hash'> = {
    id: p.id,
    controller: p.controller,
    version: p.version,
    language: p.language,
    title: p.title,
    text: p.text,
    purposes: [...p.purposes],
    recipients: [...p.recipients],
    recipientCategories: [...p.recipientCategories],
    retentionDays: p.retentionDays,
    effectiveFrom: p.effectiveFrom,
  };
  return { hash: noticeHash(body), ...body };
}

/** Whether the notice names political use explicitly (rules.md, political-use-explicit). */
export function mentionsPoliticalUse(n: Notice): boolean {
  return n.purposes.includes('political-campaign');
}
