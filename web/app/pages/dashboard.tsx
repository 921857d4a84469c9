/** The regulator's dashboard: ledger status, the flow of records, findings by rule, organisations to review. */
import { useMemo, useState } from 'react';
import type { AuditFinding, Flows, LedgerCheck, LedgerStatus, Organisation } from '../api-types.ts';
import { useAuditData } from '../audit-data.ts';
import { sankeyData } from '../flows.ts';
import { useI18n, type I18n } from '../i18n/i18n.tsx';
import { Link } from '../router.tsx';
import { Chart, type ChartOption } from '../ui/chart.tsx';
import { Badge, Code, ErrorNote, Figure, Loading, Show } from '../ui/parts.tsx';
import { useApi } from '../ui/use-api.ts';

export function Dashboard() {
  const { t } = useI18n();
  const audit = useAuditData();
  return (
    <>
      <h1>{t('dash.title')}</h1>
      <LedgerPanel />
      {audit.error ? (
        <ErrorNote error={audit.error} />
      ) : !audit.data ? (
        <Loading />
      ) : (
        <>
          {audit.data.derived && (
            <p className="note" role="note">
              {t('dash.derived')}
            </p>
          )}
          <FlowsPanel flows={audit.data.flows} />
          <FindingsPanel findings={audit.data.findings.findings} organisations={audit.data.organisations} />
          <OrganisationsPanel organisations={audit.data.organisations} />
        </>
      )}
    </>
  );
}

function LedgerPanel() {
  const i = useI18n();
  const { t } = i;
  const status = useApi<LedgerStatus>('/v1/ledger');
  const check = useApi<LedgerCheck>('/v1/console/ledger/verify');
  return (
    <section aria-labelledby="ledger-h" className="panel">
      <h2 id="ledger-h">{t('ledger.title')}</h2>
      <Show loaded={status}>
        {(s) => (
          <>
            <div className="figures">
              <Figure label={t('ledger.size')} value={i.num(s.size)} testId="ledger-size" />
              <Figure label={t('ledger.heads')} value={i.num(s.treeHeads)} />
              {s.latest && <Figure label={t('ledger.latestSize')} value={i.num(s.latest.size)} />}
              {s.latest && <Figure label={t('ledger.signedAt')} value={i.dateTime(s.latest.at)} />}
            </div>
            {s.latest ? (
              <dl className="facts">
                <dt>{t('ledger.root')}</dt>
                <dd>
                  <Code>{s.latest.root}</Code>
                </dd>
                <dt>{t('ledger.cosignatures')}</dt>
                <dd data-testid="cosignatures">{s.latest.witnesses.length === 0 ? t('ledger.noCosignatures') : s.latest.witnesses.join(', ')}</dd>
                <dt>{t('ledger.publicKey')}</dt>
                <dd>
                  <Code>{s.publicKey}</Code>
                </dd>
              </dl>
            ) : (
              <p>{t('ledger.noHead')}</p>
            )}
          </>
        )}
      </Show>
      <h3>{t('ledger.verification')}</h3>
      <Show loaded={check}>
        {(c) => (
          <>
            <p data-testid="ledger-verified">{c.verified ? <Badge tone="ok">{t('ledger.verified')}</Badge> : <Badge tone="bad">{t('ledger.notVerified')}</Badge>}</p>
            <ul className="checks">
              {c.checks.map((x) => (
                <li key={x.check}>
                  <Badge tone={x.ok ? 'ok' : 'bad'}>{x.ok ? t('common.ok') : t('common.failed')}</Badge> {i.label('verify', x.check)}
                  {!x.ok && <span className="muted"> — {x.detail}</span>}
                </li>
              ))}
            </ul>
          </>
        )}
      </Show>
    </section>
  );
}

function sankeyOption(flows: Flows, i: I18n): ChartOption {
  // The chart is drawn left to right; an Arabic label is isolated right to left inside it.
  const d = sankeyData(flows, (name) => (i.dir === 'rtl' ? `\u2067${i.t('flows.refusedAt', { name })}\u2069` : i.t('flows.refusedAt', { name })));
  const labels = new Map(d.nodes.map((n) => [n.name, n.label]));
  const targets = new Set(d.links.map((l) => l.target));
  const sources = new Set(d.nodes.filter((n) => !targets.has(n.name)).map((n) => n.name));
  return {
    tooltip: {
      trigger: 'item',
      formatter: (p: { dataType?: string; data: { source?: string; target?: string; value?: number }; name: string; value: number }) =>
        p.dataType === 'edge'
          ? `${labels.get(p.data.source ?? '') ?? ''} → ${labels.get(p.data.target ?? '') ?? ''}: ${i.num(p.data.value ?? 0)}`
          : `${labels.get(p.name) ?? p.name}: ${i.num(p.value)}`,
    },
    series: [
      {
        type: 'sankey',
        left: 210,
        right: 190,
        top: 16,
        bottom: 16,
        nodeAlign: 'left',
        draggable: false,
        emphasis: { focus: 'adjacency' },
        label: { formatter: (p: { name: string }) => labels.get(p.name) ?? p.name, color: '#1a1a1a', fontSize: 13 },
        // Sources are labelled on their outer side, so the label never sits on a flow.
        data: d.nodes.map((n) => ({
          name: n.name,
          itemStyle: { color: n.kind === 'refused' ? '#b91c1c' : n.kind === 'collector' ? '#1d4ed8' : n.kind === 'political-party' ? '#7c3aed' : '#0f766e' },
          ...(sources.has(n.name) ? { label: { position: 'left', width: 190, overflow: 'break', lineHeight: 16, align: 'right' } } : {}),
        })),
        links: d.links.map((l) => ({ source: l.source, target: l.target, value: l.value, lineStyle: { color: l.kind === 'refused' ? '#b91c1c' : '#15803d', opacity: 0.35 } })),
      },
    ],
  };
}

