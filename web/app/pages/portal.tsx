/**
 * A person's own page: who holds their data, a timeline, the notices they were shown, each
 * decision with its proof, and their rights (withdraw, object, erase) with the status of each
 * request at every downstream holder.
 */
import { useRef, useState } from 'react';
import { apiPost, ApiFailure } from '../api.ts';
import type { MyRightsRequest, WhoHas } from '../api-types.ts';
import { useI18n, type I18n } from '../i18n/i18n.tsx';
import { useSignedIn } from '../session.tsx';
import { Badge, Code, ErrorNote, Show } from '../ui/parts.tsx';
import { ProofView } from '../ui/proof.tsx';
import { useApi } from '../ui/use-api.ts';

type RightKind = 'withdraw' | 'object' | 'erase';
const RIGHTS: readonly RightKind[] = ['withdraw', 'object', 'erase'];

export function Portal() {
  const { t } = useI18n();
  const who = useApi<WhoHas>('/v1/me/who-has');
  const mine = useApi<{ items: MyRightsRequest[] }>('/v1/me/rights-notices');
  const reload = (): void => {
    who.reload();
    mine.reload();
  };
  return (
    <>
      <h1>{t('portal.title')}</h1>
      <Show loaded={who}>
        {(w) =>
          !w.found ? (
            <p>{t('portal.nothing')}</p>
          ) : (
            <>
              <Holders w={w} />
              <Timeline w={w} />
              <NoticesShown w={w} />
              <Decisions w={w} />
              <Rights w={w} onDone={reload} />
              <Show loaded={mine}>{(m) => <RequestStatus items={m.items} w={w} />}</Show>
            </>
          )
        }
      </Show>
    </>
  );
}

function orgNames(w: WhoHas): Map<string, string> {
  const m = new Map<string, string>();
  for (const c of w.collectedBy) m.set(c.organisation.id, c.organisation.name);
  for (const h of w.heldBy) m.set(h.organisation.id, h.organisation.name);
  return m;
}

function Holders({ w }: { readonly w: WhoHas }) {
  const i = useI18n();
  const { t } = i;
  const names = orgNames(w);
  return (
    <section aria-labelledby="holders-h" className="panel">
      <h2 id="holders-h">{t('portal.holders')}</h2>
      <ul className="cards" data-testid="holders">
        {w.collectedBy.map((c) => (
          <li key={`c-${c.organisation.id}`}>
            <strong>{c.organisation.name}</strong>
            <div>{t('portal.collected', { date: i.date(c.since) })}</div>
          </li>
        ))}
        {w.heldBy.map((h, k) => (
          <li key={`h-${h.organisation.id}-${k}`}>
            <strong>{h.organisation.name}</strong>
            <div>
              {i.label('via', h.via)} · {t('portal.since', { date: i.date(h.since) })}
            </div>
            {h.transfer && (
              <div className="muted">
                {t('portal.forPurpose', { purpose: i.label('purpose', h.transfer.purpose) })}
                {h.transfer.onBehalfOf && ` · ${t('portal.onBehalfOf', { name: names.get(h.transfer.onBehalfOf) ?? h.transfer.onBehalfOf })}`}
              </div>
            )}
            {h.derivation && <div className="muted">{t('portal.inDataset', { name: h.derivation.name })}</div>}
          </li>
        ))}
      </ul>
    </section>
  );
}

interface Moment {
  readonly at: string;
  readonly text: string;
  readonly tone: 'ok' | 'bad' | 'neutral';
}

