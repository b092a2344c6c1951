// The v1.1 optional receipt member `timestamps` (docs/FORMAT.md §8): parsed
// strictly, written last, and a receipt without it is unchanged.
import { describe, expect, it } from 'vitest';
import { formatReceipt, parseReceipt } from '../../src/core/receipt.js';
import { verifyReceipt } from '../../src/core/verify.js';
import { buildHistory, documentBytes, receiptFor, sha256 } from '../core/helpers.js';

describe('receipt member timestamps', () => {
  const h = buildHistory([2, 1]);
  const base = receiptFor(h, 0, 1, { key: h.signer.text });

  it('round-trips as the last member; receipts without it are byte-identical to v1', () => {
    const text = formatReceipt({ ...base, timestamps: ['MIIB', 'AAAA'] });
    expect(text).toMatch(/"key": "[^"]+",\n {2}"timestamps": \[\n {4}"MIIB",\n {4}"AAAA"\n {2}\]\n\}\n$/);
    expect(parseReceipt(text).timestamps).toEqual(['MIIB', 'AAAA']);
    expect(formatReceipt(base)).not.toContain('timestamps');
    expect(parseReceipt(formatReceipt(base)).timestamps).toBeUndefined();
    // the token does not take part in the v1 verdict (verify --tsa-cert checks it)
    expect(verifyReceipt(text, sha256(documentBytes(0, 1)), [h.signer]).ok).toBe(true);
  });

  it('refuses an empty list, too many, non-strings and non-canonical base64', () => {
    for (const bad of [[], Array(9).fill('AAAA'), [1], ['AAA'], ['AAB='], 'AAAA']) {
      const text = formatReceipt(base).replace(
        /\n\}\n$/,
        `,\n  "timestamps": ${JSON.stringify(bad, null, 2).replace(/\n/g, '\n  ')}\n}\n`,
      );
      expect(() => parseReceipt(text), JSON.stringify(bad)).toThrow(/timestamps/);
    }
  });
});
