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
import { nodeSha256 } from '../node/crypto.js';

const CHUNK = 1 << 20;
let buffer: Buffer | undefined;

export function displayName(file: string | Buffer): string {
  return typeof file === 'string' ? file : file.toString('utf8');
}

/** SHA-256 of a regular file (or `-` for stdin). Rejects directories and special files. */
export function digestFile(file: string | Buffer): Uint8Array {
  if (file === '-') return digestFd(0, '-', true);
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
    return digestFd(fd, displayName(file), false);
  } finally {
    fs.closeSync(fd);
  }
}

function digestFd(fd: number, name: string, stream: boolean): Uint8Array {
  buffer ??= Buffer.allocUnsafe(CHUNK);
  let n: number;
  try {
    n = readFull(fd, buffer, stream);
    // The common small-file case: the whole file fits, hash it in one call.
    if (n < CHUNK) return nodeSha256(buffer.subarray(0, n));
    const h = crypto.createHash('sha256');
    h.update(buffer.subarray(0, n));
    while ((n = readFull(fd, buffer, stream)) > 0) h.update(buffer.subarray(0, n));
    return h.digest();
  } catch (e) {
    if (e instanceof NotarError) throw e;
    throw inputError(e, name);
  }
}

/** Fills `buf` as far as the file allows; short only at end of file. */
function readFull(fd: number, buf: Buffer, stream: boolean): number {
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
  }
  return total;
}

/** stdin may be a non-blocking pipe: wait a moment instead of spinning hot. */
function waitReadable(): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
}
