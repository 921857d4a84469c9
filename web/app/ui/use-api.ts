/** Reads one API path for the signed-in credential, with loading and error states and a reload. */
import { useCallback, useEffect, useState } from 'react';
import { apiGet, ApiFailure } from '../api.ts';
import { useSignedIn } from '../session.tsx';

export interface Loaded<T> {
  readonly data: T | null;
  readonly error: ApiFailure | null;
  readonly loading: boolean;
  reload(): void;
}

export function useApi<T>(path: string | null): Loaded<T> {
  const { credential } = useSignedIn();
  const [state, setState] = useState<{ data: T | null; error: ApiFailure | null; loading: boolean }>({ data: null, error: null, loading: path !== null });
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    apiGet<T>(credential, path).then(
      (data) => live && setState({ data, error: null, loading: false }),
      (e: unknown) => live && setState({ data: null, error: e instanceof ApiFailure ? e : new ApiFailure(0, 'network', String(e)), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [credential, path, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { ...state, reload };
}
