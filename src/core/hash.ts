/**
 * SHA-256 for the core. The default is @noble/hashes (pure JS, runs anywhere);
 * a host may choose a faster implementation with the same results
 * (core/crypto.ts; the CLI chooses node:crypto). Results never depend on
 * which one is in use.
 */
import { sha256 as noble } from '@noble/hashes/sha2.js';

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

let impl: Sha256Impl = NOBLE_SHA256;

/** Makes `next` the SHA-256 the core uses; returns the one it replaces (core/crypto.ts). */
export function useSha256(next: Sha256Impl): Sha256Impl {
  const previous = impl;
  impl = next;
  return previous;
}

/**
 * Replaces the SHA-256 implementation with one built from a function (the
 * streaming and in-place forms default to noble's and to `fn`).
 */
export function installSha256(fn: Sha256, createHasher?: () => Hasher, into?: Sha256Into): void {
  useSha256({
    sha256: fn,
    createSha256: createHasher ?? NOBLE_SHA256.createSha256,
    sha256Into: into ?? ((data, out, offset) => out.set(fn(data), offset)),
  });
}

export function sha256(data: Uint8Array): Uint8Array {
  return impl.sha256(data);
}

/** SHA-256(data) written into out[offset .. offset + 32), same result as sha256(). */
export function sha256Into(data: Uint8Array, out: Uint8Array, offset: number): void {
  impl.sha256Into(data, out, offset);
}

/** Streaming digest: `createSha256().update(a).update(b).digest()`. */
export function createSha256(): Hasher {
  return impl.createSha256();
}

/** FORMAT.md §1: the document digest, exactly what `sha256sum` prints. */
export function documentDigest(document: Uint8Array): Uint8Array {
  return impl.sha256(document);
}
