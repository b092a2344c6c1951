// The server's NDJSON receipt encoder (src/store/receipt-lines.ts): byte for byte
// JSON.stringify of the receipts ReceiptBuilder.forBatch builds, for every batch shape.
import { nodeCrypto } from '../../src/node/crypto.js';
import { describe, expect, it } from 'vitest';
import type { Receipt } from '../../src/core/receipt.js';
import { BlockReceipts } from '../../src/store/receipt-lines.js';
import { ReceiptBuilder } from '../../src/store/store.js';
import { docBatch, newStore } from '../store/fixtures.js';

const expected = (receipt: (i: number) => Receipt, from: number, count: number) =>
  Array.from({ length: count }, (_, i) => JSON.stringify(receipt(from + i)) + '\n').join('');

describe('BlockReceipts', () => {
  for (const n of [1, 2, 3, 5, 8, 13, 100, 1025]) {
    it(`a batch of ${n}: every submission's lines are JSON.stringify of its receipts`, async () => {
      const f = newStore();
      await f.store.seal(docBatch(['earlier']), f.signer);
      const docs = docBatch(Array.from({ length: n }, (_, i) => `doc ${i}`));
      // Some documents unnamed, some with names that JSON must escape.
      const names = docs.names.map((x, i) => (i % 3 === 0 ? undefined : i % 3 === 1 ? x : `"ß\\\n${i}✓"`));
      const sealed = await f.store.seal({ digests: docs.digests, names }, f.signer);
      const build = new ReceiptBuilder(sealed.state, f.signer.text, nodeCrypto, sealed.historyPath).forBatch(
        sealed.record.seq,
        sealed.batch,
        names,
      );
      for (const receipt of [build, (i: number): Receipt => ({ ...build(i), timestamps: ['AAAA', 'BBBB'] })]) {
        const blocks = new BlockReceipts(receipt, sealed.batch, names);
        const cuts = [0, Math.floor(n / 3), Math.floor(n / 2), n].filter((c, i, a) => i === 0 || c > a[i - 1]);
        for (let k = 0; k + 1 < cuts.length; k++) {
          const sub = blocks.forSubmission(cuts[k], cuts[k + 1] - cuts[k]);
          expect(Buffer.concat(sub.ndjson()).toString('utf8')).toBe(expected(receipt, cuts[k], sub.count));
          expect(sub.receipt(0)).toEqual(receipt(cuts[k]));
        }
      }
    });
  }

  it('a batch of 40,000 (paths shared from a higher level): submissions at both ends and in the middle', async () => {
    const f = newStore();
    const docs = docBatch(Array.from({ length: 40_000 }, (_, i) => `doc ${i}`));
    const names = docs.names.map(() => undefined);
    const sealed = await f.store.seal({ digests: docs.digests, names }, f.signer);
    const build = new ReceiptBuilder(sealed.state, f.signer.text, nodeCrypto, sealed.historyPath).forBatch(
      0,
      sealed.batch,
      names,
    );
    const blocks = new BlockReceipts(build, sealed.batch, names);
    for (const [from, count] of [
      [0, 700],
      [20_001, 300],
      [39_000, 1000],
    ]) {
      const sub = blocks.forSubmission(from, count);
      expect(Buffer.concat(sub.ndjson()).toString('utf8')).toBe(expected(build, from, count));
    }
  });

  it('if the format ever differs from the encoder, every line comes from JSON.stringify', async () => {
    const f = newStore();
    const docs = docBatch(['a', 'b', 'c']);
    const sealed = await f.store.seal(docs, f.signer);
    const build = new ReceiptBuilder(sealed.state).forBatch(0, sealed.batch, docs.names);
    // A receipt with a field the encoder does not know, before "block".
    const odd = (i: number) => {
      const r = build(i);
      return { format: r.format, document: r.document, extra: 1, leaf: r.leaf, block: r.block } as unknown as Receipt;
    };
    const sub = new BlockReceipts(odd, sealed.batch, docs.names).forSubmission(0, 3);
    expect(Buffer.concat(sub.ndjson()).toString('utf8')).toBe(expected(odd, 0, 3));
  });
});
