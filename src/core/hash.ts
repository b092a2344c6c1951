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

let impl: Sha256 = (data) => nobleSha256(data);
let hasherImpl: () => Hasher = () => nobleSha256.create();

/** Replaces the SHA-256 implementation (e.g. with node:crypto for bulk work). */
export function installSha256(fn: Sha256, createHasher?: () => Hasher): void {
  impl = fn;
  if (createHasher) hasherImpl = createHasher;
}

export function sha256(data: Uint8Array): Uint8Array {
  return impl(data);
}

/** Streaming digest: `createSha256().update(a).update(b).digest()`. */
export function createSha256(): Hasher {
  return hasherImpl();
}

/** FORMAT.md §1: the document digest, exactly what `sha256sum` prints. */
export function documentDigest(document: Uint8Array): Uint8Array {
  return impl(document);
}
