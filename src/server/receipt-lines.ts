/**
 * The NDJSON receipts of one sealed block, written straight into byte
 * buffers. A server block holds up to --max-docs receipts, each ~1.6 kB of
 * compact JSON; building a Receipt object and its strings per document, then
 * encoding them, was the largest cost of `notar serve` after sealing (and
 * most of its garbage). Here the per-batch parts are encoded once (the
 * digests, the salts and every batch tree level as ASCII hex, the shared tail
 * from block to the end), and each line is copied together from them.
 *
 * The lines must be JSON.stringify(receipt) exactly (the receipt object
 * ReceiptBuilder.forBatch builds, FORMAT.md §7): the first line of every
 * submission is compared with it, and on any difference every line is made
 * by JSON.stringify instead.
 */
import { RECEIPT_FORMAT, type Receipt } from '../core/receipt.js';
import type { Batch } from '../core/batch.js';

const HEX = 64;
const TAIL_START = ',"block":{';
const A = Buffer.from(`{"format":${JSON.stringify(RECEIPT_FORMAT)},"document":{"sha256":"`, 'latin1');
const NAME = Buffer.from('","name":', 'latin1');
const C_NAMED = Buffer.from('},"leaf":{"salt":"', 'latin1');
const C = Buffer.from('"},"leaf":{"salt":"', 'latin1');
const D = Buffer.from('","index":', 'latin1');
const E = Buffer.from(',"path":[', 'latin1');
const F = Buffer.from(']}', 'latin1');

/** A submission's receipts: `count` of them, from leaf `from` of its block. */
export interface SubmissionReceipts {
  readonly count: number;
  /** Receipt i of the submission (0-based), as an object. */
  receipt(i: number): Receipt;
  /** All of them as NDJSON (one compact receipt per line), in pieces. */
  ndjson(): Buffer[];
}

export class BlockReceipts {
  private readonly digests: Buffer;
  private readonly salts: Buffer;
  /** Each batch tree level as hex, and its node count. */
  private readonly levels: Buffer[] = [];
  private readonly counts: number[] = [];
  /** Paths share their upper part: from level `shared` up, one encoded suffix per node there. */
  private shared = 0;
  private suffixes = Buffer.alloc(0);
  private suffixAt = new Uint32Array(1);
  private tail?: Buffer;
  private fast = true;

  constructor(
    private readonly receipt: (index: number) => Receipt,
    batch: Batch,
    private readonly names: readonly (string | undefined)[],
  ) {
    this.digests = hexBytes(batch.digests);
    this.salts = hexBytes(batch.salts);
    const tree = batch.tree;
    for (let count = batch.count, width = 1; count > 1; count = Math.ceil(count / 2), width *= 2) {
      // Level d's node k covers leaves [k·2^d, min((k+1)·2^d, n)): the tree's stored node (a carried-up last node too).
      const level = new Uint8Array(count * 32);
      for (let k = 0; k < count; k++)
        level.set(tree.rangeHash(k * width, Math.min((k + 1) * width, batch.count)), k * 32);
      this.levels.push(hexBytes(level));
      this.counts.push(count);
    }
    this.encodeSuffixes();
  }

  /**
   * Leaves under one node of level s have the same path above s: it is
   * encoded once per node (`,"<hex>"` per sibling), from the lowest level
   * whose suffixes fit in 8 MiB, and copied whole into each line.
   */
  private encodeSuffixes(): void {
    const depth = this.levels.length;
    let s = Math.min(1, depth);
    while (s < depth && this.counts[s] * (depth - s) * (HEX + 3) > 8 << 20) s++;
    this.shared = s;
    if (s === depth) return;
    const nodes = this.counts[s];
    const out = Buffer.allocUnsafe(nodes * (depth - s) * (HEX + 3));
    const at = new Uint32Array(nodes + 1);
    let off = 0;
    for (let k = 0; k < nodes; k++) {
      at[k] = off;
      for (let d = s, i = k; d < depth; d++, i >>= 1) {
        const sibling = i ^ 1;
        if (sibling >= this.counts[d]) continue;
        out[off++] = 0x2c;
        out[off++] = 0x22;
        off += this.levels[d].copy(out, off, sibling * HEX, sibling * HEX + HEX);
        out[off++] = 0x22;
      }
    }
    at[nodes] = off;
    this.suffixes = out;
    this.suffixAt = at;
  }

  /** The receipts of leaves [from, from + count). */
  forSubmission(from: number, count: number): SubmissionReceipts {
    return { count, receipt: (i) => this.receipt(from + i), ndjson: () => this.lines(from, count) };
  }

  private lines(from: number, count: number): Buffer[] {
    const first = JSON.stringify(this.receipt(from));
    if (this.fast) {
      this.tail ??= Buffer.from(first.slice(first.indexOf(TAIL_START)) + '\n', 'utf8');
      const sink = new Pieces();
      this.line(from, sink);
      this.fast = sink.equals(first + '\n');
      if (this.fast) {
        for (let i = from + 1; i < from + count; i++) this.line(i, sink);
        return sink.done();
      }
    }
    const out: Buffer[] = [];
    for (let i = from; i < from + count; i++) out.push(Buffer.from(JSON.stringify(this.receipt(i)) + '\n', 'utf8'));
    return out;
  }

  private line(index: number, sink: Pieces): void {
    const name = this.names[index];
    const nameJson = name === undefined ? undefined : Buffer.from(JSON.stringify(name), 'utf8');
    const buf = sink.room(
      A.length + 2 * HEX + 64 + this.levels.length * (HEX + 3) + (nameJson?.length ?? 0) + this.tail!.length + 32,
    );
    let off = sink.off;
    off += A.copy(buf, off);
    off += this.digests.copy(buf, off, index * HEX, index * HEX + HEX);
    if (nameJson) {
      off += NAME.copy(buf, off);
      off += nameJson.copy(buf, off);
      off += C_NAMED.copy(buf, off);
    } else off += C.copy(buf, off);
    off += this.salts.copy(buf, off, index * HEX, index * HEX + HEX);
    off += D.copy(buf, off);
    off += buf.write(String(index), off, 'latin1');
    off += E.copy(buf, off);
    // RFC 9162 §2.1.3.1 path, leaf to root: the sibling at each level where there is one.
    let first = true;
    for (let d = 0, i = index; d < this.shared; d++, i >>= 1) {
      const sibling = i ^ 1;
      if (sibling >= this.counts[d]) continue;
      if (!first) buf[off++] = 0x2c;
      buf[off++] = 0x22;
      off += this.levels[d].copy(buf, off, sibling * HEX, sibling * HEX + HEX);
      buf[off++] = 0x22;
      first = false;
    }
    if (this.shared < this.levels.length) {
      const k = index >> this.shared;
      // The suffix's first comma is dropped when it starts the path.
      const start = this.suffixAt[k] + (first ? 1 : 0);
      if (this.suffixAt[k + 1] > this.suffixAt[k]) off += this.suffixes.copy(buf, off, start, this.suffixAt[k + 1]);
    }
    off += F.copy(buf, off);
    off += this.tail!.copy(buf, off);
    sink.off = off;
  }
}

/** Lowercase hex of `bytes` as ASCII bytes (one native encoding per batch). */
function hexBytes(bytes: Uint8Array): Buffer {
  return Buffer.from(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex'), 'latin1');
}

/** 1 MiB buffers filled in turn; room(n) guarantees n free bytes at `off`. */
class Pieces {
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
