/**
 * The compact receipts of one sealed block, written straight into byte
 * buffers: a server's NDJSON replies (server/sequencer.ts) and the lines of
 * `stamp --json` (cli/output/stamp-lines.ts). A block holds up to a million
 * receipts of ~1.6–2.2 kB each; building a Receipt object and its strings
 * per document, then encoding them, was the largest cost of `notar serve`
 * after sealing (and most of its garbage), and most of `stamp --json`'s
 * receipt time.
 *
 * A receipt is its head (digest, name, salt, index: one string per receipt,
 * cut from hex made once per batch) and its path and tail (everything from
 * `,"path":` on). The path and tail are kept as bytes and carried from one
 * receipt to the next: consecutive leaves share all path entries but the
 * lowest few (level d changes every 2^d leaves), so only those are rewritten
 * in place, and the rest is one copy. Each receipt must be
 * JSON.stringify(receipt) exactly (the object ReceiptBuilder.forBatch builds,
 * FORMAT.md §7): the caller checks the first it writes (`matches`), and on
 * any difference makes every line with JSON.stringify instead.
 */
import { RECEIPT_FORMAT, type Receipt } from '../core/receipt.js';
import type { Batch } from '../core/batch.js';

const HEX = 64;
const TAIL_START = ',"block":{';
const HEAD = `{"format":${JSON.stringify(RECEIPT_FORMAT)},"document":{"sha256":"`;
const PATH_OPEN = ',"path":[';

/** A submission's receipts: `count` of them, from leaf `from` of its block. */
export interface SubmissionReceipts {
  readonly count: number;
  /** Receipt i of the submission (0-based), as an object. */
  receipt(i: number): Receipt;
  /** All of them as NDJSON (one compact receipt per line), in pieces. */
  ndjson(): Buffer[];
}

/** Where receipts are written: room(n) guarantees n free bytes at `off` in the buffer it returns. */
export interface LineSink {
  off: number;
  room(n: number): Buffer;
}

/** Two lowercase hex digits per byte value, as char codes (high byte first). */
const HEX_PAIRS = (() => {
  const t = new Uint16Array(256);
  const digits = '0123456789abcdef';
  for (let b = 0; b < 256; b++) t[b] = (digits.charCodeAt(b >> 4) << 8) | digits.charCodeAt(b & 15);
  return t;
})();

export class BlockReceipts {
  private readonly digests: string;
  private readonly salts: string;
  private readonly levels: Uint8Array[] = [];
  private readonly counts: number[] = [];
  /** `,"path":[…]}` + tail + end of the last receipt written; where each level's entry sits in it (-1: none), and its node. */
  private pathTail = Buffer.alloc(0);
  private readonly entryAt: number[] = [];
  private readonly sibling: number[] = [];
  private tail?: Buffer;
  private fast = true;

  /** `end` follows each receipt: '\n' for the server's NDJSON, '}\n' inside stamp's lines. */
  constructor(
    private readonly receipt: (index: number) => Receipt,
    batch: Batch,
    private readonly names: readonly (string | undefined)[],
    private readonly end = '\n',
  ) {
    this.digests = hex(batch.digests);
    this.salts = hex(batch.salts);
    // Level d's node k covers leaves [k·2^d, min((k+1)·2^d, n)): the tree's stored node (a carried-up last node too).
    for (let d = 0, count = batch.count; count > 1; d++, count = Math.ceil(count / 2)) {
      this.levels.push(batch.tree.level(d));
      this.counts.push(count);
    }
  }

  /** The receipts of leaves [from, from + count). */
  forSubmission(from: number, count: number): SubmissionReceipts {
    return { count, receipt: (i) => this.receipt(from + i), ndjson: () => this.lines(from, count) };
  }

  /** Whether write(index) gives JSON.stringify(receipt(index)) + end, byte for byte; if not, never use write. */
  matches(index: number): boolean {
    if (!this.fast) return false;
    const first = JSON.stringify(this.receipt(index)) + this.end;
    this.tail ??= Buffer.from(first.slice(first.indexOf(TAIL_START)), 'utf8');
    const sink = new Pieces();
    this.write(index, sink);
    this.fast = sink.equals(first);
    return this.fast;
  }

  /** Receipt `index` as an object (what write() must match). */
  receiptAt(index: number): Receipt {
    return this.receipt(index);
  }

