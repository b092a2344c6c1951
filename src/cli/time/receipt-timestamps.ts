/**
 * The v1.1 receipt member `timestamps` (docs/FORMAT.md §8.1) in `refresh`:
 * the RFC 3161 tokens the store keeps for a checkpoint, as base64, and which
 * checkpoint a receipt should move to. The tokens were checked completely
 * before they were stored (tsa-client.ts), so no ASN.1 code is loaded here.
 */
import { toBase64 } from '../../core/bytes.js';
import { MAX_TIMESTAMPS, type Receipt } from '../../core/receipt.js';
import type { Store } from '../../store/store.js';
import { listTokens, tokensFor } from '../../store/tsa-store.js';

export function storedTimestamps(store: Store, seq: number): string[] | undefined {
  const tokens = tokensFor(store, seq).slice(0, MAX_TIMESTAMPS);
  return tokens.length === 0 ? undefined : tokens.map((t) => toBase64(t.der));
}

export interface RefreshTarget {
  /** History size to move the receipt to. */
  readonly size: number;
  readonly timestamps?: string[];
  /** Why it does not go to the latest checkpoint, if it does not. */
  readonly why?: string;
}

/**
 * The latest checkpoint, with its tokens. But a receipt that has tokens never
 * loses them to an untimestamped checkpoint: it goes to the newest
 * timestamped checkpoint at or after its own (or stays where it is).
 */
export function refreshTargets(store: Store, historySize: number): (r: Receipt) => RefreshTarget {
  const latest = historySize - 1;
  const stamped = [...new Set(listTokens(store).map((t) => t.seq))].filter((s) => s <= latest);
  const latestTokens = stamped.includes(latest) ? storedTimestamps(store, latest) : undefined;
  return (r) => {
    if (latestTokens || r.timestamps === undefined) return { size: historySize, timestamps: latestTokens };
    const why =
      'the latest checkpoint has no timestamp yet (run `notar timestamp`), and moving there would drop the timestamp this receipt has';
    const best = Math.max(...stamped.filter((s) => s + 1 >= r.history.size), -1);
    if (best < 0 || best + 1 === r.history.size)
      return {
        size: r.history.size,
        timestamps: best < 0 ? r.timestamps : (storedTimestamps(store, best) ?? r.timestamps),
        why,
      };
    return { size: best + 1, timestamps: storedTimestamps(store, best), why };
  };
}
