/** The shell: session, language switch, navigation and the page for the current path. */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { apiGet } from './api.ts';
import type { SessionInfo } from './api-types.ts';
import { LANGS, useI18n, type Lang } from './i18n/i18n.tsx';
import { Dashboard } from './pages/dashboard.tsx';
import { FindingPage } from './pages/finding.tsx';
import { KeysPage } from './pages/keys.tsx';
import { OrgConsole } from './pages/console.tsx';
import { Portal } from './pages/portal.tsx';
import { ReviewPage } from './pages/review.tsx';
import { SignIn } from './pages/sign-in.tsx';
import { Link, match, navigate, usePath } from './router.tsx';
import { CREDENTIAL_KEY, homeOf, SessionContext, useSession, type Session, type SessionControl } from './session.tsx';
import { Boundary } from './ui/boundary.tsx';
import { Loading } from './ui/parts.tsx';

function storedCredential(): string | null {
  try {
    return sessionStorage.getItem(CREDENTIAL_KEY);
  } catch {
    return null;
  }
}

/** A person's link from their collector may carry the token in the fragment (never sent to a server). */
function credentialFromFragment(): string | null {
  const m = /^#token=(cst_[A-Za-z0-9._-]+)$/.exec(location.hash);
  if (!m) return null;
  history.replaceState(null, '', location.pathname);
  return m[1]!;
}

export function App() {
  const { t } = useI18n();
  const path = usePath();
  const [session, setSession] = useState<Session | null>(null);
  const [restoring, setRestoring] = useState(true);

  const signIn = useCallback(async (credential: string) => {
    const info = await apiGet<SessionInfo>(credential, '/v1/console/session');
    try {
      sessionStorage.setItem(CREDENTIAL_KEY, credential);
    } catch {
      // Kept in memory only.
    }
    setSession({ credential, info });
  }, []);
  const signOut = useCallback(() => {
    try {
      sessionStorage.removeItem(CREDENTIAL_KEY);
    } catch {
      // Nothing stored.
    }
    setSession(null);
    navigate('/');
  }, []);

  useEffect(() => {
    const credential = credentialFromFragment() ?? storedCredential();
    if (!credential) {
      setRestoring(false);
      return;
    }
    signIn(credential)
      .catch(() => sessionStorage.removeItem(CREDENTIAL_KEY))
      .finally(() => setRestoring(false));
  }, [signIn]);

  const control = useMemo<SessionControl>(() => ({ session, signIn, signOut }), [session, signIn, signOut]);
  return (
    <SessionContext.Provider value={control}>
      <a className="skip" href="#main">
        {t('nav.skip')}
      </a>
      <Header />
      <main id="main" tabIndex={-1}>
        {restoring ? (
          <Loading />
        ) : (
          <Boundary key={path} fallback={<p className="error" role="alert">{t('common.broken')}</p>}>
            <Page />
          </Boundary>
        )}
      </main>
    </SessionContext.Provider>
  );
}

function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <div className="lang-switch">
      <label htmlFor="lang">{t('nav.language')}</label>
      <select id="lang" value={lang} onChange={(e) => setLang(e.target.value as Lang)}>
        {LANGS.map((l) => (
          <option key={l} value={l} lang={l}>
            {t(`lang.${l}`)}
          </option>
        ))}
      </select>
    </div>
  );
}

function Header() {
  const { t } = useI18n();
  const control = useSession();
  const s = control.session;
  const links: { to: string; label: string }[] = [];
  if (s?.info.kind === 'key') {
    if (s.info.role === 'regulator' || s.info.role === 'admin') links.push({ to: '/regulator', label: t('nav.dashboard') });
    if (s.info.role === 'admin') links.push({ to: '/keys', label: t('nav.keys') });
    if (s.info.organisation && s.info.role !== 'regulator') links.push({ to: '/console', label: t('nav.console') });
  } else if (s?.info.kind === 'subject') links.push({ to: '/portal', label: t('nav.portal') });
  return (
    <header className="top">
      <div className="brand">
        <Link to="/">{t('app.title')}</Link>
        <span className="tagline">{t('app.tagline')}</span>
      </div>
      {links.length > 0 && (
        <nav aria-label={t('nav.main')}>
          <ul>
            {links.map((l) => (
              <li key={l.to}>
                <Link to={l.to}>{l.label}</Link>
              </li>
            ))}
          </ul>
        </nav>
      )}
      <div className="top-end">
        {s && (
          <span className="who" data-testid="who">
            {s.info.kind === 'subject' ? t('nav.asPerson') : s.info.organisation ? `${s.info.organisation.name} · ${t(`role.${s.info.role}`)}` : t(`role.${s.info.role}`)}
          </span>
        )}
        <LanguageSwitch />
        {s && (
          <button type="button" className="secondary" onClick={control.signOut}>
            {t('nav.signOut')}
          </button>
        )}
      </div>
    </header>
  );
}

function Redirect({ to }: { readonly to: string }) {
  useEffect(() => navigate(to, true), [to]);
  return null;
}

function Page() {
  const { t } = useI18n();
  const path = usePath();
  const { session } = useSession();
  if (!session) return <SignIn />;
  const info = session.info;
  const readsAll = info.kind === 'key' && (info.role === 'regulator' || info.role === 'admin');
  if (path === '/' || path === '') return <Redirect to={homeOf(info)} />;
  let m: Record<string, string> | null;
  if (path === '/regulator' && readsAll) return <Dashboard />;
  if ((m = match('/regulator/findings/:id', path)) && readsAll) return <FindingPage id={m.id!} />;
  if ((m = match('/regulator/organisations/:id', path)) && readsAll) return <ReviewPage id={m.id!} />;
  if (path === '/keys' && info.kind === 'key' && info.role === 'admin') return <KeysPage />;
  if (path === '/portal' && info.kind === 'subject') return <Portal />;
  if (path === '/console' && info.kind === 'key' && info.organisation && info.role !== 'regulator') return <OrgConsole />;
  return (
    <section>
      <h1>{t('notFound.title')}</h1>
      <p>
        <Link to={homeOf(info)}>{t('notFound.home')}</Link>
      </p>
    </section>
  );
}
