/**
 * A decoded TC string (on its own or inside a GPP string) as consent events in our import
 * format. A TC string carries no identity, so the person's identifiers come from beside it
 * (a CSV with email + tc_string, say). TCF purposes map onto our purposes by the table below
 * (docs/standards.md); those with no counterpart are listed, never dropped silently.
 */
import type { TcString } from './tcf-string.ts';

export interface TcfPurpose {
  readonly id: number;
  readonly name: string;
  /** Our purpose id; null when our taxonomy has no counterpart. */
  readonly ours: string | null;
}

/** TCF v2.2 purposes and our purposes. */
export const TCF_PURPOSES: readonly TcfPurpose[] = [
  // Device access is an ePrivacy permission, not a purpose of processing in our taxonomy.
  { id: 1, name: 'Store and/or access information on a device', ours: null },
  { id: 2, name: 'Use limited data to select advertising', ours: 'advertising' },
  { id: 3, name: 'Create profiles for personalised advertising', ours: 'personalised-advertising' },
  { id: 4, name: 'Use profiles to select personalised advertising', ours: 'personalised-advertising' },
  { id: 5, name: 'Create profiles to personalise content', ours: 'profiling' },
  { id: 6, name: 'Use profiles to select personalised content', ours: 'profiling' },
  { id: 7, name: 'Measure advertising performance', ours: null },
  { id: 8, name: 'Measure content performance', ours: null },
  { id: 9, name: 'Understand audiences through statistics or combinations of data from different sources', ours: 'research' },
  { id: 10, name: 'Develop and improve services', ours: 'research' },
  { id: 11, name: 'Use limited data to select content', ours: null },
];

const BY_ID = new Map(TCF_PURPOSES.map((p) => [p.id, p]));

export interface PurposeMapping {
  /** Our purposes the person consented to. */
  readonly given: readonly string[];
  /** Our purposes the person was asked about and did not consent to. */
  readonly refused: readonly string[];
  /** TCF purposes and special features consented to that have no counterpart here. */
  readonly unmapped: readonly string[];
}

/** What a TC string says, in our purposes. A purpose counts as given if any TCF purpose mapped to it was. */
export function mapTcfPurposes(tc: TcString): PurposeMapping {
  const given = new Set<string>();
  const unmapped: string[] = [];
  for (const id of tc.core.purposesConsent) {
    const p = BY_ID.get(id);
    if (p?.ours) given.add(p.ours);
    else unmapped.push(p ? `tcf:purpose-${id} (${p.name})` : `tcf:purpose-${id} (not a TCF v2.2 purpose)`);
  }
  for (const id of tc.core.specialFeatureOptIns) unmapped.push(`tcf:special-feature-${id}`);
  const refused = new Set<string>();
  for (const p of TCF_PURPOSES) if (p.ours && !given.has(p.ours)) refused.add(p.ours);
  return { given: [...given].sort(), refused: [...refused].sort(), unmapped };
}

export interface SignalRowInput {
  readonly eventId: string;
  /** Identifier fields (email, or name + postcode + dob) and an optional notice, passed through. */
  readonly passThrough: Record<string, unknown>;
  /** The string as received: kept as the events' evidence. */
  readonly evidence: string;
}

/**
 * One event for the purposes given (id as given) and one for those refused (id + "-refused"),
 * both at the string's lastUpdated time, collected by signal.
 */
export function signalConsentRows(tc: TcString, input: SignalRowInput): { rows: Record<string, unknown>[]; unmapped: readonly string[] } {
  const m = mapTcfPurposes(tc);
  const base = {
    ...input.passThrough,
    recipients: [],
    at: new Date(tc.core.lastUpdated).toISOString(),
    method: 'signal',
    consent_type: 'expressed',
    evidence: input.evidence,
  };
  const rows: Record<string, unknown>[] = [];
  if (m.given.length > 0) rows.push({ ...base, event_id: input.eventId, status: 'ConsentGiven', purposes: [...m.given] });
  if (m.refused.length > 0) rows.push({ ...base, event_id: `${input.eventId}-refused`, status: 'ConsentRefused', purposes: [...m.refused] });
  return { rows, unmapped: m.unmapped };
}
