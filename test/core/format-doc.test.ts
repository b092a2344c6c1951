// docs/FORMAT.md §12's worked example must stay real: the core rebuilds it
// byte for byte from its inputs, and the receipt printed there verifies.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildBatch } from '../../src/core/batch.js';
import { blockHash, blockLine, nextBlock, type Block } from '../../src/core/block.js';
import { formatChainRecord } from '../../src/core/chain.js';
import { formatCheckpoint } from '../../src/core/checkpoint.js';
import { MerkleTree } from '../../src/core/merkle.js';
import { parseVerifierKey, signerFromSeed, signNote } from '../../src/core/note.js';
import { buildReceipt, formatReceipt } from '../../src/core/receipt.js';
import { verifyReceipt } from '../../src/core/verify.js';
import { sha256 } from './helpers.js';

const DOC = readFileSync(join(__dirname, '../../docs/FORMAT.md'), 'utf8');
const example = DOC.slice(DOC.indexOf('## 12. Worked example'));

/** The example's inputs, as §12 states them. */
function rebuild() {
  const signer = signerFromSeed('notary.example.gov/test', new Uint8Array(32).fill(1));
  const docs = [
    ['Minutes, board meeting, 3 March\n', 'Lease, unit 7\n'],
    ['Deed of sale, lot 41\n', 'Deed of sale, lot 42\n', 'Survey plan, lot 42\n'],
  ];
  const times = ['2026-03-03T09:00:00Z', '2026-03-03T09:05:00Z'];
  const blocks: Block[] = [];
  const hashes: Uint8Array[] = [];
  const checkpoints: string[] = [];
  const batches = docs.map((texts, s) => {
    const batch = buildBatch(
      texts.map((t) => sha256(t)),
      texts.map((_, i) => sha256(`example salt ${s} ${i}`)),
    );
    blocks.push(nextBlock(blocks[s - 1], texts.length, batch.root, times[s]));
    hashes.push(blockHash(blocks[s]));
    const root = MerkleTree.fromLeafHashes(hashes).root();
    checkpoints.push(signNote(formatCheckpoint({ origin: signer.name, size: s + 1, root }), signer));
    return batch;
  });
  const history = MerkleTree.fromLeafHashes(hashes);
  const receipt = buildReceipt({
    digest: sha256('Deed of sale, lot 42\n'),
    salt: batches[1].salts.subarray(32, 64),
    index: 1,
    leafPath: batches[1].tree.inclusionProof(1),
    block: blocks[1],
    historySize: 2,
    historyPath: history.inclusionProof(1),
    checkpoint: checkpoints[1],
    name: 'deed-lot-42.txt',
    key: signer.text,
  });
  return { signer, blocks, checkpoints, receipt: formatReceipt(receipt) };
}

describe('docs/FORMAT.md worked example', () => {
  const printed = /```json\n([\s\S]*?)```/.exec(example)![1];
  const built = rebuild();

  it('the printed receipt is exactly what the core builds', () => {
    expect(printed).toBe(built.receipt);
  });

  it('the printed receipt verifies with the printed verifier key', () => {
    const vkey = /\n {4}(notary\.example\.gov\/test\+[0-9a-f]{8}\+\S+)\n/.exec(example)![1];
    expect(vkey).toBe(built.signer.text);
    const v = verifyReceipt(printed, sha256('Deed of sale, lot 42\n'), [parseVerifierKey(vkey)]);
    expect(v.ok).toBe(true);
  });

  it('block lines, checkpoint and chain line appear as printed', () => {
    for (const b of built.blocks) expect(example).toContain(`    ${blockLine(b)}\n`);
    expect(example).toContain(
      built.checkpoints[1]
        .split('\n')
        .map((l) => (l ? `    ${l}` : ''))
        .join('\n'),
    );
    expect(example).toContain(`    ${formatChainRecord({ ...built.blocks[0], checkpoint: built.checkpoints[0] })}\n`);
  });
});
