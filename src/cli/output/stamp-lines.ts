/**
 * `stamp --json`'s NDJSON lines for a batch sealed here, straight into the
 * output buffer: each line is JSON.stringify({document, sha256, seq, index,
 * time, receipt}) (stamp.ts ndjson()), a short head before the receipt that
 * BlockReceipts writes (store/receipt-lines.ts). For 100,000 documents this
 * took the receipts from ~240 ms to ~130 ms. The first line is compared with
 * stampLine(); if it ever differs, stamp makes every line the slow way.
 */
import type { Receipt } from '../../core/receipt.js';
import { Pieces, type BlockReceipts, type LineSink } from '../../store/receipt-lines.js';

/** The NDJSON line of receipt `r` for the document shown as `display`, by definition. */
export function stampLine(display: string, r: Receipt): string {
  const { sha256 } = r.document;
  return (
    JSON.stringify({
      document: display,
      sha256,
      seq: r.block.seq,
      index: r.leaf.index,
      time: r.block.time,
      receipt: r,
    }) + '\n'
  );
}

export class StampLines {
  /** What follows the digest (up to the index), and the index (up to the receipt). */
  private readonly seq: string;
  private readonly time: string;

  /** `receipts` must end each receipt with '}\n' (closing the line's object). */
  constructor(
    private readonly receipts: BlockReceipts,
    seq: number,
    time: string,
  ) {
    this.seq = `","seq":${seq},"index":`;
    this.time = `,"time":${JSON.stringify(time)},"receipt":`;
  }

  /** Whether line `index` comes out as `expected` (stampLine of its receipt). */
  matches(index: number, display: string, expected: string): boolean {
    if (!this.receipts.matches(index)) return false;
    const sink = new Pieces();
    this.write(index, display, sink);
    return sink.equals(expected);
  }

  write(index: number, display: string, sink: LineSink): void {
    const head = `{"document":${JSON.stringify(display)},"sha256":"${this.receipts.digestHex(index)}${this.seq}${index}${this.time}`;
    this.receipts.write(index, sink, head);
  }
}
