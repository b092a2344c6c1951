// Strict byte encodings (FORMAT.md: lowercase hex, standard padded base64, UTF-8).
import * as crypto from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, equalBytes, fromBase64, fromHex, fromUtf8, toBase64, toHex, utf8 } from '../../src/core/bytes.js';
import { NotarError } from '../../src/core/errors.js';
import { createSha256, documentDigest, sha256 } from '../../src/core/hash.js';

const formatError = (run: () => unknown) => {
  try {
    run();
  } catch (e) {
    return e instanceof NotarError && e.code === 'FORMAT';
  }
  return false;
};

describe('hex and base64', () => {
  it('agree with Node for any bytes, and round-trip', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        expect(toHex(b)).toBe(Buffer.from(b).toString('hex'));
        expect(toBase64(b)).toBe(Buffer.from(b).toString('base64'));
        expect(equalBytes(fromHex(toHex(b)), b)).toBe(true);
        expect(equalBytes(fromBase64(toBase64(b)), b)).toBe(true);
      }),
    );
  });

  it('refuse every other spelling', () => {
    for (const h of ['ABCD', 'abc', 'zz', ' ab', 'ab\n', '0x00']) expect(formatError(() => fromHex(h))).toBe(true);
    expect(formatError(() => fromHex('abcd', 'x', 3))).toBe(true);
    // 'QQ==' is the canonical "A"; 'QR==' decodes the same under lax decoders.
    for (const b of ['QR==', 'QQ', 'QQ=', 'Q===', 'QQ==\n', 'Q Q==', '-_8=', 'QUFB QUFB'])
      expect(formatError(() => fromBase64(b))).toBe(true);
    expect(formatError(() => fromBase64('QUFB', 'x', 4))).toBe(true);
    expect(fromBase64('')).toEqual(new Uint8Array(0));
  });

  it('utf8 decoding refuses malformed sequences instead of replacing them', () => {
    expect(fromUtf8(utf8('é✓'))).toBe('é✓');
    for (const b of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0xaf]])
      expect(formatError(() => fromUtf8(Uint8Array.from(b)))).toBe(true);
  });

  it('concatBytes and equalBytes', () => {
    expect(toHex(concatBytes(Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3)))).toBe('010203');
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 3))).toBe(false);
  });
});

describe('SHA-256', () => {
  it('one-shot and streaming digests equal node:crypto (what sha256sum prints)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 5 }), (chunks) => {
        const want = crypto.createHash('sha256').update(Buffer.concat(chunks)).digest('hex');
        expect(toHex(sha256(concatBytes(...chunks)))).toBe(want);
        expect(toHex(documentDigest(concatBytes(...chunks)))).toBe(want);
        const s = createSha256();
        for (const c of chunks) s.update(c);
        expect(toHex(s.digest())).toBe(want);
      }),
      { numRuns: 50 },
    );
  });
});
