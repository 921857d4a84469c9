/** One organisation under review: where its data came from, where it went, purposes, findings, notice quality. */
import { useEffect, useState } from 'react';
import { apiGet, ApiFailure } from '../api.ts';
import type { Notice, Organisation, Review, StoredTransfer } from '../api-types.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { Link } from '../router.tsx';
import { useSignedIn } from '../session.tsx';
import { Badge, Code, ErrorNote, Loading } from '../ui/parts.tsx';

interface Loaded {
  readonly organisation: Organisation;
  readonly review: Review;
  readonly names: ReadonlyMap<string, string>;
  readonly derived: boolean;
}

/** The review route's answer, or the same sums from transfers and notices while it is not there. */
async function loadReview(credential: string, id: string): Promise<Loaded> {
  const organisation = await apiGet<Organisation>(credential, `/v1/organisations/${encodeURIComponent(id)}`);
  const orgs = await apiGet<{ items: Organisation[] }>(credential, '/v1/organisations');
  const names = new Map(orgs.items.map((o) => [o.id, o.name]));
  try {
    return { organisation, review: await apiGet<Review>(credential, `/v1/audit/organisations/${encodeURIComponent(id)}/review`), names, derived: false };
  } catch (e) {
    if (!(e instanceof ApiFailure && e.status === 404)) throw e;
  }
  const transfers = (await apiGet<{ items: StoredTransfer[] }>(credential, '/v1/transfers')).items;
  const notices = (await apiGet<{ items: Notice[] }>(credential, `/v1/notices?controller=${encodeURIComponent(id)}`)).items;
  const sources = new Map<string, { from: string; transfers: number; records: number }>();
  const recipients = new Map<string, { to: string; transfers: number; records: number }>();
  const purposes = new Set<string>();
  for (const t of transfers) {
    const r = t.request;
    if (r.to === id || r.onBehalfOf === id) {
      const s = sources.get(r.from) ?? { from: r.from, transfers: 0, records: 0 };
      s.transfers++;
      s.records += t.allowed;
      sources.set(r.from, s);
      purposes.add(r.purpose);
    }
    if (r.from === id) {
      const s = recipients.get(r.to) ?? { to: r.to, transfers: 0, records: 0 };
      s.transfers++;
      s.records += t.allowed;
      recipients.set(r.to, s);
      purposes.add(r.purpose);
    }
  }
  return {
    organisation,
    review: { organisation, sources: [...sources.values()], recipients: [...recipients.values()], purposes: [...purposes], findings: [], notices: notices.map((n) => ({ id: n.id, hash: n.hash, language: n.language, score: Number.NaN, findings: [] })) },
    names,
    derived: true,
  };
}

export function ReviewPage({ id }: { readonly id: string }) {
  const i = useI18n();
  const { t } = i;
  const { credential } = useSignedIn();
  const [state, setState] = useState<{ data: Loaded | null; error: ApiFailure | null }>({ data: null, error: null });
  useEffect(() => {
    let live = true;
    setState({ data: null, error: null });
    loadReview(credential, id).then(
      (data) => live && setState({ data, error: null }),
      (e: unknown) => live && setState({ data: null, error: e instanceof ApiFailure ? e : new ApiFailure(0, 'network', String(e)) }),
    );
    return () => {
      live = false;
    };
  }, [credential, id]);
  if (state.error) return <ErrorNote error={state.error} />;
  if (!state.data) return <Loading />;
  const { organisation: o, review: r, names, derived } = state.data;
  const name = (x: string): string => names.get(x) ?? x;
  return (
    <>
      <p>
        <Link to="/regulator">{t('common.back')}</Link>
      </p>
      <h1>{t('review.title', { name: o.name })}</h1>
      <p className="muted">
        {i.label('kind', o.kind)} · {o.country} · <Code>{o.id}</Code>
      </p>
      {derived && (
        <p className="note" role="note">
          {t('review.derived')}
        </p>
      )}
      <div className="two-columns">
        <section aria-labelledby="src-h" className="panel">
          <h2 id="src-h">{t('review.sources')}</h2>
          <SumTable rows={r.sources.map((s) => ({ who: name(s.from), transfers: s.transfers, records: s.records }))} testId="review-sources" />
        </section>
        <section aria-labelledby="rcp-h" className="panel">
          <h2 id="rcp-h">{t('review.recipients')}</h2>
          <SumTable rows={r.recipients.map((s) => ({ who: name(s.to), transfers: s.transfers, records: s.records }))} testId="review-recipients" />
        </section>
      </div>
      <section aria-labelledby="pur-h" className="panel">
        <h2 id="pur-h">{t('review.purposes')}</h2>
        {r.purposes.length === 0 ? <p>{t('common.none')}</p> : <p>{i.list(r.purposes.map((p) => i.label('purpose', p)))}</p>}
      </section>
      <section aria-labelledby="rf-h" className="panel">
        <h2 id="rf-h">{t('findings.title')}</h2>
        {r.findings.length === 0 ? (
          <p>{t('findings.none')}</p>
        ) : (
          <ul className="plain">
            {r.findings.map((f) => (
              <li key={f.id}>
                <Badge tone={f.level === 'block' ? 'bad' : 'warn'}>{t(`level.${f.level}`)}</Badge> <Link to={`/regulator/findings/${encodeURIComponent(f.id)}`}>{i.label('rule', f.rule)}</Link> — <bdi lang="en">{f.citation}</bdi> ·{' '}
                {t('review.affected', { n: i.num(f.affected) })}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="rn-h" className="panel">
        <h2 id="rn-h">{t('review.notices')}</h2>
        {r.notices.length === 0 ? (
          <p>{t('common.none')}</p>
        ) : (
          <ul className="plain">
            {r.notices.map((n) => (
              <li key={n.hash}>
                <Code>{n.id}</Code> ({n.language}) — {Number.isNaN(n.score) ? t('notice.noLint') : t('notice.score', { score: i.num(n.score) })}
                {n.findings.length > 0 && (
                  <ul>
                    {n.findings.map((f, k) => (
                      <li key={k}>
                        <Badge tone={f.level === 'block' || f.level === 'error' ? 'bad' : 'warn'}>{i.label('lint', f.code)}</Badge> {f.sentence && f.sentence.trim() !== '' && <q dir="auto">{f.sentence}</q>}
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

function SumTable({ rows, testId }: { readonly rows: readonly { who: string; transfers: number; records: number }[]; readonly testId: string }) {
  const i = useI18n();
  if (rows.length === 0) return <p>{i.t('common.none')}</p>;
  return (
    <table data-testid={testId}>
      <thead>
        <tr>
          <th scope="col">{i.t('review.organisation')}</th>
          <th scope="col" className="num">{i.t('flows.transfers')}</th>
          <th scope="col" className="num">{i.t('review.records')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.who}>
            <td>{r.who}</td>
            <td className="num">{i.num(r.transfers)}</td>
            <td className="num">{i.num(r.records)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
