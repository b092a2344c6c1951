// `stamp --json`'s byte encoder (src/cli/output/stamp-lines.ts): every line is
// stampLine() of its receipt, i.e. JSON.stringify of {document, sha256, seq, index, time, receipt}.
import { describe, expect, it } from 'vitest';
import type { Receipt } from '../../../src/core/receipt.js';
import { nodeCrypto } from '../../../src/node/crypto.js';
import { stampLine, StampLines } from '../../../src/cli/output/stamp-lines.js';
import { BlockReceipts, Pieces } from '../../../src/store/receipt-lines.js';
import { ReceiptBuilder } from '../../../src/store/store.js';
import { docBatch, newStore } from '../../store/fixtures.js';

async function sealedBatch(n: number, named: boolean) {
  const f = newStore();
  await f.store.seal(docBatch(['earlier', 'ones']), f.signer);
  const docs = docBatch(Array.from({ length: n }, (_, i) => `doc ${i}`));
  const names = docs.names.map((x, i) => (!named || i % 4 === 0 ? undefined : i % 4 === 1 ? x : `"ü\\\t${i}😀"`));
  const sealed = await f.store.seal({ digests: docs.digests, names }, f.signer);
  const build = new ReceiptBuilder(sealed.state, f.signer.text, nodeCrypto, sealed.historyPath).forBatch(
    sealed.record.seq,
    sealed.batch,
    names,
  );
  return { sealed, names, build };
}

describe('StampLines', () => {
  for (const [n, named] of [
    [1, true],
    [7, true],
    [64, false],
    [1000, true],
    [4097, true],
  ] as const) {
    it(`${n} documents${named ? ', names to escape' : ', no names'}: every line is stampLine of its receipt`, async () => {
      const { sealed, names, build } = await sealedBatch(n, named);
      // With and without trusted-time tokens in the shared tail.
      for (const receipt of [build, (i: number): Receipt => ({ ...build(i), timestamps: ['AAAA'] })]) {
        const display = (i: number) => (i % 3 === 0 ? `dir/"q"\\${i}` : `dossier é/${names[i] ?? i}`);
        const lines = new StampLines(
          new BlockReceipts(receipt, sealed.batch, names, '}\n'),
          sealed.record.seq,
          sealed.record.time,
        );
        expect(lines.matches(0, display(0), stampLine(display(0), receipt(0)))).toBe(true);
        const sink = new Pieces();
        for (let i = 0; i < n; i++) lines.write(i, display(i), sink);
        const want = Array.from({ length: n }, (_, i) => stampLine(display(i), receipt(i))).join('');
        expect(Buffer.concat(sink.done()).toString('utf8')).toBe(want);
      }
    });
  }

  it('the first line matches a receipt built the plain way (forBlock), as stamp checks it', async () => {
    const { sealed, names, build } = await sealedBatch(1000, true);
    const { digests, salts, tree } = sealed.batch;
    const plain = new ReceiptBuilder(sealed.state, build(0).key, nodeCrypto).forBlock(sealed.record.seq, tree, (k) => ({
      digest: digests.subarray(32 * k, 32 * k + 32),
      salt: salts.subarray(32 * k, 32 * k + 32),
      name: names[k],
    }));
    const blocks = new BlockReceipts(plain, sealed.batch, names, '}\n');
    const lines = new StampLines(blocks, sealed.record.seq, sealed.record.time);
    for (const i of [0, 1, 999]) expect(JSON.stringify(plain(i))).toBe(JSON.stringify(build(i)));
    expect(lines.matches(0, 'a/b', stampLine('a/b', blocks.receiptAt(0)))).toBe(true);
  });

  it('refuses when the first line differs (a format the encoder does not know)', async () => {
    const { sealed, names, build } = await sealedBatch(3, true);
    // A member the encoder does not know, before "block" (after it, it would be part of the shared tail).
    const odd = (i: number) => {
      const { format, document, leaf, ...rest } = build(i);
      return { format, document, extra: true, leaf, ...rest } as unknown as Receipt;
    };
    const lines = new StampLines(
      new BlockReceipts(odd, sealed.batch, names, '}\n'),
      sealed.record.seq,
      sealed.record.time,
    );
    expect(lines.matches(0, 'a', stampLine('a', odd(0)))).toBe(false);
  });
});
