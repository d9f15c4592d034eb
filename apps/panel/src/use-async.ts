import { type DependencyList, useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage } from './ui';

export type AsyncState<T> = { status: 'loading' } | { status: 'error'; message: string } | { status: 'ready'; data: T };

/**
 * Loads on mount and whenever deps change; the latest load wins. `reload()` loads again while
 * keeping what is shown (no flash of the loading state); `set` replaces the data after a save.
 */
export function useAsync<T>(load: () => Promise<T>, deps: DependencyList): [AsyncState<T>, () => void, (data: T) => void] {
  const [state, setState] = useState<AsyncState<T>>({ status: 'loading' });
  const [tick, setTick] = useState(0);
  const quiet = useRef(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: deps are the caller's
  useEffect(() => {
    let live = true;
    if (!quiet.current) setState({ status: 'loading' });
    quiet.current = false;
    load().then(
      (data) => live && setState({ status: 'ready', data }),
      (e: unknown) => live && setState({ status: 'error', message: errorMessage(e) }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => {
    quiet.current = true;
    setTick((t) => t + 1);
  }, []);
  const set = useCallback((data: T) => setState({ status: 'ready', data }), []);
  return [state, reload, set];
}
