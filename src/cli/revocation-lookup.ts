/**
 * Whether a stamping (digest, salt) is revoked in this store, for `find`.
 * Filled in by the revocation part of issue 13; until a store has
 * revocation entries nothing is revoked.
 */
import type { Store } from '../store/store.js';

export type RevokedLookup = (digest: Uint8Array, salt: Uint8Array) => { time: string; reason: string } | null;

export function revocationLookup(_store: Store): RevokedLookup {
  return () => null;
}
