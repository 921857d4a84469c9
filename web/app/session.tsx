/**
 * Who is signed in: an API key (regulator, admin or an organisation) or a person's token. The
 * credential is kept for this tab only (sessionStorage), never in a URL or in localStorage.
 */
import { createContext, useContext } from 'react';
import type { SessionInfo } from './api-types.ts';

export interface Session {
  readonly credential: string;
  readonly info: SessionInfo;
}

export interface SessionControl {
  readonly session: Session | null;
  signIn(credential: string): Promise<void>;
  signOut(): void;
}

export const SessionContext = createContext<SessionControl | null>(null);

export function useSession(): SessionControl {
  const v = useContext(SessionContext);
  if (!v) throw new Error('useSession outside the app');
  return v;
}

/** The signed-in session; pages below the router are only shown with one. */
export function useSignedIn(): Session {
  const s = useSession().session;
  if (!s) throw new Error('not signed in');
  return s;
}

export const CREDENTIAL_KEY = 'consentry.credential';

/** The page a credential opens on. */
export function homeOf(info: SessionInfo): string {
  if (info.kind === 'subject') return '/portal';
  if (info.role === 'regulator' || info.role === 'admin') return '/regulator';
  return '/console';
}
