// C2SP tlog-cosignature/v1: known answers (test/vectors/cosignatures.json,
// made with node:crypto alone), the layout of the C2SP text's own example,
// and strict parsing of witness keys and cosignature lines.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/core/bytes.js';
import {
  asCosignature,
  cosign,
  cosignedMessage,
  cosignerFromSeed,
  cosignerKeyId,
  parseCosignerKey,
  verifyCosignature,
} from '../../src/core/cosignature.js';
import { parseNote, parseVerifierKey, signerFromSeed } from '../../src/core/note.js';

const V = JSON.parse(readFileSync(join(__dirname, '../vectors/cosignatures.json'), 'utf8'));
const K = V.notar;
const sigOf = (line: string) => parseNote('x\n\n' + line + '\n').signatures[0];

describe('cosignature/v1 known answers', () => {
  const w = cosignerFromSeed(K.name, fromHex(K.seed));

  it('derives the public key, the 0x04 key ID and the verifier key of the vector', () => {
    expect(toHex(w.publicKey)).toBe(K.publicKey);
    expect(w.keyId).toBe(K.keyId);
    expect(cosignerKeyId(K.name, fromHex(K.publicKey))).toBe(K.keyId);
    expect(w.text).toBe(K.verifierKey);
    expect(parseCosignerKey(K.verifierKey).text).toBe(K.verifierKey);
  });

  it('signs the exact message and line byte for byte', () => {
    expect(new TextDecoder().decode(cosignedMessage(K.body, K.time))).toBe(K.message);
    expect(cosign(w, K.body, K.time)).toBe(K.signatureLine + '\n');
  });

  it('verifies the vector and reads its time', () => {
    const sig = sigOf(K.signatureLine);
    expect(verifyCosignature(K.body, sig, parseCosignerKey(K.verifierKey))).toBe(K.time);
    expect(asCosignature(sig)?.time).toBe(K.time);
  });

  it('rejects the vector over another body, at another time, or by another key', () => {
    const sig = sigOf(K.signatureLine);
    const key = parseCosignerKey(K.verifierKey);
    expect(verifyCosignature(K.body.replace('\n2\n', '\n3\n'), sig, key)).toBeUndefined();
    const raw = Buffer.from(K.signatureLine.split(' ')[2], 'base64');
    raw[11] ^= 1; // last timestamp byte
    expect(verifyCosignature(K.body, sigOf(`\u2014 ${K.name} ${raw.toString('base64')}`), key)).toBeUndefined();
    const other = cosignerFromSeed(K.name, new Uint8Array(32).fill(3));
    expect(verifyCosignature(K.body, sig, other)).toBeUndefined();
  });

  it('matches the C2SP text: message layout and the example line (key ID, big-endian time)', () => {
    const c = V.c2sp;
    expect(new TextDecoder().decode(cosignedMessage(c.checkpointBody, c.time))).toBe(c.message);
    const parsed = asCosignature(sigOf(c.signatureLine));
    expect(parsed?.keyId).toBe(c.keyId);
    expect(parsed?.time).toBe(c.time);
    expect(parsed?.signature.length).toBe(64);
  });
});

describe('witness keys', () => {
  const w = cosignerFromSeed('witness.example.gov/w1', new Uint8Array(32).fill(2));

  it('differ from a log key of the same seed and name only in type byte and key ID', () => {
    const log = signerFromSeed('witness.example.gov/w1', new Uint8Array(32).fill(2));
    expect(log.keyId).not.toBe(w.keyId);
    expect(() => parseCosignerKey(log.text)).toThrow(/type byte 0x01/);
    expect(() => parseVerifierKey(w.text)).toThrow();
  });

  it('refuses a wrong key ID, bad base64, a short key, a bad name', () => {
    const [name, id, b64] = w.text.split('+');
    expect(() => parseCosignerKey(`${name}+00000000+${b64}`)).toThrow(/does not match/);
    expect(() => parseCosignerKey(`${name}+${id}+${b64.slice(0, -1)}`)).toThrow(/base64/);
    expect(() => parseCosignerKey(`${name}+${id}+BAAA`)).toThrow(/33 bytes/);
    expect(() => parseCosignerKey(`bad name+${id}+${b64}`)).toThrow();
    expect(() => parseCosignerKey(name)).toThrow(/look like/);
  });

  it('does not read a 68-byte ordinary signature as a cosignature', () => {
    const raw = new Uint8Array(68);
    expect(asCosignature({ name: 'x', keyId: '00000000', signature: raw.subarray(4) })).toBeUndefined();
  });
});
