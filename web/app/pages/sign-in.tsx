/** Sign in with an API key (regulator, admin, organisation) or a person's token from their collector. */
import { useState, type FormEvent } from 'react';
import { ApiFailure } from '../api.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useSession } from '../session.tsx';
import { Code } from '../ui/parts.tsx';

export function SignIn() {
  const { t } = useI18n();
  const { signIn } = useSession();
  const [credential, setCredential] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    const c = credential.trim();
    if (!/^(csk|cst)_\S+$/.test(c)) {
      setError(t('signIn.badFormat'));
      return;
    }
    setBusy(true);
    setError(null);
    signIn(c)
      .catch((err: unknown) => setError(err instanceof ApiFailure && err.status === 401 ? t('signIn.refused') : t('common.error', { message: String((err as Error).message) })))
      .finally(() => setBusy(false));
  };
  return (
    <section className="sign-in">
      <h1>{t('signIn.title')}</h1>
      <p>{t('signIn.intro')}</p>
      <form onSubmit={submit} noValidate>
        <label htmlFor="credential">{t('signIn.label')}</label>
        <input
          id="credential"
          name="credential"
          type="password"
          autoComplete="off"
          spellCheck={false}
          dir="ltr"
          value={credential}
          onChange={(e) => setCredential(e.target.value)}
          aria-describedby="credential-help"
          aria-invalid={error !== null}
          required
        />
        <p id="credential-help" className="help">
          {t('signIn.help')}
        </p>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {t('signIn.submit')}
        </button>
      </form>
      <h2>{t('signIn.whereTitle')}</h2>
      <ul className="plain">
        <li>
          {t('signIn.whereAdmin')} <Code>.consentry/admin-api.key</Code>
        </li>
        <li>{t('signIn.whereOrg')}</li>
        <li>{t('signIn.wherePerson')}</li>
      </ul>
    </section>
  );
}
