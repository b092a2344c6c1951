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
  /** Block whose checkpoint the receipt moves to. */
  readonly seq: number;
  readonly timestamps?: string[];
  /** Why it does not go where it was headed (`preferred`), if it does not. */
  readonly why?: string;
}

/**
 * Where `refresh` takes a receipt, as far as timestamps go: to `preferred`
 * (the latest checkpoint, or the best-cosigned one, issue 12) with that
 * checkpoint's tokens. But a receipt that has tokens never loses them to a
 * checkpoint without any: it goes to the newest timestamped checkpoint at or
 * after its own (or stays where it is).
 */
export function refreshTargets(store: Store, historySize: number): (r: Receipt, preferred: number) => RefreshTarget {
  const stamped = [...new Set(listTokens(store).map((t) => t.seq))].filter((s) => s < historySize);
  return (r, preferred) => {
    const tokens = stamped.includes(preferred) ? storedTimestamps(store, preferred) : undefined;
    if (tokens || r.timestamps === undefined) return { seq: preferred, timestamps: tokens };
    const why = `checkpoint ${preferred + 1} has no timestamp yet (run \`notar timestamp\`), and moving there would drop the timestamp this receipt has`;
    const best = Math.max(...stamped.filter((s) => s + 1 >= r.history.size), -1);
    const own = r.history.size - 1;
    if (best < 0 || best === own)
      return { seq: own, timestamps: best < 0 ? r.timestamps : (storedTimestamps(store, best) ?? r.timestamps), why };
    return { seq: best, timestamps: storedTimestamps(store, best), why };
  };
}
