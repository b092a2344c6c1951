/**
 * Document digests for the CLI (FORMAT.md §1) with node:crypto. One
 * synchronous read loop through a reused 1 MiB buffer serves every size:
 * small files cost one open/fstat/read/close (Node streams are 15–25× slower
 * on 1 KiB files), large ones stream with flat memory.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { NotarError } from '../core/errors.js';
import { inputError } from './common.js';

const CHUNK = 1 << 20;
let buffer: Buffer | undefined;

/**
 * How a digest is returned: raw bytes, hex (`notar hash`), or latin1 (one
 * char per byte: a cheap V8 string, copied into a packed digest array by
 * digestFileInto; a Buffer per file costs an off-heap allocation).
 */
type Encoding = 'buffer' | 'hex' | 'latin1';
type Digest<E extends Encoding> = E extends 'buffer' ? Buffer : string;

const oneShot: (data: Uint8Array, enc: Encoding) => Buffer | string =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (data, enc) => (crypto as unknown as { hash(a: string, d: Uint8Array, e: Encoding): Buffer | string }).hash('sha256', data, enc)
    : (data, enc) => finish(crypto.createHash('sha256').update(data), enc);


function finish(h: crypto.Hash, enc: Encoding): Buffer | string {
  return enc === 'buffer' ? h.digest() : h.digest(enc as crypto.BinaryToTextEncoding);
}

export function displayName(file: string | Buffer): string {
  return typeof file === 'string' ? file : file.toString('utf8');
}

/** SHA-256 of a regular file (or `-` for stdin). Rejects directories and special files. */
export function digestFile(file: string | Buffer): Uint8Array {
  return digestAs(file, 'buffer');
}

/** digestFile in lowercase hex. */
export function digestFileHex(file: string | Buffer): string {
  return digestAs(file, 'hex');
}

/** digestFile written into out[offset .. offset + 32) (packed digests, no allocation per file). */
export function digestFileInto(file: string | Buffer, out: Uint8Array, offset: number): void {
  const s = digestAs(file, 'latin1');
  for (let i = 0; i < 32; i++) out[offset + i] = s.charCodeAt(i);
}

function digestAs<E extends Encoding>(file: string | Buffer, enc: E): Digest<E> {
  if (file === '-') return digestFd(0, '-', -1, enc) as Digest<E>;
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    throw inputError(e, displayName(file));
  }
  try {
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) throw new NotarError('IO', `cannot read ${displayName(file)}: is a directory, not a file`, { hint: 'to stamp a folder, list its files: find DIR -type f -print0 | notar stamp --files-from - -0' });
    if (!st.isFile()) throw new NotarError('IO', `cannot read ${displayName(file)}: not a regular file (device, pipe or socket)`, { hint: 'copy it to a regular file first, or pipe it to `notar stamp -`' });
    return digestFd(fd, file, st.size, enc) as Digest<E>;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Reads fd to its end and hashes it. `size` (-1: unknown, stdin) is only a
 * hint: a first read that returns exactly that many bytes of a small file is
 * taken as the whole file, saving the read that would return 0; any other
 * count reads on to the end as usual (files in /proc report size 0).
 */
function digestFd(fd: number, file: string | Buffer, size: number, enc: Encoding): Buffer | string {
  buffer ??= Buffer.allocUnsafe(CHUNK);
  const stream = size < 0;
  let n: number;
  try {
    n = readFull(fd, buffer, stream, size >= 0 && size < CHUNK ? size : -1);
    // The common small-file case: the whole file fits, hash it in one call.
    if (n < CHUNK) return oneShot(buffer.subarray(0, n), enc);
    const h = crypto.createHash('sha256');
    h.update(buffer.subarray(0, n));
    while ((n = readFull(fd, buffer, stream, -1)) > 0) h.update(buffer.subarray(0, n));
    return finish(h, enc);
  } catch (e) {
    if (e instanceof NotarError) throw e;
    throw inputError(e, file === '-' ? '-' : displayName(file));
  }
}

/** Fills `buf` as far as the file allows; short only at end of file (or at `expect` bytes). */
function readFull(fd: number, buf: Buffer, stream: boolean, expect: number): number {
  let total = 0;
  while (total < buf.length) {
    let n: number;
    try {
      n = fs.readSync(fd, buf, total, buf.length - total, null);
    } catch (e) {
      if (stream && (e as NodeJS.ErrnoException).code === 'EAGAIN') {
        waitReadable();
        continue;
      }
      if ((e as NodeJS.ErrnoException).code === 'EOF') return total;
      throw e;
    }
    if (n === 0) break;
    total += n;
    if (total === expect) break;
  }
  return total;
}

/** stdin may be a non-blocking pipe: wait a moment instead of spinning hot. */
function waitReadable(): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
}
