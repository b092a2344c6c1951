/**
 * The chain file (`chain.jsonl`, FORMAT.md §6): append-only JSON Lines.
 * Reading never trusts a last line without its newline: that is a torn
 * write from a crash, reported separately and never read as a block.
 */
import { blockHash } from '../core/block.js';
import { ChainRecord, parseChainRecord } from '../core/chain.js';
import { nobleCrypto, type Crypto } from '../core/crypto.js';
import { fromUtf8 } from '../core/bytes.js';
import { NotarError } from '../core/errors.js';
import { HASH_SIZE } from '../core/merkle.js';
import { readRegularFile } from './capped-read.js';

export interface ChainState {
  readonly records: ChainRecord[];
  /** Block hashes (history tree leaf hashes), packed 32 bytes each. */
  readonly blockHashes: Uint8Array;
  /** Bytes after the last newline (an interrupted append), if any. */
  readonly tornTail?: { readonly offset: number; readonly length: number; readonly text: string };
}

/**
 * What an unterminated last line is. A crash during an append leaves a
 * prefix of one canonical line (FORMAT.md §6), which can close its JSON
 * object only at its very end: so a tail holding a closed object is either
 * the whole next block missing just its newline ('complete'), or a sealed
 * line damaged after the fact ('damaged', e.g. its newline overwritten),
 * never a torn write. Only 'torn' may be thrown away.
 */
export type TailKind = 'torn' | 'complete' | 'damaged';

export function classifyTail(tail: Uint8Array, nextSeq: number): TailKind {
  const close = objectEnd(tail);
  if (close < 0) return 'torn';
  if (close !== tail.length - 1) return 'damaged';
  try {
    const rec = parseChainRecord(fromUtf8(tail, 'chain line'));
    return rec.seq === nextSeq ? 'complete' : 'damaged';
  } catch {
    return 'damaged';
  }
}

/** Index of the byte that closes the first top-level JSON object, or -1. */
function objectEnd(bytes: Uint8Array): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b) depth++;
    else if (c === 0x7d && --depth <= 0) return i;
  }
  return -1;
}

/** Number of complete (newline-terminated) lines in the first `end` bytes. */
export function countLines(data: Uint8Array, end: number = data.length): number {
  let n = 0;
  for (let i = 0; i < end; i++) if (data[i] === 0x0a) n++;
  return n;
}

export function readChainBytes(file: string): Buffer {
  try {
    return readRegularFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
    throw e;
  }
}

/**
 * Splits and parses the chain. With `strict` (the default), a malformed line
 * or broken sequence throws CHAIN_INVALID naming the line; `chain verify` uses
 * its own walk to report every fault kind.
 */
export function parseChain(data: Buffer, file: string, c: Crypto = nobleCrypto): ChainState {
  const end = data.lastIndexOf(0x0a) + 1;
  const tornTail =
    end < data.length
      ? { offset: end, length: data.length - end, text: data.subarray(end).toString('utf8') }
      : undefined;
  const records: ChainRecord[] = [];
  const hashes: Uint8Array[] = [];
  let start = 0;
  while (start < end) {
    const nl = data.indexOf(0x0a, start);
    const line = data.subarray(start, nl).toString('utf8');
    let rec: ChainRecord;
    try {
      rec = parseChainRecord(line);
    } catch (e) {
      throw new NotarError(
        'CHAIN_INVALID',
        `${file}: line ${records.length + 1} is not a valid block (${(e as Error).message})`,
        {
          hint: 'run `notar chain verify` for a full report; restore the chain from a backup',
        },
      );
    }
    if (rec.seq !== records.length)
      throw new NotarError('CHAIN_INVALID', `${file}: line ${records.length + 1} has seq ${rec.seq}`, {
        hint: 'run `notar chain verify`',
      });
    records.push(rec);
    hashes.push(blockHash(rec, c));
    start = nl + 1;
  }
  const blockHashes = new Uint8Array(hashes.length * HASH_SIZE);
  hashes.forEach((h, i) => blockHashes.set(h, i * HASH_SIZE));
  return { records, blockHashes, tornTail };
}
