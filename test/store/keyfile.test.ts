// keyfile.ts: the signing key at rest (scrypt + AES-256-GCM, or clear by choice).
import * as crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NotarError } from '../../src/core/errors.js';
import { formatSignerKey, generateSigner } from '../../src/core/note.js';
import { isKeyEncrypted, openKey, sealKey } from '../../src/store/keyfile.js';
import { ORIGIN } from './fixtures.js';

const signer = generateSigner(ORIGIN, new Uint8Array(crypto.randomBytes(32)));
const never = () => {
  throw new Error('passphrase must not be asked for');
};

function errorOf(f: () => unknown): NotarError {
  try {
    f();
  } catch (e) {
    if (e instanceof NotarError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('sealed key', () => {
  // One scrypt seal (~0.3 s) shared by the cases below.
  const sealed = sealKey(signer, 'correct horse battery');

  it('holds no trace of the secret, and opens with the passphrase', () => {
    expect(sealed).not.toContain(formatSignerKey(signer));
    expect(sealed).not.toContain(Buffer.from(signer.seed).toString('hex'));
    expect(isKeyEncrypted(sealed)).toBe(true);
    expect(formatSignerKey(openKey(sealed, () => 'correct horse battery'))).toBe(formatSignerKey(signer));
  });

  it('a wrong passphrase is PASSPHRASE, not a crash', () => {
    const e = errorOf(() => openKey(sealed, () => 'wrong'));
    expect(e.code).toBe('PASSPHRASE');
    expect(e.message).toMatch(/wrong passphrase/);
  });

  it('a changed ciphertext, tag or nonce is caught by GCM (PASSPHRASE: wrong or damaged)', () => {
    const obj = JSON.parse(sealed);
    for (const field of ['ciphertext', 'tag', 'nonce']) {
      const hex: string = obj[field];
      const bad = JSON.stringify({ ...obj, [field]: (hex[0] === '0' ? '1' : '0') + hex.slice(1) });
      expect(errorOf(() => openKey(bad, () => 'correct horse battery')).code, field).toBe('PASSPHRASE');
    }
  });

  it('the passphrase is NFC-normalised (é typed two ways opens the same key)', () => {
    const s = sealKey(signer, 'caf\u00e9 passphrase');
    expect(openKey(s, () => 'cafe\u0301 passphrase').keyId).toBe(signer.keyId);
  });

  it.each([
    ['N 2^22, r 32 (minutes, 5 GB)', { N: 4194304, r: 32 }],
    ['N 3 (not a power of two)', { N: 3 }],
    ["N 2^18 (above notar's cost)", { N: 1 << 18 }],
    ['N 2^10 (too weak: not written by notar)', { N: 1 << 10 }],
    ['r 0', { r: 0 }],
    ['p 5', { p: 5 }],
    ['N as a string', { N: '131072' }],
    ["N·r·p above notar's own cost", { N: 1 << 17, r: 8, p: 2 }],
  ])('scrypt %s: STORE (damaged key file), refused before the passphrase is asked for', (_what, change) => {
    const obj = JSON.parse(sealed);
    const e = errorOf(() => openKey(JSON.stringify({ ...obj, ...change }), never));
    expect(e.code).toBe('STORE');
    expect(e.message).toMatch(/key file is damaged: scrypt parameters out of range/);
    expect(e.hint).toMatch(/backup/);
    expect(() => isKeyEncrypted(JSON.stringify({ ...obj, ...change }))).toThrow(/out of range/);
  });

  it.each([
    ['a tag cut to 4 bytes', (o: Record<string, string>) => ({ tag: o.tag.slice(0, 8) }), /tag must be 16 bytes/],
    ['a tag of 12 bytes', (o: Record<string, string>) => ({ tag: o.tag.slice(0, 24) }), /tag must be 16 bytes/],
    ['a tag that is not hex', (o: Record<string, string>) => ({ tag: 'zz' + o.tag.slice(2) }), /tag must be 16 bytes/],
    ['an empty tag', () => ({ tag: '' }), /tag must be 16 bytes/],
    ['a nonce of 8 bytes', (o: Record<string, string>) => ({ nonce: o.nonce.slice(0, 16) }), /nonce must be 12 bytes/],
    ['a salt with an odd digit count', (o: Record<string, string>) => ({ salt: o.salt + 'a' }), /salt must be/],
    ['an empty ciphertext', () => ({ ciphertext: '' }), /ciphertext must be/],
  ])('%s: STORE (damaged key file), never "unexpected failure", never accepted', (_what, change, message) => {
    const obj = JSON.parse(sealed);
    const e = errorOf(() => openKey(JSON.stringify({ ...obj, ...change(obj) }), never));
    expect(e.code).toBe('STORE');
    expect(e.message).toMatch(message);
  });

  it('scrypt parameters out of range are refused before any work is done', () => {
    const obj = JSON.parse(sealed);
    const e = errorOf(() => openKey(JSON.stringify({ ...obj, N: 2 ** 30 }), never));
    expect(e.code).toBe('STORE');
    expect(e.message).toMatch(/out of range/);
  });
});

describe('clear key (--no-passphrase)', () => {
  it('opens without asking for a passphrase', () => {
    const clear = sealKey(signer, null);
    expect(isKeyEncrypted(clear)).toBe(false);
    expect(openKey(clear, never).keyId).toBe(signer.keyId);
  });
});

describe('damaged key files', () => {
  it.each([
    ['not JSON', 'not json', /not valid JSON/],
    ['an array', '[]', /must be a JSON object/],
    ['unknown format', JSON.stringify({ format: 'x/1', kdf: 'none', key: 'k' }), /unknown format/],
    ['unknown field', JSON.stringify({ format: 'notar-key/1', kdf: 'none', key: 'k', extra: 1 }), /unknown field/],
    ['unsupported kdf', JSON.stringify({ format: 'notar-key/1', kdf: 'argon2' }), /unsupported kdf/],
    ['huge', 'x'.repeat(1 << 17), /too large/],
  ])('%s: a STORE error, never a crash', (_what, text, message) => {
    const e = errorOf(() => openKey(text, never));
    expect(e.code).toBe('STORE');
    expect(e.message).toMatch(message);
  });

  it('a clear key that is not a signer key string is KEY_FORMAT', () => {
    expect(
      errorOf(() => openKey(JSON.stringify({ format: 'notar-key/1', kdf: 'none', key: 'garbage' }), never)).code,
    ).toBe('KEY_FORMAT');
  });
});
