/**
 * Ed25519 (RFC 8032) with one validity rule everywhere: @noble/ed25519's
 * strict mode (`zip215: false`): canonical encodings of A and R, S < L,
 * small-order public keys refused, cofactored equation. A caller may pass a
 * Crypto with a faster provider (node:crypto) as the last argument; `verify`
 * only trusts it to say "valid" for inputs that pass the same canonicality
 * checks, where a cofactorless "valid" implies the cofactored one, and a "no"
 * from it is re-checked here, so every platform reaches the same verdict.
 */
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import type { Crypto } from './crypto.js';

ed.hashes.sha512 = sha512;

export interface Ed25519Provider {
  sign(seed: Uint8Array, message: Uint8Array): Uint8Array;
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
  publicKey(seed: Uint8Array): Uint8Array;
}

/** The default: @noble/ed25519, pure JavaScript. */
export const NOBLE_ED25519: Ed25519Provider = {
  sign: (seed, message) => ed.sign(message, seed),
  verify: (signature, message, publicKey) => {
    try {
      return ed.verify(signature, message, publicKey, { zip215: false });
    } catch {
      return false;
    }
  },
  publicKey: (seed) => ed.getPublicKey(seed),
};

/** The Ed25519 part of a Crypto (core/crypto.ts): what the functions below need. */
export type Ed25519Crypto = Pick<Crypto, 'ed25519'>;
// Not core/crypto.ts's nobleCrypto: that module imports this one.
const NOBLE: Ed25519Crypto = { ed25519: NOBLE_ED25519 };

export function publicKeyFromSeed(seed: Uint8Array, c: Ed25519Crypto = NOBLE): Uint8Array {
  return c.ed25519.publicKey(seed);
}

export function sign(seed: Uint8Array, message: Uint8Array, c: Ed25519Crypto = NOBLE): Uint8Array {
  return c.ed25519.sign(seed, message);
}

// Group order L and field prime P, for the canonicality pre-checks.
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const P = 2n ** 255n - 19n;

function leNumber(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]);
  return n;
}

/** y coordinate (sign bit cleared) is below P: the encoding is canonical. */
function canonicalPointEncoding(bytes: Uint8Array): boolean {
  // Uint8Array.prototype.slice: on a Buffer, .slice() is a view, and clearing
  // the sign bit below would then corrupt the caller's signature.
  const copy = Uint8Array.prototype.slice.call(bytes);
  copy[31] &= 0x7f;
  return leNumber(copy) < P;
}

/**
 * Strict RFC 8032 verification. A provider other than noble gives a first
 * opinion only: its "valid" counts for canonical inputs, anything else
 * (a "no", a non-canonical encoding) is decided by noble's strict mode.
 */
export function verify(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
  c: Ed25519Crypto = NOBLE,
): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  const fast = c.ed25519;
  if (fast !== NOBLE_ED25519) {
    const canonical =
      acceptableKeyCached(publicKey) &&
      canonicalPointEncoding(signature.subarray(0, 32)) &&
      leNumber(signature.subarray(32)) < L;
    if (canonical && fast.verify(signature, message, publicKey)) return true;
  }
  return NOBLE_ED25519.verify(signature, message, publicKey);
}

const acceptable = new Map<string, boolean>();
function acceptableKeyCached(publicKey: Uint8Array): boolean {
  const id = publicKey.join(',');
  let ok = acceptable.get(id);
  if (ok === undefined) {
    ok = checkPublicKey(publicKey);
    if (acceptable.size < 1024) acceptable.set(id, ok);
  }
  return ok;
}

/**
 * A public key we accept at all: 32 bytes, canonical point encoding, on the
 * curve and not of small order (the strict rule refuses those keys anyway).
 */
export function isAcceptablePublicKey(publicKey: Uint8Array): boolean {
  // Cached: `verify` meets the same key up to four times (key file, receipt
  // hint, hint check, signature check) and each point decoding costs ~0.5 ms cold.
  return acceptableKeyCached(publicKey);
}

function checkPublicKey(publicKey: Uint8Array): boolean {
  if (publicKey.length !== 32) return false;
  try {
    const point = ed.Point.fromBytes(publicKey, false);
    return !point.isSmallOrder();
  } catch {
    return false;
  }
}
