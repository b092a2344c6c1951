/**
 * The signing key at rest (`key.json`, mode 0600): the C2SP signer key string
 * sealed with AES-256-GCM under a key derived by scrypt from a passphrase,
 * or, only when the user chose --no-passphrase, stored in the clear.
 */
import * as crypto from 'node:crypto';
import { nobleCrypto, type Crypto } from '../core/crypto.js';
import { NotarError } from '../core/errors.js';
import { formatSignerKey, parseSignerKey, Signer } from '../core/note.js';
import { checkKeys, expectString, parseJson } from '../core/json.js';

export const KEY_FORMAT = 'notar-key/1';
/** scrypt cost: 2^17 × 8 × 128 B = 128 MiB, about 0.3 s here (OWASP's interactive floor). */
const SCRYPT = { N: 1 << 17, r: 8, p: 1 };

interface SealedKey {
  format: string;
  kdf: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
  cipher: 'aes-256-gcm';
  nonce: string;
  ciphertext: string;
  tag: string;
}

interface ClearKey {
  format: string;
  kdf: 'none';
  key: string;
}

function derive(passphrase: string, salt: Buffer, N: number, r: number, p: number): Buffer {
  return crypto.scryptSync(passphrase.normalize('NFC'), salt, 32, { N, r, p, maxmem: 256 * N * r + (1 << 20) });
}

/** Serialises `signer`; a null passphrase means stored in the clear. */
export function sealKey(signer: Signer, passphrase: string | null): string {
  const secret = formatSignerKey(signer);
  if (passphrase === null)
    return JSON.stringify({ format: KEY_FORMAT, kdf: 'none', key: secret } satisfies ClearKey, null, 2) + '\n';
  const salt = crypto.randomBytes(16);
  const nonce = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', derive(passphrase, salt, SCRYPT.N, SCRYPT.r, SCRYPT.p), nonce);
  cipher.setAAD(Buffer.from(KEY_FORMAT));
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  const sealed: SealedKey = {
    format: KEY_FORMAT,
    kdf: 'scrypt',
    ...SCRYPT,
    salt: salt.toString('hex'),
    cipher: 'aes-256-gcm',
    nonce: nonce.toString('hex'),
    ciphertext: ciphertext.toString('hex'),
    tag: cipher.getAuthTag().toString('hex'),
  };
  return JSON.stringify(sealed, null, 2) + '\n';
}

const storeError = (why: string) =>
  new NotarError('STORE', `the key file is damaged: ${why}`, {
    hint: 'restore key.json from your backup, or import the key with `notar key import`',
  });

/**
 * The scrypt parameters accepted (docs/store.md): N a power of two from 2^14
 * to 2^17, r from 1 to 8, p from 1 to 4, and N·r·p at most notar's own
 * 2^17·8·1. A key file asking for more is damaged (or hostile): opening it
 * must not cost minutes and gigabytes.
 */
function scryptParams(obj: Record<string, unknown>): { N: number; r: number; p: number } {
  const [N, r, p] = [obj.N, obj.r, obj.p].map((v) => (typeof v === 'number' && Number.isSafeInteger(v) ? v : NaN));
  const powerOfTwo = N >= 1 << 14 && N <= 1 << 17 && (N & (N - 1)) === 0;
  if (!powerOfTwo || !(r >= 1 && r <= 8) || !(p >= 1 && p <= 4) || N * r * p > SCRYPT.N * SCRYPT.r * SCRYPT.p) {
    throw storeError(
      `scrypt parameters out of range (N=${String(obj.N).slice(0, 20)}, r=${String(obj.r).slice(0, 20)}, p=${String(obj.p).slice(0, 20)})`,
    );
  }
  return { N, r, p };
}

/** A hex field of exactly `min`..`max` bytes (Buffer.from(…, 'hex') alone stops silently at the first bad digit). */
function hexField(obj: Record<string, unknown>, k: string, min: number, max = min): Buffer {
  const v = obj[k];
  if (typeof v !== 'string' || !/^(?:[0-9a-fA-F]{2})*$/.test(v) || v.length < 2 * min || v.length > 2 * max) {
    throw storeError(min === max ? `${k} must be ${min} bytes in hex` : `${k} must be ${min} to ${max} bytes in hex`);
  }
  return Buffer.from(v, 'hex');
}

type Parsed =
  | { kdf: 'none'; key: string }
  | { kdf: 'scrypt'; N: number; r: number; p: number; salt: Buffer; nonce: Buffer; tag: Buffer; ciphertext: Buffer };

/** Every field of a key file checked, before any passphrase is asked for or scrypt runs. */
function parseKeyFile(text: string): Parsed {
  let obj: Record<string, unknown>;
  try {
    obj = checkKeys(
      parseJson(text, 'key file', 1 << 16),
      'key file',
      ['format', 'kdf'],
      ['key', 'N', 'r', 'p', 'salt', 'cipher', 'nonce', 'ciphertext', 'tag'],
    );
  } catch (e) {
    throw storeError((e as Error).message);
  }
  if (obj.format !== KEY_FORMAT) throw storeError(`unknown format (expected ${KEY_FORMAT})`);
  if (obj.kdf === 'none') return { kdf: 'none', key: expectString(obj.key, 'key', 1024) };
  if (obj.kdf !== 'scrypt' || obj.cipher !== 'aes-256-gcm') throw storeError('unsupported kdf or cipher');
  return {
    kdf: 'scrypt',
    ...scryptParams(obj),
    salt: hexField(obj, 'salt', 16, 64),
    nonce: hexField(obj, 'nonce', 12),
    // The full 16-byte GCM tag: a cut tag would be checked only as far as it goes.
    tag: hexField(obj, 'tag', 16),
    ciphertext: hexField(obj, 'ciphertext', 1, 1024),
  };
}

/** Whether opening the key needs a passphrase; a damaged key file is a STORE error here already. */
export function isKeyEncrypted(text: string): boolean {
  return parseKeyFile(text).kdf !== 'none';
}

/** Opens the key file; `passphrase` is asked for only when it is encrypted. */
export function openKey(text: string, passphrase: () => string, c: Crypto = nobleCrypto): Signer {
  const k = parseKeyFile(text);
  if (k.kdf === 'none') return parseSignerKey(k.key, c);
  const decipher = crypto.createDecipheriv('aes-256-gcm', derive(passphrase(), k.salt, k.N, k.r, k.p), k.nonce, {
    authTagLength: 16,
  });
  decipher.setAAD(Buffer.from(KEY_FORMAT));
  decipher.setAuthTag(k.tag);
  let secret: string;
  try {
    secret = Buffer.concat([decipher.update(k.ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw new NotarError('PASSPHRASE', 'wrong passphrase for the signing key (or key.json is damaged)', {
      hint: 'check NOTAR_PASSPHRASE or --passphrase-file',
    });
  }
  return parseSignerKey(secret, c);
}
