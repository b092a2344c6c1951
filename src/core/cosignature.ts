/**
 * C2SP tlog-cosignature/v1 (Ed25519): witness keys (signature type 0x04),
 * their key IDs and verifier key strings, and the timestamped cosignature
 * over `cosignature/v1\ntime <t>\n` followed by the checkpoint body.
 *
 * Signature bytes (tlog-cosignature §Format, RFC 8446 §3.3 serialisation):
 *   key ID (4) || timestamp (8, big-endian POSIX seconds) || Ed25519 signature (64)
 */
import { concatBytes, fromBase64, fromHex, toBase64, toHex, utf8 } from './bytes.js';
import { nobleCrypto, type Crypto } from './crypto.js';
import * as ed25519 from './ed25519.js';
import { NotarError } from './errors.js';
import { sha256 } from './hash.js';
import { isValidKeyName, type NoteSignature, type Signer, type Verifier } from './note.js';

/** tlog-cosignature: "Ed25519 public keys MAY be encoded as vkeys with signature type 0x04". */
export const ALG_COSIGNATURE_V1 = 0x04;
/** keyID(4) + timestamp(8) + signature(64). */
export const COSIGNATURE_BYTES = 76;
/** Timestamps above 2^53 - 1 (year 285 million) cannot be numbers here; refused as invalid. */
export const MAX_COSIGNATURE_TIME = Number.MAX_SAFE_INTEGER;

/** A witness's public key: same shape as a log verifier, different key ID rule. */
export type CosignerVerifier = Verifier;
export type Cosigner = Signer;

export interface Cosignature {
  readonly name: string;
  readonly keyId: string;
  /** POSIX seconds at which the witness cosigned. */
  readonly time: number;
  readonly signature: Uint8Array;
}

const keyError = (why: string) => new NotarError('KEY_FORMAT', why);

/** key ID = SHA-256(name || 0x0A || 0x04 || public key)[:4] (tlog-cosignature). */
export function cosignerKeyId(name: string, publicKey: Uint8Array): string {
  return toHex(sha256(concatBytes(utf8(name), Uint8Array.of(0x0a, ALG_COSIGNATURE_V1), publicKey)).subarray(0, 4));
}

function makeCosignerVerifier(name: string, publicKey: Uint8Array): CosignerVerifier {
  if (!isValidKeyName(name)) throw keyError(`witness name ${JSON.stringify(name)} is not a valid signed-note key name`);
  const keyId = cosignerKeyId(name, publicKey);
  return {
    name,
    keyId,
    publicKey,
    text: `${name}+${keyId}+${toBase64(concatBytes(Uint8Array.of(ALG_COSIGNATURE_V1), publicKey))}`,
  };
}

/** A cosigner from a 32-byte Ed25519 seed. */
export function cosignerFromSeed(name: string, seed: Uint8Array, c: Crypto = nobleCrypto): Cosigner {
  if (seed.length !== 32) throw keyError('an Ed25519 seed is 32 bytes');
  return { ...makeCosignerVerifier(name, ed25519.publicKeyFromSeed(seed, c)), seed: seed.slice() };
}

/**
 * `<name>+<key ID>+<base64(0x04 || public key)>`, strictly (signed-note §Verifier
 * keys). Split at the first two '+' only: base64 itself may contain '+'.
 */
export function parseCosignerKey(text: string): CosignerVerifier {
  if (typeof text !== 'string') throw keyError('witness key is not a string');
  const first = text.indexOf('+');
  const second = first < 0 ? -1 : text.indexOf('+', first + 1);
  if (second < 0) throw keyError('witness key must look like <name>+<key ID>+<base64 key>');
  const [name, id, b64] = [text.slice(0, first), text.slice(first + 1, second), text.slice(second + 1)];
  let raw: Uint8Array;
  try {
    raw = fromBase64(b64, 'witness key');
  } catch {
    throw keyError('witness key is not standard base64');
  }
  if (raw.length !== 33) throw keyError('witness key must encode 33 bytes (type and 32-byte key)');
  if (raw[0] !== ALG_COSIGNATURE_V1) {
    throw keyError(`witness key has type byte 0x${raw[0].toString(16).padStart(2, '0')}, not 0x04 (cosignature/v1)`);
  }
  const key = raw.subarray(1);
  if (!ed25519.isAcceptablePublicKey(key)) throw keyError('witness key is not a valid Ed25519 public key');
  const v = makeCosignerVerifier(name, key);
  if (!/^[0-9a-f]{8}$/.test(id) || id !== v.keyId)
    throw keyError(`witness key ID ${JSON.stringify(id.slice(0, 16))} does not match the key (expected ${v.keyId})`);
  return v;
}

/** The signed message: `cosignature/v1\ntime <t>\n` || checkpoint body (tlog-cosignature §Ed25519 signed message). */
export function cosignedMessage(body: string, time: number): Uint8Array {
  checkTime(time);
  return utf8(`cosignature/v1\ntime ${time}\n${body}`);
}

function checkTime(time: number): void {
  if (!Number.isSafeInteger(time) || time < 0)
    throw new NotarError('USAGE', 'cosignature time must be a whole number of POSIX seconds');
}

function timeBytes(time: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(time), false);
  return out;
}

/** The signature line `— <name> base64(keyID || timestamp || sig)\n` over `body` at `time`. */
export function cosign(cosigner: Cosigner, body: string, time: number, c: Crypto = nobleCrypto): string {
  const sig = ed25519.sign(cosigner.seed, cosignedMessage(body, time), c);
  return `\u2014 ${cosigner.name} ${toBase64(concatBytes(fromHex(cosigner.keyId), timeBytes(time), sig))}\n`;
}

/** Reads a note signature as a cosignature/v1, or undefined if it cannot be one (wrong length, time too large). */
export function asCosignature(sig: NoteSignature): Cosignature | undefined {
  // NoteSignature.signature is everything after the 4-byte key ID.
  if (sig.signature.length !== COSIGNATURE_BYTES - 4) return undefined;
  const t = new DataView(sig.signature.buffer, sig.signature.byteOffset, 8).getBigUint64(0, false);
  if (t > BigInt(MAX_COSIGNATURE_TIME)) return undefined;
  return { name: sig.name, keyId: sig.keyId, time: Number(t), signature: sig.signature.slice(8) };
}

/** True when `sig` is a valid cosignature/v1 by `witness` over `body`; its time otherwise undefined. */
export function verifyCosignature(
  body: string,
  sig: NoteSignature,
  witness: CosignerVerifier,
  c: Crypto = nobleCrypto,
): number | undefined {
  if (sig.name !== witness.name || sig.keyId !== witness.keyId) return undefined;
  const cs = asCosignature(sig);
  if (!cs) return undefined;
  return ed25519.verify(cs.signature, cosignedMessage(body, cs.time), witness.publicKey, c) ? cs.time : undefined;
}

/** Whether a signature line names this witness (name and key ID), whatever its bytes. */
export function namesWitness(sig: NoteSignature, witness: CosignerVerifier): boolean {
  return sig.name === witness.name && sig.keyId === witness.keyId;
}
