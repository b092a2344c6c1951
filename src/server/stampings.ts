/**
 * Which clerk stamped which documents (`stampings.jsonl` in the store), one
 * line per block sealed by `notar serve`:
 *
 *   {"seq":7,"root":"<batch root hex>","stampings":[{"clerk":"alice","from":0,"count":2},…]}
 *
 * (leaf index ranges). The line is appended and fsynced under the store's
 * lock just before the block is signed (Store.seal's beforeSign), so a
 * sealed block never lacks its attribution, whatever instant the server is
 * killed at. A seal that fails or is killed after the line leaves a line
 * whose root is not block `seq`'s (the next block at that seq has other
 * salts, so another root): it attributes nothing, and readers match on
 * (seq, root) — readStampings.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { toHex } from '../core/bytes.js';
import type { ChainState } from '../store/chainfile.js';
import { readTextIfPresent } from '../store/capped-read.js';
import { appendDurable } from '../store/durable.js';

export interface ClerkRange {
  readonly clerk: string;
  readonly from: number;
  readonly count: number;
}

export function stampingsFile(storeDir: string): string {
  return path.join(storeDir, 'stampings.jsonl');
}

/** Appends (one fsync) the attribution of block `seq` with batch root `root`. */
export function recordStampings(storeDir: string, seq: number, root: Uint8Array, ranges: ClerkRange[]): void {
  const file = stampingsFile(storeDir);
  // A line torn by a crash is closed first, so it never swallows this one.
  appendDurable(
    file,
    (endsTorn(file) ? '\n' : '') + JSON.stringify({ seq, root: toHex(root), stampings: ranges }) + '\n',
  );
}

/**
 * Block seq → its clerks' ranges, for the blocks of `state` only: lines of
 * seals that never completed (another root at that seq), torn or damaged
 * lines are skipped. The last matching line for a block wins (there is one).
 */
export function readStampings(storeDir: string, state: ChainState): Map<number, ClerkRange[]> {
  const out = new Map<number, ClerkRange[]>();
  const text = readTextIfPresent(stampingsFile(storeDir));
  if (text === undefined) return out;
  for (const line of text.split('\n')) {
    let o: { seq?: unknown; root?: unknown; stampings?: unknown };
    try {
      o = JSON.parse(line) as typeof o;
    } catch {
      continue;
    }
    const rec = typeof o.seq === 'number' ? state.records[o.seq] : undefined;
    if (rec && o.root === rec.root && Array.isArray(o.stampings)) out.set(rec.seq, o.stampings as ClerkRange[]);
  }
  return out;
}

function endsTorn(file: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return false;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const last = Buffer.alloc(1);
    return size > 0 && fs.readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 0x0a;
  } finally {
    fs.closeSync(fd);
  }
}
