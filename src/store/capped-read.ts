/**
 * Reading a file someone else supplied (a receipt, a key file, a passphrase
 * file, key.json, the store config) with its size cap applied WHILE reading:
 * at most cap + 1 bytes are ever read, so `/dev/zero`, a huge file or an
 * endless pipe costs cap bytes of memory and stops at once, with one typed
 * error naming the input and the cap.
 *
 * Files are opened O_NONBLOCK: a FIFO with no writer opens at once and reads
 * as empty (read(2) returns 0 when no writer exists) instead of hanging in
 * open(2). A pipe whose writer is slow (`<(cmd)`, stdin) is waited for.
 */
import * as fs from 'node:fs';
import { NotarError } from '../core/errors.js';

export class TooLargeError extends NotarError {
  constructor(
    readonly label: string,
    readonly cap: number,
    what = 'what was asked for',
  ) {
    super('FORMAT', `${label} is larger than ${formatBytes(cap)}, too large to be ${what}`);
  }
}

export function formatBytes(n: number): string {
  if (n >= 1 << 20 && n % (1 << 20) === 0) return `${n / (1 << 20)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

/**
 * The whole content of `file` (a path, or an open fd such as 0 for stdin),
 * refusing more than `cap` bytes with TooLargeError ("… too large to be `what`"). A directory is EISDIR;
 * other OS errors are thrown as they are, for the caller to word.
 */
export function readCapped(file: string | Buffer | number, cap: number, label: string, what?: string): Buffer {
  if (typeof file === 'number') return readFd(file, cap, label, what, -1);
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    // A regular file says its size: one too large is refused without reading it.
    if (st.isFile() && st.size > cap) throw new TooLargeError(label, cap, what);
    return readFd(fd, cap, label, what, st.isFile() ? st.size : -1);
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads fd to its end into a buffer that grows up to cap + 1 bytes, never further. */
function readFd(fd: number, cap: number, label: string, what: string | undefined, size: number): Buffer {
  let buf = Buffer.allocUnsafe(Math.min(cap + 1, size >= 0 ? size + 1 : 64 * 1024));
  let filled = 0;
  for (;;) {
    if (filled === buf.length) {
      if (filled > cap) throw new TooLargeError(label, cap, what);
      const bigger = Buffer.allocUnsafe(Math.min(cap + 1, buf.length * 2));
      buf.copy(bigger, 0, 0, filled);
      buf = bigger;
    }
    const n = readSome(fd, buf, filled);
    if (n === 0) break;
    filled += n;
  }
  if (filled > cap) throw new TooLargeError(label, cap, what);
  return buf.subarray(0, filled);
}

/** One read(2); 0 at the end; a non-blocking pipe with no data yet is waited for, not spun on. */
function readSome(fd: number, buf: Buffer, at: number): number {
  for (;;) {
    try {
      return fs.readSync(fd, buf, at, buf.length - at, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EOF') return 0;
      if (code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
    }
  }
}

/**
 * A small file of the store (config, key.pub, key.json, the lock) as text,
 * capped while reading: one that is larger than notar ever writes (or a
 * device or FIFO put in its place) is damage, not something to read on.
 * The message leaves the file for the caller to name.
 */
export function readStoreText(file: string, cap: number): string {
  try {
    return readCapped(file, cap, 'the file').toString('utf8');
  } catch (e) {
    if (e instanceof TooLargeError)
      throw new NotarError(
        'STORE',
        `larger than ${formatBytes(cap)}, so not a file notar wrote (the store is damaged)`,
        { hint: 'restore the store from a backup' },
      );
    throw e;
  }
}

/** A store file that may not exist yet (a journal, a log of records) as UTF-8 text; undefined if absent. */
export function readTextIfPresent(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * A store file that may be large (chain.jsonl, leaves/<seq>.bin): only a
 * regular file is read, and only as many bytes as it held when opened (an
 * append meanwhile is left for the next reader). A FIFO or device put in its
 * place is refused (an error for the caller to word), never read.
 */
export function readRegularFile(file: string): Buffer {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (!st.isFile())
      throw Object.assign(new Error('not a regular file (a device, FIFO or socket is in its place)'), {
        code: 'ENOTREG',
      });
    const buf = Buffer.allocUnsafe(st.size);
    let filled = 0;
    while (filled < st.size) {
      const n = fs.readSync(fd, buf, filled, st.size - filled, null);
      if (n === 0) break;
      filled += n;
    }
    return buf.subarray(0, filled);
  } finally {
    fs.closeSync(fd);
  }
}
