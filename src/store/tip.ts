/**
 * The tip record (`tip.json`): what this store's key signed last, kept so
 * that sealing can establish cheaply that the chain it is about to extend is
 * exactly that (issue 10, item 1), and tell an interrupted write of its own
 * from bytes someone else put there (item 6).
 *
 *   {"format":"notar-tip/1","size":n,"length":L,"sha256":"<hex>",["pending":"<line>",]"mac":"<hex>"}
 *
 * `size` complete block lines take the first `length` bytes of chain.jsonl,
 * whose SHA-256 is `sha256`. `pending` is the line of block `size` while it is
 * being appended: written before the append, replaced by the record without
 * it afterwards. Anyone who can write the store directory can write this
 * file, so it is authenticated: `mac` is HMAC-SHA-256 under a key derived
 * from the signing seed, which only a holder of the key (the one about to
 * sign) can compute. A tip that does not authenticate is treated as absent.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { MAX_NOTE_BYTES } from '../core/note.js';
import { writeFileAtomic } from './durable.js';

export const TIP_FORMAT = 'notar-tip/1';
/** A pending line is at most a chain line (a checkpoint note plus block fields). */
const MAX_TIP_BYTES = MAX_NOTE_BYTES + 8192;

export interface Tip {
  readonly size: number;
  readonly length: number;
  readonly sha256: string;
  readonly pending?: string;
}

/** The MAC key: HMAC-SHA-256(seed, label), so the seed itself is never used twice. */
function macKey(seed: Uint8Array): Buffer {
  return crypto.createHmac('sha256', seed).update('notar-tip/1 mac key').digest();
}

function macOf(tip: Tip, origin: string, seed: Uint8Array): string {
  const fields = JSON.stringify([TIP_FORMAT, origin, tip.size, tip.length, tip.sha256, tip.pending ?? null]);
  return crypto.createHmac('sha256', macKey(seed)).update(fields).digest('hex');
}

export function sha256Hex(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

export function formatTip(tip: Tip, origin: string, seed: Uint8Array): string {
  const body = {
    format: TIP_FORMAT,
    size: tip.size,
    length: tip.length,
    sha256: tip.sha256,
    ...(tip.pending === undefined ? {} : { pending: tip.pending }),
  };
  return JSON.stringify({ ...body, mac: macOf(tip, origin, seed) }) + '\n';
}

/**
 * Written without fsync: a tip lost in a power failure is an older tip, and
 * an older tip only makes the next seal check more lines (never refuse).
 */
export function writeTip(file: string, tip: Tip, origin: string, seed: Uint8Array): void {
  writeFileAtomic(file, formatTip(tip, origin, seed), { durable: false });
}

/** 'absent': no tip file; 'invalid': one that does not parse or authenticate (another key, damage, forgery). */
export function readTip(file: string, origin: string, seed: Uint8Array): Tip | 'absent' | 'invalid' {
  let text: string;
  try {
    text = readCapped(file, MAX_TIP_BYTES);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    return 'invalid';
  }
  try {
    const o = JSON.parse(text) as Record<string, unknown>;
    const okInt = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
    if (
      o.format !== TIP_FORMAT ||
      !okInt(o.size) ||
      !okInt(o.length) ||
      typeof o.sha256 !== 'string' ||
      typeof o.mac !== 'string'
    )
      return 'invalid';
    if (o.pending !== undefined && typeof o.pending !== 'string') return 'invalid';
    const tip: Tip = {
      size: o.size as number,
      length: o.length as number,
      sha256: o.sha256,
      ...(o.pending === undefined ? {} : { pending: o.pending as string }),
    };
    const want = Buffer.from(macOf(tip, origin, seed), 'hex');
    const got = Buffer.from(o.mac, 'hex');
    return got.length === want.length && crypto.timingSafeEqual(got, want) ? tip : 'invalid';
  } catch {
    return 'invalid';
  }
}

/** Reads at most `cap` bytes (a FIFO or /dev/zero planted as tip.json must not hang or grow). */
function readCapped(file: string, cap: number): string {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    if (!fs.fstatSync(fd).isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EINVAL' });
    const buf = Buffer.alloc(cap + 1);
    let n = 0;
    for (let r; n < buf.length && (r = fs.readSync(fd, buf, n, buf.length - n, null)) > 0;) n += r;
    if (n > cap) throw Object.assign(new Error('too large'), { code: 'EFBIG' });
    return buf.subarray(0, n).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}