function moments(w: WhoHas, i: I18n): Moment[] {
  const names = orgNames(w);
  const name = (id: string): string => names.get(id) ?? id;
  const out: Moment[] = [];
  for (const c of w.collectedBy)
    for (const e of c.consents) {
      out.push({ at: e.at, text: i.t('timeline.consent', { org: c.organisation.name, status: i.label('status', e.status), purposes: i.list(e.purposes.map((p) => i.label('purpose', p))) }), tone: e.status.includes('Given') ? 'ok' : 'neutral' });
    }
  for (const x of w.transfers) {
    out.push({ at: x.at, text: i.t(x.decision === 'allowed' ? 'timeline.transferAllowed' : 'timeline.transferRefused', { from: name(x.from), to: name(x.to), purpose: i.label('purpose', x.purpose) }), tone: x.decision === 'allowed' ? 'ok' : 'bad' });
  }
  for (const h of w.heldBy) if (h.derivation) out.push({ at: h.since, text: i.t('timeline.derived', { org: h.organisation.name, name: h.derivation.name }), tone: 'neutral' });
  for (const r of w.rights) out.push({ at: r.at, text: i.t('timeline.right', { kind: i.label('right', r.kind), org: name(r.controller) }), tone: 'neutral' });
  return out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

function Timeline({ w }: { readonly w: WhoHas }) {
  const i = useI18n();
  const items = moments(w, i);
  return (
    <section aria-labelledby="timeline-h" className="panel">
      <h2 id="timeline-h">{i.t('portal.timeline')}</h2>
      <ol className="timeline" data-testid="timeline">
        {items.map((m, k) => (
          <li key={k} className={`tone-${m.tone}`}>
            <time dateTime={m.at}>{i.date(m.at)}</time> <span>{m.text}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}

function NoticesShown({ w }: { readonly w: WhoHas }) {
  const i = useI18n();
  const seen = new Map<string, NonNullable<WhoHas['collectedBy'][number]['consents'][number]['notice']> & { org: string }>();
  for (const c of w.collectedBy) for (const e of c.consents) if (e.notice && !seen.has(e.notice.hash)) seen.set(e.notice.hash, { ...e.notice, org: c.organisation.name });
  return (
    <section aria-labelledby="notices-h" className="panel">
      <h2 id="notices-h">{i.t('portal.notices')}</h2>
      {[...seen.values()].map((n) => (
        <article key={n.hash} className="notice" data-testid="notice-shown">
          <h3 lang={n.language} dir="auto">
            {n.title}
          </h3>
          <p className="muted">{i.t('portal.noticeMeta', { org: n.org, version: n.version, language: n.language })}</p>
          <blockquote lang={n.language} dir="auto">
            {n.text}
          </blockquote>
          <p className="muted">
            {i.t('portal.noticeHash')} <Code>{n.hash}</Code>
          </p>
        </article>
      ))}
    </section>
  );
}

function Decisions({ w }: { readonly w: WhoHas }) {
  const i = useI18n();
  const { t } = i;
  const names = orgNames(w);
  const name = (id: string | null): string => (id === null ? '—' : (names.get(id) ?? id));
  return (
    <section aria-labelledby="decisions-h" className="panel">
      <h2 id="decisions-h">{t('portal.decisions')}</h2>
      {w.transfers.length === 0 ? (
        <p>{t('common.none')}</p>
      ) : (
        <ul className="decisions" data-testid="decisions">
          {w.transfers.map((x) => (
            <li key={x.id} data-decision={x.decision}>
              <div>
                <Badge tone={x.decision === 'allowed' ? 'ok' : 'bad'}>{t(`decision.${x.decision}`)}</Badge> <strong>{t('portal.transferLine', { from: name(x.from), to: name(x.to) })}</strong>
                {x.onBehalfOf && ` · ${t('portal.onBehalfOf', { name: name(x.onBehalfOf) })}`}
              </div>
              <div className="muted">
                {i.date(x.at)} · {i.label('purpose', x.purpose)} · <Code>{x.id}</Code>
              </div>
              {x.reasons.length > 0 && (
                <ul className="reasons">
                  {x.reasons.map((r) => (
                    <li key={r}>{i.label('reason', r)}</li>
                  ))}
                </ul>
              )}
              {x.proof && <ProofView proof={x.proof} fileName={`${x.id}-proof.json`} />}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Rights({ w, onDone }: { readonly w: WhoHas; readonly onDone: () => void }) {
  const i = useI18n();
  const { t } = i;
  const { credential } = useSignedIn();
  const dialog = useRef<HTMLDialogElement>(null);
  const [pending, setPending] = useState<{ kind: RightKind; controller: string; name: string } | null>(null);
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<ApiFailure | null>(null);
  const ask = (kind: RightKind, controller: string, name: string): void => {
    setPending({ kind, controller, name });
    setResult(null);
    setError(null);
    dialog.current?.showModal();
  };
  const confirm = (): void => {
    if (!pending) return;
    const p = pending;
    dialog.current?.close();
    apiPost<{ id: string; passedTo: { holder: string }[] }>(credential, '/v1/me/rights-requests', { kind: p.kind, controller: p.controller }).then(
      (r) => {
        setResult(t('rights.done', { kind: i.label('right', p.kind), n: i.num(r.passedTo.length) }));
        onDone();
      },
      (e: unknown) => setError(e instanceof ApiFailure ? e : new ApiFailure(0, 'network', String(e))),
    );
  };
  const holders = w.heldBy.length;
  return (
    <section aria-labelledby="rights-h" className="panel">
      <h2 id="rights-h">{t('rights.title')}</h2>
      <p>{t('rights.intro')}</p>
      {w.collectedBy.map((c) => (
        <div key={c.organisation.id} className="rights-row">
          <span>{c.organisation.name}</span>
          <div className="buttons">
            {RIGHTS.map((k) => (
              <button key={k} type="button" onClick={() => ask(k, c.organisation.id, c.organisation.name)}>
                {t(`rights.button.${k}`)}
              </button>
            ))}
          </div>
        </div>
      ))}
      {result && (
        <p className="success" role="status" data-testid="rights-result">
          {result}
        </p>
      )}
      {error && <ErrorNote error={error} />}
      <dialog ref={dialog} aria-labelledby="confirm-h" aria-describedby="confirm-text" onClose={() => setPending(null)}>
        {pending && (
          <>
            <h2 id="confirm-h">{t(`rights.confirm.${pending.kind}`)}</h2>
            <p id="confirm-text">{t('rights.confirmText', { org: pending.name, n: i.num(holders) })}</p>
            <div className="buttons">
              <button type="button" onClick={confirm} autoFocus>
                {t('rights.confirmYes')}
              </button>
              <button type="button" className="secondary" onClick={() => dialog.current?.close()}>
                {t('common.cancel')}
              </button>
            </div>
          </>
        )}
      </dialog>
    </section>
  );
}

function RequestStatus({ items, w }: { readonly items: readonly MyRightsRequest[]; readonly w: WhoHas }) {
  const i = useI18n();
  const { t } = i;
  const names = orgNames(w);
  const name = (id: string): string => names.get(id) ?? id;
  return (
    <section aria-labelledby="status-h" className="panel">
      <h2 id="status-h">{t('rights.statusTitle')}</h2>
      {items.length === 0 ? (
        <p>{t('rights.noRequests')}</p>
      ) : (
        items.map((r) => (
          <div key={r.id} className="request">
            <h3>
              {i.label('right', r.kind)} · {name(r.controller)} · <time dateTime={r.at}>{i.date(r.at)}</time>
            </h3>
            {r.holders.length === 0 ? (
              <p>{t('rights.noHolders')}</p>
            ) : (
              <table data-testid="request-status">
                <thead>
                  <tr>
                    <th scope="col">{t('rights.holder')}</th>
                    <th scope="col">{t('rights.due')}</th>
                    <th scope="col">{t('rights.state')}</th>
                  </tr>
                </thead>
                <tbody>
                  {r.holders.map((h) => (
                    <tr key={h.holder}>
                      <td>{name(h.holder)}</td>
                      <td>{i.date(h.due)}</td>
                      <td>
                        {h.acknowledgedAt ? (
                          <Badge tone="ok">{t('rights.acknowledged', { date: i.date(h.acknowledgedAt) })}</Badge>
                        ) : h.overdue ? (
                          <Badge tone="bad">{t('rights.overdue')}</Badge>
                        ) : (
                          <Badge tone="warn">{t('rights.pending')}</Badge>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
        ))
      )}
    </section>
  );
}
