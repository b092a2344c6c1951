/**
 * What a receipt's `timestamps` say (receipt-time.ts checks them). Kept apart
 * from the ASN.1 code so that verifiers that only count tokens (verify's
 * CommonJS fast path) do not load it.
 */
import type { Receipt } from './receipt.js';
import type { AttestedTime } from './timestamp.js';

export type TimeVerdict =
  | { readonly state: 'none' }
  /** Tokens present, but the verifier gave no TSA certificate. */
  | { readonly state: 'unchecked'; readonly count: number }
  | { readonly state: 'attested'; readonly attested: AttestedTime[]; readonly unpinned: number }
  | { readonly state: 'failed'; readonly reason: string };

/** Without TSA certificates: the tokens are counted, not believed. */
export function uncheckedTime(r: Receipt): TimeVerdict {
  return r.timestamps === undefined ? { state: 'none' } : { state: 'unchecked', count: r.timestamps.length };
}