  /** Document `index`'s digest in hex (stamp's line heads). */
  digestHex(index: number): string {
    return this.digests.slice(index * HEX, index * HEX + HEX);
  }

  private lines(from: number, count: number): Buffer[] {
    if (this.matches(from)) {
      const sink = new Pieces();
      for (let i = from; i < from + count; i++) this.write(i, sink);
      return sink.done();
    }
    const out: Buffer[] = [];
    for (let i = from; i < from + count; i++) out.push(Buffer.from(JSON.stringify(this.receipt(i)) + '\n', 'utf8'));
    return out;
  }

  /** `before`, then receipt `index` as compact JSON, then `end`; only after matches() said yes. */
  write(index: number, sink: LineSink, before = ''): void {
    const name = this.names[index];
    const head =
      before +
      HEAD +
      this.digests.slice(index * HEX, index * HEX + HEX) +
      (name === undefined ? '"}' : `","name":${JSON.stringify(name)}}`) +
      ',"leaf":{"salt":"' +
      this.salts.slice(index * HEX, index * HEX + HEX) +
      '","index":' +
      index;
    const rest = this.pathAndTail(index);
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const buf = sink.room(3 * head.length + rest.length);
    let off = sink.off;
    off += buf.write(head, off, 'utf8');
    buf.set(rest, off);
    sink.off = off + rest.length;
  }

  /**
   * `,"path":[…]}` + tail for leaf `index` (RFC 9162 §2.1.3.1 path, leaf to
   * root: the sibling at each level where there is one). Entries whose node
   * changed since the last call are rewritten in place; a path with entries
   * at other levels (near the right edge of the tree) is laid out again.
   */
  private pathAndTail(index: number): Buffer {
    const depth = this.levels.length;
    let same = this.pathTail.length > 0;
    for (let d = 0, i = index; same && d < depth; d++, i >>= 1)
      same = this.entryAt[d] >= 0 === (i ^ 1) < this.counts[d];
    if (!same) this.layOut(index);
    for (let d = 0, i = index; d < depth; d++, i >>= 1) {
      const s = i ^ 1;
      if (this.entryAt[d] < 0 || this.sibling[d] === s) continue;
      putHex(this.levels[d], s * 32, this.pathTail, this.entryAt[d]);
      this.sibling[d] = s;
    }
    return this.pathTail;
  }

  /** A path with a placeholder entry at each level that has a sibling for leaf `index`, then the tail. */
  private layOut(index: number): void {
    let text = PATH_OPEN;
    for (let d = 0, i = index; d < this.levels.length; d++, i >>= 1) {
      const has = (i ^ 1) < this.counts[d];
      if (has) text += (text === PATH_OPEN ? '"' : ',"') + ' '.repeat(HEX) + '"';
      this.entryAt[d] = has ? text.length - 1 - HEX : -1;
      this.sibling[d] = -1;
    }
    this.pathTail = Buffer.concat([Buffer.from(text + ']}', 'latin1'), this.tail!]);
  }
}

/** The 32 bytes at src[from] as 64 lowercase hex digits at out[at]. */
function putHex(src: Uint8Array, from: number, out: Uint8Array, at: number): void {
  for (let j = 0; j < 32; j++) {
    const pair = HEX_PAIRS[src[from + j]];
    out[at + 2 * j] = pair >> 8;
    out[at + 2 * j + 1] = pair & 0xff;
  }
}

/** Lowercase hex of many bytes (one native encoding per batch). */
function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** 1 MiB buffers filled in turn, kept. */
export class Pieces implements LineSink {
  private readonly pieces: Buffer[] = [];
  private buf = Buffer.allocUnsafe(1 << 20);
  off = 0;

  room(n: number): Buffer {
    if (this.off + n > this.buf.length) {
      if (this.off > 0) this.pieces.push(this.buf.subarray(0, this.off));
      this.buf = Buffer.allocUnsafe(Math.max(1 << 20, n));
      this.off = 0;
    }
    return this.buf;
  }

  /** Whether everything written so far is `text` (UTF-8). */
  equals(text: string): boolean {
    return Buffer.concat([...this.pieces, this.buf.subarray(0, this.off)]).equals(Buffer.from(text, 'utf8'));
  }

  done(): Buffer[] {
    if (this.off > 0) this.pieces.push(this.buf.subarray(0, this.off));
    return this.pieces;
  }
}
