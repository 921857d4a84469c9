/** For the admin: issue an API key for an organisation (shown once), to sign in to its console. */
import { useState } from 'react';
import { apiPost, ApiFailure } from '../api.ts';
import type { Organisation } from '../api-types.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useSignedIn } from '../session.tsx';
import { ErrorNote, Show } from '../ui/parts.tsx';
import { useApi } from '../ui/use-api.ts';

export function KeysPage() {
  const i = useI18n();
  const { t } = i;
  const { credential } = useSignedIn();
  const orgs = useApi<{ items: Organisation[] }>('/v1/organisations');
  const [issued, setIssued] = useState<{ org: string; token: string; role: string } | null>(null);
  const [error, setError] = useState<ApiFailure | null>(null);
  const issue = (o: Organisation): void => {
    setError(null);
    apiPost<{ apiKey: { token: string; role: string } }>(credential, `/v1/organisations/${encodeURIComponent(o.id)}/api-keys`, { label: 'web console' }).then(
      (r) => setIssued({ org: o.name, token: r.apiKey.token, role: r.apiKey.role }),
      (e: unknown) => setError(e instanceof ApiFailure ? e : new ApiFailure(0, 'network', String(e))),
    );
  };
  return (
    <>
      <h1>{t('keys.title')}</h1>
      <p>{t('keys.intro')}</p>
      {error && <ErrorNote error={error} />}
      {issued && (
        <div className="token" role="status">
          <p>{t('keys.issued', { org: issued.org, role: t(`role.${issued.role as 'collector'}`) })}</p>
          <label htmlFor="issued-key">{t('keys.key')}</label>
          <input id="issued-key" readOnly dir="ltr" value={issued.token} onFocus={(e) => e.currentTarget.select()} />
        </div>
      )}
      <Show loaded={orgs}>
        {(o) => (
          <table>
            <thead>
              <tr>
                <th scope="col">{t('review.organisation')}</th>
                <th scope="col">{t('orgs.kind')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('console.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {o.items.map((x) => (
                <tr key={x.id}>
                  <td>{x.name}</td>
                  <td>{i.label('kind', x.kind)}</td>
                  <td>
                    <button type="button" className="small" onClick={() => issue(x)} aria-label={i.attr('keys.issueFor', { org: x.name })}>
                      {t('keys.issue')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Show>
    </>
  );
}
