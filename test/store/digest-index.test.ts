// The digest index (src/store/digest-index.ts, docs/store.md): written by each
// seal, used by findDocument (`notar prove`) for the blocks it covers, never
// trusted without the leaves file agreeing, and rebuilt for a store without one.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { leavesFile } from '../../src/store/paths.js';
import { digestOf, docBatch, newStore, type Fixture } from './fixtures.js';

const indexDir = (f: Fixture) => path.join(f.dir, 'index');
const covered = (f: Fixture) => fs.readFileSync(path.join(indexDir(f), 'covered'), 'utf8').trim();
const bucket = (f: Fixture, text: string) => path.join(indexDir(f), `${digestOf(text)[0].toString(16).padStart(2, '0')}.bin`);
const where = (f: Fixture, text: string) => f.store.findDocument(digestOf(text)).map(({ seq, index }) => [seq, index]);

async function threeBlocks(): Promise<Fixture> {
  const f = newStore();
  for (const docs of [['a', 'b'], ['c', 'a'], ['d', 'e', 'f']]) await f.store.seal(docBatch(docs), f.signer);
  return f;
}

describe('digest index', () => {
  it('covers every sealed block and answers for them without scanning their leaves', async () => {
    const f = await threeBlocks();
    expect(covered(f)).toBe('3');
    expect(where(f, 'a')).toEqual([
      [0, 0],
      [1, 1],
    ]);
    // Block 0's leaves are damaged: a scan would stop there; the index goes straight to block 2.
    fs.writeFileSync(leavesFile(f.store.paths, 0), 'not a leaves file');
    expect(where(f, 'e')).toEqual([[2, 1]]);
  });

  it('is checked against the leaves: a record pointing elsewhere is ignored', async () => {
    const f = await threeBlocks();
    const file = bucket(f, 'e');
    const entry = Buffer.alloc(44);
    entry.set(digestOf('e'), 0);
    entry.writeUInt32BE(1, 36); // block 1, index 0: that is 'c'
    fs.appendFileSync(file, entry);
    expect(where(f, 'e')).toEqual([[2, 1]]);
  });

  it('a store without an index (older notar) is scanned, and the next seal indexes every block', async () => {
    const f = await threeBlocks();
    fs.rmSync(indexDir(f), { recursive: true });
    expect(where(f, 'a')).toEqual([
      [0, 0],
      [1, 1],
    ]);
    await f.store.seal(docBatch(['g']), f.signer);
    expect(covered(f)).toBe('4');
    fs.writeFileSync(leavesFile(f.store.paths, 0), 'not a leaves file');
    expect(where(f, 'd')).toEqual([[2, 0]]);
    expect(where(f, 'g')).toEqual([[3, 0]]);
  });

  it('a torn record left by a crash is cut off before the next append', async () => {
    const f = await threeBlocks();
    const file = bucket(f, 'h');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.appendFileSync(file, Buffer.alloc(13, 0xee));
    await f.store.seal(docBatch(['h']), f.signer);
    expect(fs.statSync(file).size % 44).toBe(0);
    expect(where(f, 'h')).toEqual([[3, 0]]);
  });

  it('a document never stamped is looked for in every block (a lost index cannot hide one)', async () => {
    const f = await threeBlocks();
    fs.rmSync(bucket(f, 'c'));
    expect(where(f, 'c')).toEqual([[1, 0]]);
    expect(where(f, 'never')).toEqual([]);
  });
});
