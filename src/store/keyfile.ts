/**
 * The signing key at rest (`key.json`, mode 0600): the C2SP signer key string
 * sealed with AES-256-GCM under a key derived by scrypt from a passphrase,
 * or, only when the user chose --no-passphrase, stored in the clear.
 */
import * as crypto from 'node:crypto';
import { NotarError } from '../core/errors.js';
import { formatSignerKey, parseSignerKey, Signer } from '../core/note.js';
import { checkKeys, expectInteger, expectString, parseJson } from '../core/json.js';

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
  if (passphrase === null) return JSON.stringify({ format: KEY_FORMAT, kdf: 'none', key: secret } satisfies ClearKey, null, 2) + '\n';
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

export function isKeyEncrypted(text: string): boolean {
  return (parseJson(text, 'key file', 1 << 16) as { kdf?: unknown })?.kdf !== 'none';
}

const storeError = (why: string) => new NotarError('STORE', `key file: ${why}`, { hint: 'restore key.json from your backup, or import the key with `notar key import`' });

/** Opens the key file; `passphrase` is asked for only when it is encrypted. */
export function openKey(text: string, passphrase: () => string): Signer {
  let obj: Record<string, unknown>;
  try {
    obj = checkKeys(parseJson(text, 'key file', 1 << 16), 'key file', ['format', 'kdf'], ['key', 'N', 'r', 'p', 'salt', 'cipher', 'nonce', 'ciphertext', 'tag']);
  } catch (e) {
    throw storeError((e as Error).message);
  }
  if (obj.format !== KEY_FORMAT) throw storeError(`unknown format (expected ${KEY_FORMAT})`);
  if (obj.kdf === 'none') return parseSignerKey(expectString(obj.key, 'key', 1024));
  if (obj.kdf !== 'scrypt' || obj.cipher !== 'aes-256-gcm') throw storeError('unsupported kdf or cipher');
  const N = expectInteger(obj.N, 'N', 2);
  const r = expectInteger(obj.r, 'r', 1);
  const p = expectInteger(obj.p, 'p', 1);
  if (N > 1 << 22 || r > 32 || p > 16) throw storeError('scrypt parameters out of range');
  const hex = (k: string) => Buffer.from(expectString(obj[k], k, 4096), 'hex');
  const decipher = crypto.createDecipheriv('aes-256-gcm', derive(passphrase(), hex('salt'), N, r, p), hex('nonce'));
  decipher.setAAD(Buffer.from(KEY_FORMAT));
  decipher.setAuthTag(hex('tag'));
  let secret: string;
  try {
    secret = Buffer.concat([decipher.update(hex('ciphertext')), decipher.final()]).toString('utf8');
  } catch {
    throw new NotarError('PASSPHRASE', 'wrong passphrase for the signing key (or key.json is damaged)', {
      hint: 'check NOTAR_PASSPHRASE or --passphrase-file',
    });
  }
  return parseSignerKey(secret);
}
