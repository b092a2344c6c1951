/**
 * SHA-256 for the core. The default is @noble/hashes (pure JS, runs anywhere);
 * a caller may pass a faster implementation with the same results as the
 * last argument (core/crypto.ts; the CLI passes node:crypto). Results never
 * depend on which one is used.
 */
import { sha256 as noble } from '@noble/hashes/sha2.js';
import type { Crypto } from './crypto.js';

export type Sha256 = (data: Uint8Array) => Uint8Array;

/** Incremental hasher, for documents read in chunks. */
export interface Hasher {
  update(chunk: Uint8Array): Hasher;
  digest(): Uint8Array;
}

/** Writes SHA-256(data) into out[offset .. offset + 32). */
export type Sha256Into = (data: Uint8Array, out: Uint8Array, offset: number) => void;

/** One SHA-256 implementation: all three forms give the same digests. */
export interface Sha256Impl {
  readonly sha256: Sha256;
  /**
   * May write in place: building a million-leaf tree then allocates nothing
   * per hash (FORMAT.md §3 batches of 10^6 documents).
   */
  readonly sha256Into: Sha256Into;
  readonly createSha256: () => Hasher;
}

/** The default: @noble/hashes, pure JavaScript. */
export const NOBLE_SHA256: Sha256Impl = {
  sha256: (data) => noble(data),
  sha256Into: (data, out, offset) => out.set(noble(data), offset),
  createSha256: () => noble.create(),
};

/** The SHA-256 part of a Crypto (core/crypto.ts): what the functions below need. */
export type Sha256Crypto = Pick<Crypto, 'sha256'>;
// Not core/crypto.ts's nobleCrypto: that module imports this one.
const NOBLE: Sha256Crypto = { sha256: NOBLE_SHA256 };

export function sha256(data: Uint8Array, c: Sha256Crypto = NOBLE): Uint8Array {
  return c.sha256.sha256(data);
}

/** SHA-256(data) written into out[offset .. offset + 32), same result as sha256(). */
export function sha256Into(data: Uint8Array, out: Uint8Array, offset: number, c: Sha256Crypto = NOBLE): void {
  c.sha256.sha256Into(data, out, offset);
}

/** Streaming digest: `createSha256().update(a).update(b).digest()`. */
export function createSha256(c: Sha256Crypto = NOBLE): Hasher {
  return c.sha256.createSha256();
}

/** FORMAT.md §1: the document digest, exactly what `sha256sum` prints. */
export function documentDigest(document: Uint8Array, c: Sha256Crypto = NOBLE): Uint8Array {
  return c.sha256.sha256(document);
}
