/** Whether a stamping (digest, salt) is revoked in this store, for `find`. */
import { stampingLeaf } from '../../core/revocation.js';
import { readRevocations } from '../../store/entries.js';
import type { Store } from '../../store/store.js';

export type RevokedLookup = (digest: Uint8Array, salt: Uint8Array) => { time: string; reason: string } | null;

export function revocationLookup(store: Store): RevokedLookup {
  const revoked = readRevocations(store);
  if (revoked.size === 0) return () => null;
  return (digest, salt) => {
    const r = revoked.get(stampingLeaf(salt, digest, store.crypto));
    return r ? { time: r.time, reason: r.reason } : null;
  };
}
