/**
 * Output assembled in one reused buffer and written with write(2) when full.
 * NDJSON for a million receipts is ~2 GB: building it as strings and then
 * converting them to bytes (the shared checkpoint holds a '—', so every line
 * became a two-byte string) cost more than all the rest of `stamp --json`.
 * Strings are encoded straight into the buffer; fixed parts are copied in as
 * bytes. Writes are synchronous, so output order with process.stdout is kept
 * as long as nothing is pending there (stamp writes nothing to stdout first).
 */
import * as fs from 'node:fs';
import type { LineSink } from '../../store/receipt-lines.js';
import { waitBriefly } from '../reading.js';

export class ByteSink implements LineSink {
  private buf: Buffer;
  /** Bytes of buf filled so far (room() callers write at off and move it). */
  off = 0;

  constructor(
    private readonly fd: number,
    size = 1 << 20,
  ) {
    this.buf = Buffer.allocUnsafe(size);
  }

  text(s: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit (4 per surrogate pair).
    if (this.off + 3 * s.length > this.buf.length) {
      this.flush();
      if (3 * s.length > this.buf.length) return writeAll(this.fd, Buffer.from(s, 'utf8'));
    }
    this.off += this.buf.write(s, this.off);
  }

  bytes(b: Uint8Array): void {
    if (this.off + b.length > this.buf.length) {
      this.flush();
      if (b.length > this.buf.length) return writeAll(this.fd, b);
    }
    this.buf.set(b, this.off);
    this.off += b.length;
  }

  /** The buffer, with n free bytes at off (flushed first if need be; grown for a line over its size). */
  room(n: number): Buffer {
    if (this.off + n > this.buf.length) {
      this.flush();
      if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
    }
    return this.buf;
  }

  flush(): void {
    if (this.off === 0) return;
    writeAll(this.fd, this.buf.subarray(0, this.off));
    this.off = 0;
  }
}

/** write(2) until all is written; a non-blocking stdout (EAGAIN) is waited for, not spun on. */
function writeAll(fd: number, data: Uint8Array): void {
  for (let at = 0; at < data.length;) {
    try {
      at += fs.writeSync(fd, data, at, data.length - at);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      waitBriefly();
    }
  }
}
