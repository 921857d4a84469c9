/** A finding, drilled down: what it says, the transfers behind it and the ledger evidence with proofs. */
import { useState } from 'react';
import { apiGet, ApiFailure } from '../api.ts';
import type { AuditFinding, StoredTransfer } from '../api-types.ts';
import { useAuditData } from '../audit-data.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { Link } from '../router.tsx';
import { useSignedIn } from '../session.tsx';
import { Badge, Code, ErrorNote, Figure, Loading } from '../ui/parts.tsx';
import { ProofView } from '../ui/proof.tsx';

export function FindingPage({ id }: { readonly id: string }) {
  const { t } = useI18n();
  const audit = useAuditData();
  if (audit.error) return <ErrorNote error={audit.error} />;
  if (!audit.data) return <Loading />;
  const f = audit.data.findings.findings.find((x) => x.id === id);
  return (
    <>
      <p>
        <Link to="/regulator">{t('common.back')}</Link>
      </p>
      {f ? <FindingDetail finding={f} transfers={audit.data.transfers} names={new Map(audit.data.organisations.map((o) => [o.id, o.name]))} /> : <h1>{t('finding.notFound')}</h1>}
    </>
  );
}

function FindingDetail({ finding: f, transfers, names }: { readonly finding: AuditFinding; readonly transfers: readonly StoredTransfer[]; readonly names: ReadonlyMap<string, string> }) {
  const i = useI18n();
  const { t } = i;
  const byId = new Map(transfers.map((x) => [x.id, x]));
  const related = [...new Set(f.evidence.filter((e) => byId.has(e.ref)).map((e) => e.ref))].map((ref) => byId.get(ref)!);
  const name = (id: string | null): string => (id === null ? '—' : (names.get(id) ?? id));
  return (
    <>
      <h1>
        {i.label('rule', f.rule)} <Badge tone={f.level === 'block' ? 'bad' : 'warn'}>{t(`level.${f.level}`)}</Badge>
      </h1>
      <div className="figures">
        <Figure label={t('findings.affected')} value={i.num(f.affected)} testId="finding-affected" />
        <Figure label={t('finding.first')} value={i.date(f.first)} />
        <Figure label={t('finding.last')} value={i.date(f.last)} />
      </div>
      <dl className="facts">
        <dt>{t('findings.rule')}</dt>
        <dd>
          <Code>{f.rule}</Code>
        </dd>
        <dt>{t('findings.citation')}</dt>
        <dd data-testid="finding-citation" dir="auto" lang="en">
          {f.citation || '—'}
        </dd>
        {f.message && (
          <>
            <dt>{t('finding.message')}</dt>
            <dd lang="en" dir="ltr">
              {f.message}
            </dd>
          </>
        )}
        <dt>{t('findings.organisations')}</dt>
        <dd>{i.list(f.organisations.map(name))}</dd>
      </dl>

      <section aria-labelledby="ft-h" className="panel">
        <h2 id="ft-h">{t('finding.transfers')}</h2>
        {related.length === 0 ? (
          <p>{t('finding.noTransfers')}</p>
        ) : (
          <div className="table-wrap">
            <table data-testid="finding-transfers">
              <thead>
                <tr>
                  <th scope="col">{t('transfer.id')}</th>
                  <th scope="col">{t('transfer.at')}</th>
                  <th scope="col">{t('flows.from')}</th>
                  <th scope="col">{t('flows.to')}</th>
                  <th scope="col">{t('flows.onBehalfOf')}</th>
                  <th scope="col">{t('flows.purpose')}</th>
                  <th scope="col" className="num">{t('flows.requested')}</th>
                  <th scope="col" className="num">{t('flows.allowed')}</th>
                  <th scope="col" className="num">{t('flows.refused')}</th>
                  <th scope="col">{t('transfer.reasons')}</th>
                </tr>
              </thead>
              <tbody>
                {related.map((x) => (
                  <tr key={x.id}>
                    <td>
                      <Code>{x.id}</Code>
                    </td>
                    <td>{i.date(x.request.at)}</td>
                    <td>{name(x.request.from)}</td>
                    <td>{name(x.request.to)}</td>
                    <td>{name(x.request.onBehalfOf)}</td>
                    <td>{i.label('purpose', x.request.purpose)}</td>
                    <td className="num">{i.num(x.requested)}</td>
                    <td className="num ok">{i.num(x.allowed)}</td>
                    <td className="num bad">{i.num(x.refused)}</td>
                    <td>
                      <ul className="plain">
                        {Object.entries(x.reasons).map(([code, n]) => (
                          <li key={code}>
                            {i.label('reason', code)}: {i.num(n)}
                          </li>
                        ))}
                      </ul>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section aria-labelledby="ev-h" className="panel">
        <h2 id="ev-h">{t('finding.evidence')}</h2>
        <ul className="evidence">
          {f.evidence.map((e) => (
            <EvidenceItem key={`${e.leaf}-${e.ref}`} leaf={e.leaf} kind={e.kind} reference={e.ref} />
          ))}
        </ul>
      </section>
    </>
  );
}

function EvidenceItem({ leaf, kind, reference }: { readonly leaf: number; readonly kind: string; readonly reference: string }) {
  const i = useI18n();
  const { credential } = useSignedIn();
  const [proof, setProof] = useState<Record<string, unknown> | null>(null);
  const [error, setError] = useState<ApiFailure | null>(null);
  const load = (): void => {
    apiGet<Record<string, unknown>>(credential, `/v1/ledger/leaves/${leaf}/proof`).then(setProof, (e: unknown) => setError(e instanceof ApiFailure ? e : new ApiFailure(0, 'network', String(e))));
  };
  return (
    <li>
      {i.t('finding.leaf', { leaf: i.num(leaf) })} · {i.label('evidence', kind)} · <Code>{reference}</Code>{' '}
      {proof === null && (
        <button type="button" className="secondary small" onClick={load}>
          {i.t('finding.showProof')}
        </button>
      )}
      {error && <ErrorNote error={error} />}
      {proof && <ProofView proof={proof} fileName={`leaf-${leaf}-proof.json`} />}
    </li>
  );
}
