/**
 * The v1.1 receipt member `timestamps` (docs/FORMAT.md): the RFC 3161 tokens
 * the store keeps for a checkpoint, as base64. They were checked completely
 * before they were stored (tsa-client.ts), so no ASN.1 code is loaded here.
 */
import { toBase64 } from '../core/bytes.js';
import { MAX_TIMESTAMPS } from '../core/receipt.js';
import type { Store } from '../store/store.js';
import { tokensFor } from '../store/tsa-store.js';

export function storedTimestamps(store: Store, seq: number): string[] | undefined {
  const tokens = tokensFor(store, seq).slice(0, MAX_TIMESTAMPS);
  return tokens.length === 0 ? undefined : tokens.map((t) => toBase64(t.der));
}