function FlowsPanel({ flows }: { readonly flows: Flows }) {
  const i = useI18n();
  const { t } = i;
  const option = useMemo(() => sankeyOption(flows, i), [flows, i]);
  const names = new Map(flows.nodes.map((n) => [n.id, n.name]));
  const name = (id: string | null): string => (id === null ? '—' : (names.get(id) ?? id));
  return (
    <section aria-labelledby="flows-h" className="panel">
      <h2 id="flows-h">{t('flows.title')}</h2>
      <p className="muted">{t('flows.intro')}</p>
      {flows.links.length === 0 ? (
        <p>{t('flows.none')}</p>
      ) : (
        <>
          <Chart option={option} label={t('flows.chartLabel')} height={360} testId="sankey" />
          <div className="table-wrap">
            <table data-testid="flows-table">
              <caption>{t('flows.tableCaption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('flows.from')}</th>
                  <th scope="col">{t('flows.to')}</th>
                  <th scope="col">{t('flows.onBehalfOf')}</th>
                  <th scope="col">{t('flows.purpose')}</th>
                  <th scope="col" className="num">{t('flows.transfers')}</th>
                  <th scope="col" className="num">{t('flows.requested')}</th>
                  <th scope="col" className="num">{t('flows.allowed')}</th>
                  <th scope="col" className="num">{t('flows.refused')}</th>
                </tr>
              </thead>
              <tbody>
                {flows.links.map((l) => (
                  <tr key={`${l.from}|${l.to}|${l.onBehalfOf ?? ''}|${l.purpose}`}>
                    <td>{name(l.from)}</td>
                    <td>{name(l.to)}</td>
                    <td>{name(l.onBehalfOf)}</td>
                    <td>{i.label('purpose', l.purpose)}</td>
                    <td className="num">{i.num(l.transfers)}</td>
                    <td className="num">{i.num(l.requested)}</td>
                    <td className="num ok">{i.num(l.allowed)}</td>
                    <td className="num bad">{i.num(l.refused)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

function FindingsPanel({ findings, organisations }: { readonly findings: readonly AuditFinding[]; readonly organisations: readonly Organisation[] }) {
  const i = useI18n();
  const { t } = i;
  const names = new Map(organisations.map((o) => [o.id, o.name]));
  return (
    <section aria-labelledby="findings-h" className="panel">
      <h2 id="findings-h">{t('findings.title')}</h2>
      {findings.length === 0 ? (
        <p>{t('findings.none')}</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="findings-table">
            <caption>{t('findings.caption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('findings.rule')}</th>
                <th scope="col">{t('findings.level')}</th>
                <th scope="col">{t('findings.citation')}</th>
                <th scope="col">{t('findings.organisations')}</th>
                <th scope="col" className="num">{t('findings.affected')}</th>
                <th scope="col">{t('findings.period')}</th>
              </tr>
            </thead>
            <tbody>
              {findings.map((f) => (
                <tr key={f.id} data-rule={f.rule}>
                  <th scope="row">
                    <Link to={`/regulator/findings/${encodeURIComponent(f.id)}`}>{i.label('rule', f.rule)}</Link>
                    <div className="muted">
                      <Code>{f.rule}</Code>
                    </div>
                  </th>
                  <td>
                    <Badge tone={f.level === 'block' ? 'bad' : 'warn'}>{t(`level.${f.level}`)}</Badge>
                  </td>
                  <td>
                    <span dir="auto" lang="en">
                      {f.citation || '—'}
                    </span>
                  </td>
                  <td>{i.list(f.organisations.map((o) => names.get(o) ?? o))}</td>
                  <td className="num" data-testid="affected">
                    {i.num(f.affected)}
                  </td>
                  <td>{f.first === f.last ? i.date(f.first) : `${i.date(f.first)} – ${i.date(f.last)}`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

const KINDS = ['collector', 'broker', 'political-party', 'processor', 'regulator', 'other'] as const;

function OrganisationsPanel({ organisations }: { readonly organisations: readonly Organisation[] }) {
  const i = useI18n();
  const { t } = i;
  const [kind, setKind] = useState<string>('political-party');
  const shown = organisations.filter((o) => kind === '' || o.kind === kind);
  return (
    <section aria-labelledby="orgs-h" className="panel">
      <h2 id="orgs-h">{t('orgs.title')}</h2>
      <div className="field-inline">
        <label htmlFor="org-kind">{t('orgs.kind')}</label>
        <select id="org-kind" value={kind} onChange={(e) => setKind(e.target.value)}>
          <option value="">{t('orgs.allKinds')}</option>
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {i.label('kind', k)}
            </option>
          ))}
        </select>
      </div>
      {shown.length === 0 ? (
        <p>{t('orgs.none')}</p>
      ) : (
        <ul className="cards" data-testid="org-list">
          {shown.map((o) => (
            <li key={o.id}>
              <Link to={`/regulator/organisations/${encodeURIComponent(o.id)}`}>{o.name}</Link>
              <span className="muted"> · {i.label('kind', o.kind)}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
