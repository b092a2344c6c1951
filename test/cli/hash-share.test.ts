// hash-share.ts: the main thread may pause inside a chunk (to let signals and the progress
// line in, issue 10 item 8) and resume it; every file is still hashed exactly once.
import { describe, expect, it } from 'vitest';
import { claimChunks, claimedFiles, CHUNK_FILES, FAILED, newControl, type HashJob } from '../../src/cli/hashing/hash-share.js';

function job(count: number): HashJob {
  return { paths: Array.from({ length: count }, (_, i) => `f${i}`), digests: new SharedArrayBuffer(count * 32), control: newControl(count) };
}

describe('claimChunks with pauses', () => {
  it('pausing every few files, then resuming with the same claim, hashes each file once, in chunks', () => {
    const count = 3 * CHUNK_FILES + 17;
    const j = job(count);
    const seen = new Array<number>(count).fill(0);
    let calls = 0;
    const claim = { next: 0, end: 0 };
    let pauses = 0;
    while (claimChunks(j, (i) => void seen[i]++, () => ++calls % 7 === 0, claim)) pauses++;
    expect(seen.every((n) => n === 1)).toBe(true);
    expect(pauses).toBeGreaterThan(count / 7 - 2);
    expect(claimedFiles(j)).toBe(count);
  });

  it('a failing file is recorded and ends the claiming, paused or not', () => {
    const j = job(600);
    const claim = { next: 0, end: 0 };
    let calls = 0;
    const hash = (i: number) => {
      if (i === 300) throw new Error('unreadable');
    };
    while (claimChunks(j, hash, () => ++calls % 50 === 0, claim));
    expect(new Int32Array(j.control)[FAILED]).toBe(300);
  });
});
