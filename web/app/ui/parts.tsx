/** Small shared pieces: loading and error notes, a labelled figure, a status badge. */
import type { ReactNode } from 'react';
import type { ApiFailure } from '../api.ts';
import { useI18n } from '../i18n/i18n.tsx';
import type { Loaded } from './use-api.ts';

export function Loading() {
  const { t } = useI18n();
  return (
    <p className="muted" role="status">
      {t('common.loading')}
    </p>
  );
}

export function ErrorNote({ error }: { readonly error: ApiFailure }) {
  const { t } = useI18n();
  return (
    <p className="error" role="alert">
      {t('common.error', { message: error.message })}
    </p>
  );
}

/** Renders `children(data)` once loaded; loading and error states otherwise. */
export function Show<T>({ loaded, children }: { readonly loaded: Loaded<T>; readonly children: (data: T) => ReactNode }) {
  if (loaded.error) return <ErrorNote error={loaded.error} />;
  if (loaded.data === null) return <Loading />;
  return <>{children(loaded.data)}</>;
}

export function Figure({ label, value, tone, testId }: { readonly label: string; readonly value: string; readonly tone?: 'ok' | 'bad'; readonly testId?: string }) {
  return (
    <div className={`figure${tone ? ` figure-${tone}` : ''}`}>
      <span className="figure-label">{label}</span>
      <span className="figure-value" {...(testId ? { 'data-testid': testId } : {})}>
        {value}
      </span>
    </div>
  );
}

export function Badge({ tone, children }: { readonly tone: 'ok' | 'bad' | 'warn' | 'neutral'; readonly children: ReactNode }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

/** An identifier (hash, root, code) kept left-to-right inside right-to-left text. */
export function Code({ children }: { readonly children: ReactNode }) {
  return (
    <code dir="ltr" translate="no">
      {children}
    </code>
  );
}
