/**
 * The regulator's data: the audit routes when the server has them, otherwise the same shapes
 * derived from committed transfers (flagged, so the page can say so).
 */
import { useEffect, useState } from 'react';
import { apiGet, ApiFailure } from './api.ts';
import type { Findings, Flows, Organisation, StoredTransfer } from './api-types.ts';
import { findingsFromTransfers, flowsFromTransfers } from './flows.ts';
import { useSignedIn } from './session.tsx';

export interface AuditData {
  readonly flows: Flows;
  readonly findings: Findings;
  readonly organisations: readonly Organisation[];
  readonly transfers: readonly StoredTransfer[];
  /** True when flows and findings were derived here because the audit routes answered 404. */
  readonly derived: boolean;
}

const missing = (e: unknown): boolean => e instanceof ApiFailure && e.status === 404;

export async function loadAuditData(credential: string): Promise<AuditData> {
  const [organisations, transfers] = await Promise.all([
    apiGet<{ items: Organisation[] }>(credential, '/v1/organisations').then((r) => r.items),
    apiGet<{ items: StoredTransfer[] }>(credential, '/v1/transfers').then((r) => r.items),
  ]);
  try {
    const [flows, findings] = await Promise.all([apiGet<Flows>(credential, '/v1/audit/flows'), apiGet<Findings>(credential, '/v1/audit/findings')]);
    return { flows, findings, organisations, transfers, derived: false };
  } catch (e) {
    if (!missing(e)) throw e;
    const findings = findingsFromTransfers(transfers);
    return { flows: flowsFromTransfers(transfers, organisations), findings: { generatedAt: new Date().toISOString(), treeSize: 0, findings }, organisations, transfers, derived: true };
  }
}

export function useAuditData(): { data: AuditData | null; error: ApiFailure | null } {
  const { credential } = useSignedIn();
  const [state, setState] = useState<{ data: AuditData | null; error: ApiFailure | null }>({ data: null, error: null });
  useEffect(() => {
    let live = true;
    loadAuditData(credential).then(
      (data) => live && setState({ data, error: null }),
      (e: unknown) => live && setState({ data: null, error: e instanceof ApiFailure ? e : new ApiFailure(0, 'network', String(e)) }),
    );
    return () => {
      live = false;
    };
  }, [credential]);
  return state;
}
