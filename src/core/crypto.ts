/**
 * Which implementation of SHA-256 and Ed25519 the core computes with. The
 * default is pure JavaScript (@noble) everywhere. A host may choose a faster
 * one with the same results (FORMAT.md §6: a fast Ed25519 verifier never has
 * the final say), explicitly: nothing changes as a side effect of an import.
 * The CLI chooses node/crypto.ts's `nodeCrypto` once, in main.ts; tests pass
 * both to withCrypto() and compare.
 */
import { installEd25519, installedEd25519, NOBLE_ED25519, type Ed25519Provider } from './ed25519.js';
import { NOBLE_SHA256, useSha256, type Sha256Impl } from './hash.js';

export interface Crypto {
  readonly sha256: Sha256Impl;
  /** Signing and a first opinion on signatures (core/ed25519.ts keeps the last word). */
  readonly ed25519: Ed25519Provider;
}

export const nobleCrypto: Crypto = { sha256: NOBLE_SHA256, ed25519: NOBLE_ED25519 };

/** Makes `c` the implementation the core uses; returns the one it replaces. */
export function useCrypto(c: Crypto): Crypto {
  const sha256 = useSha256(c.sha256);
  const ed25519 = installedEd25519() ?? NOBLE_ED25519;
  installEd25519(c.ed25519 === NOBLE_ED25519 ? undefined : c.ed25519);
  return { sha256, ed25519 };
}

/** Runs `f` with `c` in use, then restores what was in use before. */
export function withCrypto<T>(c: Crypto, f: () => T): T {
  const previous = useCrypto(c);
  try {
    return f();
  } finally {
    useCrypto(previous);
  }
}
