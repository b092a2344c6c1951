/**
 * Which implementation of SHA-256 and Ed25519 the core computes with: a value
 * passed in, never a module switch. Every core function that hashes in bulk,
 * signs or verifies takes a `Crypto` as its optional last parameter (default
 * `nobleCrypto`, pure JavaScript, runs anywhere), and objects built with one
 * (a MerkleTree, a CompactRange) keep it. A host may pass a faster one with
 * the same results (FORMAT.md §6: a fast Ed25519 verifier never has the final
 * say, core/ed25519.ts). The CLI builds node/crypto.ts's `nodeCrypto` once, in
 * main.ts, and passes it down; the page and library users need nothing.
 * Key IDs (one SHA-256 of a short string when a key is parsed) always use
 * the default: parsing stays a function of the text alone.
 */
import { NOBLE_ED25519, type Ed25519Provider } from './ed25519.js';
import { NOBLE_SHA256, type Sha256Impl } from './hash.js';

export interface Crypto {
  readonly sha256: Sha256Impl;
  /** Signing and a first opinion on signatures (core/ed25519.ts keeps the last word). */
  readonly ed25519: Ed25519Provider;
}

export const nobleCrypto: Crypto = { sha256: NOBLE_SHA256, ed25519: NOBLE_ED25519 };
