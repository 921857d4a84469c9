/**
 * An organisation's console: its notices (with their lint result), consent statistics per
 * purpose, a transfer check by uploading a file, the rights notices waiting for its
 * acknowledgement and, for collectors, access for a person they have verified.
 */
import { useMemo, useState, type FormEvent } from 'react';
import { apiPost, ApiFailure } from '../api.ts';
import type { ConsentStats, Lint, Notice, Organisation, RightsNotice } from '../api-types.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useSignedIn } from '../session.tsx';
import { Chart, type ChartOption } from '../ui/chart.tsx';
import { Badge, Code, ErrorNote, Show } from '../ui/parts.tsx';
import { useApi } from '../ui/use-api.ts';
import { TransferCheck } from './transfer-check.tsx';

export function OrgConsole() {
  const { t } = useI18n();
  const s = useSignedIn();
  const info = s.info;
  if (info.kind !== 'key' || !info.organisation) return null;
  const org = info.organisation;
  const decides = info.role === 'collector' || info.role === 'discloser';
  return (
    <>
      <h1>{t('console.title', { name: org.name })}</h1>
      <NoticesPanel org={org.id} />
      <StatsPanel />
      {decides && <TransferCheck org={org.id} />}
      <RightsPanel />
      {info.role === 'collector' && <PersonAccess />}
    </>
  );
}

function NoticesPanel({ org }: { readonly org: string }) {
  const { t } = useI18n();
  const notices = useApi<{ items: Notice[] }>(`/v1/notices?controller=${encodeURIComponent(org)}`);
  return (
    <section aria-labelledby="cn-h" className="panel">
      <h2 id="cn-h">{t('console.notices')}</h2>
      <Show loaded={notices}>
        {(n) =>
          n.items.length === 0 ? (
            <p>{t('common.none')}</p>
          ) : (
            <ul className="notices" data-testid="console-notices">
              {n.items.map((x) => (
                <NoticeItem key={x.hash} notice={x} />
              ))}
            </ul>
          )
        }
      </Show>
    </section>
  );
}

function NoticeItem({ notice: n }: { readonly notice: Notice }) {
  const i = useI18n();
  const { t } = i;
  const lint = useApi<Lint>(`/v1/notices/${encodeURIComponent(n.controller)}/${encodeURIComponent(n.id)}/lint`);
  return (
    <li>
      <h3>
        <span lang={n.language} dir="auto">
          {n.title}
        </span>{' '}
        <span className="muted">
          (<Code>{n.id}</Code> · {n.version} · {n.language})
        </span>
      </h3>
      <p>
        {t('notice.purposes')}: {i.list(n.purposes.map((p) => i.label('purpose', p)))}
      </p>
      <p>
        {t('notice.recipients')}: {n.recipients.length > 0 ? i.list([...n.recipients]) : t('common.none')}
        {n.recipientCategories.length > 0 && ` · ${t('notice.categories')}: ${i.list([...n.recipientCategories])}`}
      </p>
      {lint.error ? (
        <p className="muted">{lint.error.status === 404 ? t('notice.noLint') : t('common.error', { message: lint.error.message })}</p>
      ) : lint.data ? (
        <div className="lint">
          <p>
            <Badge tone={lint.data.score >= 70 ? 'ok' : lint.data.score >= 40 ? 'warn' : 'bad'}>{t('notice.score', { score: i.num(lint.data.score) })}</Badge>
          </p>
          {lint.data.findings.length > 0 && (
            <ul>
              {lint.data.findings.map((f, k) => (
                <li key={k}>
                  {i.label('lint', f.code)}
                  {f.sentence && f.sentence.trim() !== '' && (
                    <>
                      : <q lang={n.language} dir="auto">{f.sentence}</q>
                    </>
                  )}
                </li>
              ))}
            </ul>
          )}
        </div>
      ) : null}
      <details>
        <summary>{t('notice.showText')}</summary>
        <blockquote lang={n.language} dir="auto">
          {n.text}
        </blockquote>
      </details>
    </li>
  );
}

