import { useSyncExternalStore } from 'react';
import type { Store } from '../model/store.js';

/** A model's state in a component, re-rendered when it changes. */
export function useStore<S extends object>(store: Store<S>): S {
  return useSyncExternalStore(store.subscribe, store.get, store.get);
}
