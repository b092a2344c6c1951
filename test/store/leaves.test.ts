// leaves.ts: the signed binary leaves file round-trips, and any change is detected.
import * as crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildPackedBatch } from '../../src/core/batch.js';
import { NotarError } from '../../src/core/errors.js';
import { generateSigner } from '../../src/core/note.js';
import { decodeLeaves, encodeLeaves, findDigest, leafAt, truncateUtf8 } from '../../src/store/leaves.js';
import { digestOf, ORIGIN } from './fixtures.js';

const signer = generateSigner(ORIGIN, new Uint8Array(crypto.randomBytes(32)));
const other = generateSigner(ORIGIN, new Uint8Array(crypto.randomBytes(32)));

function batchOf(docs: string[]) {
  const digests = new Uint8Array(docs.length * 32);
  docs.forEach((d, i) => digests.set(digestOf(d), i * 32));
  return buildPackedBatch(digests);
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof NotarError ? e.code : 'not a NotarError: ' + String(e);
  }
  return undefined;
}

describe('encodeLeaves / decodeLeaves', () => {
  const batch = batchOf(['a', 'b', 'c']);
  const names = ['a.pdf', undefined, 'résumé €.pdf'];
  const data = encodeLeaves(7, batch, names, signer);

  it('round-trips seq, digests, salts and names', () => {
    const leaves = decodeLeaves(data, 'f', signer);
    expect(leaves.seq).toBe(7);
    expect(leaves.count).toBe(3);
    expect(leaves.names).toEqual(names);
    for (let i = 0; i < 3; i++) {
      const e = leafAt(leaves, i);
      expect(Buffer.from(e.digest).equals(Buffer.from(batch.digests.subarray(i * 32, i * 32 + 32)))).toBe(true);
      expect(Buffer.from(e.salt).equals(Buffer.from(batch.salts.subarray(i * 32, i * 32 + 32)))).toBe(true);
    }
    expect(findDigest(leaves, digestOf('b'))).toEqual([1]);
    expect(findDigest(leaves, digestOf('zzz'))).toEqual([]);
  });

  it('seq above 2^32 survives', () => {
    expect(decodeLeaves(encodeLeaves(2 ** 40 + 5, batch, names, signer), 'f', signer).seq).toBe(2 ** 40 + 5);
  });

  it('any changed byte is detected by the signature check (CHAIN_INVALID)', () => {
    for (let i = 0; i < data.length; i++) {
      const bad = data.slice();
      bad[i] ^= 0x01;
      expect(
        codeOf(() => decodeLeaves(bad, 'f', signer)),
        `byte ${i}`,
      ).toBe('CHAIN_INVALID');
    }
  });

  it('a file signed by another key is rejected', () => {
    expect(() => decodeLeaves(data, 'leaves/7.bin', other)).toThrow(/signature does not match/);
  });

  it('truncated or extended files are rejected, with or without a key', () => {
    for (const bad of [data.subarray(0, 10), data.subarray(0, data.length - 1), new Uint8Array([...data, 0])]) {
      expect(codeOf(() => decodeLeaves(bad, 'f', signer))).toBe('CHAIN_INVALID');
    }
    expect(codeOf(() => decodeLeaves(data.subarray(0, 10), 'f'))).toBe('CHAIN_INVALID');
  });
});

describe('long names', () => {
  it('are cut at a character boundary, so the file still decodes', () => {
    const long = 'a'.repeat(4095) + '€'; // the cut at 4096 bytes falls inside '€'
    const data = encodeLeaves(0, batchOf(['x']), [long], signer);
    expect(decodeLeaves(data, 'f', signer).names).toEqual(['a'.repeat(4095)]);
  });

  it('ASCII and other names of every length, across 1 MiB pieces, keep their exact UTF-8 (cut at 4096 bytes)', () => {
    // 700 names of up to ~6 KB: the names section spans several pieces, some names are cut.
    const names = Array.from({ length: 700 }, (_, i) =>
      i % 7 === 3 ? undefined : (i % 2 ? 'é' : 'n').repeat((i * 37) % 3000) + (i % 5 === 0 ? '😀'.repeat(i) : 'x'),
    );
    const data = encodeLeaves(1, batchOf(names.map((_, i) => String(i))), names, signer);
    // An empty name is no name (FORMAT.md: length 0).
    const cut = (n: string | undefined) =>
      !n ? undefined : Buffer.from(truncateUtf8(Buffer.from(n, 'utf8'), 4096)).toString('utf8');
    const got = decodeLeaves(data, 'f', signer).names;
    expect(got).toEqual(names.map(cut));
    expect(got.some((n, i) => n !== names[i])).toBe(true);
    expect(Buffer.byteLength(names.filter((n) => n !== undefined).join(''))).toBeGreaterThan(1 << 20);
  });

  it('truncateUtf8 never splits a character', () => {
    const b = new Uint8Array(Buffer.from('ab€😀', 'utf8'));
    expect([...truncateUtf8(b, 3)]).toEqual([...Buffer.from('ab')]);
    expect([...truncateUtf8(b, 5)]).toEqual([...Buffer.from('ab€')]);
    expect([...truncateUtf8(b, 8)]).toEqual([...Buffer.from('ab€')]);
    expect([...truncateUtf8(b, 9)]).toEqual([...b]);
  });
});