function StatsPanel() {
  const i = useI18n();
  const { t } = i;
  const stats = useApi<ConsentStats>('/v1/console/consent-stats');
  const option = useMemo<ChartOption | null>(() => {
    if (!stats.data || stats.data.purposes.length === 0) return null;
    const ps = stats.data.purposes;
    return {
      grid: { left: 56, right: 16, top: 24, bottom: 64 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', inverse: i.dir === 'rtl', data: ps.map((p) => i.label('purpose', p.purpose)), axisLabel: { interval: 0, rotate: 20, color: '#1a1a1a' } },
      yAxis: { type: 'value', position: i.dir === 'rtl' ? 'right' : 'left', axisLabel: { color: '#1a1a1a', formatter: (v: number) => i.num(v) } },
      series: [
        { type: 'bar', name: t('stats.valid'), stack: 'p', data: ps.map((p) => p.valid), itemStyle: { color: '#15803d' } },
        { type: 'bar', name: t('stats.withdrawn'), stack: 'p', data: ps.map((p) => p.withdrawn), itemStyle: { color: '#b91c1c' } },
        { type: 'bar', name: t('stats.refused'), stack: 'p', data: ps.map((p) => p.refused + p.other), itemStyle: { color: '#6b7280' } },
      ],
    };
  }, [stats.data, i, t]);
  return (
    <section aria-labelledby="cs-h" className="panel">
      <h2 id="cs-h">{t('stats.title')}</h2>
      <Show loaded={stats}>
        {(s) => (
          <>
            <p className="muted">{t('stats.asOf', { date: i.dateTime(s.asOf) })}</p>
            {option && <Chart option={option} label={t('stats.chartLabel')} height={280} />}
            <div className="table-wrap">
              <table data-testid="stats-table">
                <caption>{t('stats.caption')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('flows.purpose')}</th>
                    <th scope="col" className="num">{t('stats.people')}</th>
                    <th scope="col" className="num">{t('stats.valid')}</th>
                    <th scope="col" className="num">{t('stats.withdrawn')}</th>
                    <th scope="col" className="num">{t('stats.refused')}</th>
                    <th scope="col" className="num">{t('stats.events')}</th>
                  </tr>
                </thead>
                <tbody>
                  {s.purposes.map((p) => (
                    <tr key={p.purpose} data-purpose={p.purpose}>
                      <th scope="row">{i.label('purpose', p.purpose)}</th>
                      <td className="num">{i.num(p.people)}</td>
                      <td className="num ok">{i.num(p.valid)}</td>
                      <td className="num bad">{i.num(p.withdrawn)}</td>
                      <td className="num">{i.num(p.refused + p.other)}</td>
                      <td className="num">{i.num(p.events)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </Show>
    </section>
  );
}

function RightsPanel() {
  const i = useI18n();
  const { t } = i;
  const { credential } = useSignedIn();
  const notices = useApi<{ items: RightsNotice[] }>('/v1/console/rights-notices?state=pending');
  const orgs = useApi<{ items: Organisation[] }>('/v1/organisations');
  const [error, setError] = useState<ApiFailure | null>(null);
  const names = new Map((orgs.data?.items ?? []).map((o) => [o.id, o.name]));
  const ack = (request: string): void => {
    setError(null);
    apiPost(credential, `/v1/console/rights-notices/${encodeURIComponent(request)}/acknowledge`, {}).then(notices.reload, (e: unknown) =>
      setError(e instanceof ApiFailure ? e : new ApiFailure(0, 'network', String(e))),
    );
  };
  return (
    <section aria-labelledby="cr-h" className="panel">
      <h2 id="cr-h">{t('console.rights')}</h2>
      {error && <ErrorNote error={error} />}
      <Show loaded={notices}>
        {(n) =>
          n.items.length === 0 ? (
            <p data-testid="rights-empty">{t('console.noRights')}</p>
          ) : (
            <div className="table-wrap">
              <table data-testid="rights-table">
                <caption>{t('console.rightsCaption', { n: i.num(n.items.length) })}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('console.request')}</th>
                    <th scope="col">{t('console.kind')}</th>
                    <th scope="col">{t('console.from')}</th>
                    <th scope="col">{t('console.received')}</th>
                    <th scope="col">{t('rights.due')}</th>
                    <th scope="col">{t('rights.state')}</th>
                    <th scope="col">
                      <span className="visually-hidden">{t('console.actions')}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {n.items.map((r) => (
                    <tr key={r.request}>
                      <td>
                        <Code>{r.request}</Code>
                      </td>
                      <td>{i.label('right', r.kind)}</td>
                      <td>{names.get(r.controller) ?? r.controller}</td>
                      <td>{i.date(r.at)}</td>
                      <td>{i.date(r.due)}</td>
                      <td>{r.overdue ? <Badge tone="bad">{t('rights.overdue')}</Badge> : <Badge tone="warn">{t('rights.pending')}</Badge>}</td>
                      <td>
                        <button type="button" className="small" onClick={() => ack(r.request)} aria-label={i.attr('console.ackLabel', { request: r.request })}>
                          {t('console.ack')}
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Show>
    </section>
  );
}

function PersonAccess() {
  const { t } = useI18n();
  const { credential } = useSignedIn();
  const [email, setEmail] = useState('');
  const [token, setToken] = useState<{ token: string; expiresAt: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    setError(null);
    setToken(null);
    apiPost<{ token: string; expiresAt: string }>(credential, '/v1/subject-tokens', { email: email.trim() }).then(setToken, (err: unknown) =>
      setError(err instanceof ApiFailure && err.status === 404 ? t('access.unknown') : String((err as Error).message)),
    );
  };
  const link = token ? `${location.origin}/portal#token=${token.token}` : '';
  return (
    <section aria-labelledby="pa-h" className="panel">
      <h2 id="pa-h">{t('access.title')}</h2>
      <p>{t('access.intro')}</p>
      <form onSubmit={submit} className="inline-form">
        <label htmlFor="person-email">{t('access.email')}</label>
        <input id="person-email" type="email" autoComplete="off" dir="ltr" value={email} onChange={(e) => setEmail(e.target.value)} required />
        <button type="submit">{t('access.issue')}</button>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {token && (
        <div className="token" role="status">
          <p>{t('access.issued')}</p>
          <label htmlFor="person-link">{t('access.link')}</label>
          <input id="person-link" readOnly dir="ltr" value={link} onFocus={(e) => e.currentTarget.select()} />
        </div>
      )}
    </section>
  );
}

