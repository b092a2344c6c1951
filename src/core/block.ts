/**
 * Blocks (FORMAT.md §4): one per batch, linked by `prev` and by the history
 * tree, whose leaves are the canonical block lines.
 */
import { fromHex, toHex, utf8 } from './bytes.js';
import { formatError } from './errors.js';
import { nobleCrypto, type Crypto } from './crypto.js';
import { leafHash } from './merkle.js';

export interface Block {
  readonly seq: number;
  /** Sealing time, UTC, `YYYY-MM-DDTHH:MM:SSZ`. */
  readonly time: string;
  readonly size: number;
  /** Batch root, lowercase hex. */
  readonly root: string;
  /** Block hash of block seq-1, lowercase hex; 64 zeros for block 0. */
  readonly prev: string;
}

export const ZERO_HASH_HEX = '0'.repeat(64);
const TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const HEX64 = /^[0-9a-f]{64}$/;

/** RFC 3339 UTC to whole seconds, and a real calendar date. */
export function isValidTime(time: unknown): time is string {
  if (typeof time !== 'string' || !TIME_RE.test(time)) return false;
  // Calendar arithmetic, not Date: the first Date.parse of a process costs
  // about a millisecond, and `prove` checks every block's time.
  const n = (start: number, end: number) => Number(time.slice(start, end));
  const year = n(0, 4);
  const month = n(5, 7);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  const day = n(8, 10);
  return month >= 1 && month <= 12 && day >= 1 && day <= days && n(11, 13) < 24 && n(14, 16) < 60 && n(17, 19) < 60;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function formatTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Throws FORMAT unless every field is in range (FORMAT.md §4). */
export function checkBlock(b: Block): Block {
  if (!Number.isSafeInteger(b.seq) || b.seq < 0) throw formatError('block seq must be a whole number >= 0');
  if (!isValidTime(b.time)) throw formatError('block time must be UTC YYYY-MM-DDTHH:MM:SSZ');
  if (!Number.isSafeInteger(b.size) || b.size < 1) throw formatError('block size must be a whole number >= 1');
  if (typeof b.root !== 'string' || !HEX64.test(b.root))
    throw formatError('block root must be 64 lowercase hex digits');
  if (typeof b.prev !== 'string' || !HEX64.test(b.prev))
    throw formatError('block prev must be 64 lowercase hex digits');
  if (b.seq === 0 && b.prev !== ZERO_HASH_HEX) throw formatError('block 0 must have prev of 64 zeros');
  return b;
}

export function blockLine(b: Block): string {
  checkBlock(b);
  return `notar-block/1 ${b.seq} ${b.time} ${b.size} ${b.root} ${b.prev}`;
}

export function parseBlockLine(line: string): Block {
  if (typeof line !== 'string') throw formatError('block line is not text');
  const parts = line.split(' ');
  if (parts.length !== 6 || parts[0] !== 'notar-block/1') throw formatError('not a notar-block/1 line');
  const num = (s: string) => (/^(0|[1-9][0-9]{0,15})$/.test(s) ? Number(s) : NaN);
  const block = checkBlock({ seq: num(parts[1]), time: parts[2], size: num(parts[3]), root: parts[4], prev: parts[5] });
  if (blockLine(block) !== line) throw formatError('block line is not canonical');
  return block;
}

/** Block hash B = SHA-256(0x00 || line): the history tree's leaf hash. */
export function blockHash(b: Block, c: Crypto = nobleCrypto): Uint8Array {
  return leafHash(utf8(blockLine(b)), c);
}

export function blockHashHex(b: Block, c: Crypto = nobleCrypto): string {
  return toHex(blockHash(b, c));
}

/** The next block after `prev` (or block 0), sealed now. */
export function nextBlock(
  prev: Block | undefined,
  size: number,
  root: Uint8Array,
  time: string,
  c: Crypto = nobleCrypto,
): Block {
  return checkBlock({
    seq: prev ? prev.seq + 1 : 0,
    time,
    size,
    root: toHex(root),
    prev: prev ? blockHashHex(prev, c) : ZERO_HASH_HEX,
  });
}

export function blockRoot(b: Block): Uint8Array {
  return fromHex(b.root, 'block root', 32);
}
