/**
 * SHA-256 for the core. The default is @noble/hashes (pure JS, runs anywhere);
 * a host may install a faster implementation with the same results (the CLI
 * installs node:crypto). Results never depend on which one is installed.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

export type Sha256 = (data: Uint8Array) => Uint8Array;

/** Incremental hasher, for documents read in chunks. */
export interface Hasher {
  update(chunk: Uint8Array): Hasher;
  digest(): Uint8Array;
}

/** Writes SHA-256(data) into out[offset .. offset + 32). */
export type Sha256Into = (data: Uint8Array, out: Uint8Array, offset: number) => void;

let impl: Sha256 = (data) => nobleSha256(data);
let hasherImpl: () => Hasher = () => nobleSha256.create();
let intoImpl: Sha256Into = (data, out, offset) => out.set(impl(data), offset);

/**
 * Replaces the SHA-256 implementation (e.g. with node:crypto for bulk work).
 * `into` may write a digest in place: building a million-leaf tree then
 * allocates nothing per hash (FORMAT.md §3 batches of 10^6 documents).
 */
export function installSha256(fn: Sha256, createHasher?: () => Hasher, into?: Sha256Into): void {
  impl = fn;
  if (createHasher) hasherImpl = createHasher;
  intoImpl = into ?? ((data, out, offset) => out.set(fn(data), offset));
}

export function sha256(data: Uint8Array): Uint8Array {
  return impl(data);
}

/** SHA-256(data) written into out[offset .. offset + 32), same result as sha256(). */
export function sha256Into(data: Uint8Array, out: Uint8Array, offset: number): void {
  intoImpl(data, out, offset);
}

/** Streaming digest: `createSha256().update(a).update(b).digest()`. */
export function createSha256(): Hasher {
  return hasherImpl();
}

/** FORMAT.md §1: the document digest, exactly what `sha256sum` prints. */
export function documentDigest(document: Uint8Array): Uint8Array {
  return impl(document);
}
