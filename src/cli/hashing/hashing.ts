/**
 * Document digests for the CLI (FORMAT.md §1) with node:crypto. One
 * synchronous read loop through a reused 1 MiB buffer serves every size:
 * small files cost one open/fstat/read/close (Node streams are 15–25× slower
 * on 1 KiB files), large ones stream with flat memory.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { NotarError } from '../../core/errors.js';
import { inputError, readSome } from '../reading.js';
import { stdinChunks } from '../stdin-reader.js';

const CHUNK = 1 << 20;
let buffer: Buffer | undefined;

/** Bytes hashed by this thread so far: what `stamp`'s progress line counts (progress.ts). */
export const hashedBytes = { total: 0 };

/**
 * How a digest is returned: raw bytes, hex (`notar hash`), or latin1 (one
 * char per byte: a cheap V8 string, copied into a packed digest array by
 * digestFileInto; a Buffer per file costs an off-heap allocation).
 */
type Encoding = 'buffer' | 'hex' | 'latin1';
type Digest<E extends Encoding> = E extends 'buffer' ? Buffer : string;

/** SHA-256 of bytes in one call (crypto.hash: Node ≥ 20.12; engines asks ≥ 20.19). */
const oneShot = (data: Uint8Array, enc: Encoding): Buffer | string =>
  enc === 'buffer'
    ? crypto.hash('sha256', data, 'buffer')
    : crypto.hash('sha256', data, enc as crypto.BinaryToTextEncoding);

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

function digestAs<E extends Encoding>(file: string | Buffer, enc: E): Digest<E> {
  if (file === '-') return digestFd(0, '-', -1, enc) as Digest<E>;
  const { fd, size } = openDocument(file);
  try {
    return digestFd(fd, file, size, enc) as Digest<E>;
  } finally {
    fs.closeSync(fd);
  }
}

/** Opens a document the user named: a regular file, or one clear error. */
function openDocument(file: string | Buffer): { fd: number; size: number } {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    throw inputError(e, displayName(file));
  }
  try {
    const st = fs.fstatSync(fd);
    if (st.isDirectory())
      throw new NotarError('IO', `cannot read ${displayName(file)}: is a directory, not a file`, {
        hint: 'to stamp a folder, list its files: find DIR -type f -print0 | notar stamp --files-from - -0',
      });
    if (!st.isFile())
      throw new NotarError('IO', `cannot read ${displayName(file)}: not a regular file (device, pipe or socket)`, {
        hint: 'copy it to a regular file first, or pipe it to `notar stamp -`',
      });
    return { fd, size: st.size };
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}

/** Files at least this large are read ahead while hashing (digestReadAhead). */
const READ_AHEAD = 4 * CHUNK;

/**
 * digestAs, but a large file is read on the libuv thread pool one piece
 * ahead while the previous piece is hashed: the copy out of the page cache
 * (~12% of the time at 1.5 GB/s hashing) overlaps the hashing. Small files
 * are hashed synchronously (the callers' one `await` per file costs ~0.2 µs).
 */
function digestReadAhead<E extends Encoding>(file: string | Buffer, enc: E): Digest<E> | Promise<Digest<E>> {
  if (file === '-') return digestStdin(enc) as Promise<Digest<E>>;
  const { fd, size } = openDocument(file);
  if (size < READ_AHEAD) {
    try {
      return digestFd(fd, file, size, enc) as Digest<E>;
    } finally {
      fs.closeSync(fd);
    }
  }
  return digestAhead(fd, file, enc).finally(() => fs.closeSync(fd)) as Promise<Digest<E>>;
}

async function digestAhead(fd: number, file: string | Buffer, enc: Encoding): Promise<Buffer | string> {
  const read = (buf: Buffer) =>
    new Promise<number>((resolve, reject) =>
      fs.read(fd, buf, 0, buf.length, null, (e, n) => (e ? reject(inputError(e, displayName(file))) : resolve(n))),
    );
  const h = crypto.createHash('sha256');
  let cur = Buffer.allocUnsafe(CHUNK);
  let next = Buffer.allocUnsafe(CHUNK);
  let n = await read(cur);
  while (n > 0) {
    const pending = read(next);
    h.update(cur.subarray(0, n));
    hashedBytes.total += n;
    n = await pending;
    [cur, next] = [next, cur];
  }
  return finish(h, enc);
}

/**
 * Standard input, read asynchronously (stdin-reader.ts): a slow writer
 * (`producer | notar stamp -`) never keeps SIGINT/SIGTERM from being
 * handled, and the progress line can count the bytes.
 */
async function digestStdin(enc: Encoding): Promise<Buffer | string> {
  const h = crypto.createHash('sha256');
  try {
    for await (const chunk of stdinChunks()) {
      h.update(chunk);
      hashedBytes.total += chunk.length;
    }
  } catch (e) {
    throw inputError(e, '-');
  }
  return finish(h, enc);
}

/** digestFile in lowercase hex (`notar hash`). */
export async function digestFileHex(file: string | Buffer): Promise<string> {
  return digestReadAhead(file, 'hex');
}

/** digestFile written into out[offset .. offset + 32): packed digests, no allocation per file. */
export async function digestFileInto(file: string | Buffer, out: Uint8Array, offset: number): Promise<void> {
  copyLatin1(await digestReadAhead(file, 'latin1'), out, offset);
}

/** digestFileInto on this thread alone, without read-ahead (the second hashing thread: parallel-hash.ts). */
export function digestFileIntoSync(file: string | Buffer, out: Uint8Array, offset: number): void {
  copyLatin1(digestAs(file, 'latin1'), out, offset);
}

function copyLatin1(s: string, out: Uint8Array, offset: number): void {
  for (let i = 0; i < 32; i++) out[offset + i] = s.charCodeAt(i);
}

/**
 * Reads fd to its end and hashes it. `size` (-1: unknown, stdin) is only a
 * hint: a first read that returns exactly that many bytes of a small file is
 * taken as the whole file, saving the read that would return 0; any other
 * count reads on to the end as usual (files in /proc report size 0).
 */
function digestFd(fd: number, file: string | Buffer, size: number, enc: Encoding): Buffer | string {
  buffer ??= Buffer.allocUnsafe(CHUNK);
  let n: number;
  try {
    n = readFull(fd, buffer, size >= 0 && size < CHUNK ? size : -1);
    // The common small-file case: the whole file fits, hash it in one call.
    if (n < CHUNK) return oneShot(buffer.subarray(0, n), enc);
    const h = crypto.createHash('sha256');
    h.update(buffer.subarray(0, n));
    while ((n = readFull(fd, buffer, -1)) > 0) h.update(buffer.subarray(0, n));
    return finish(h, enc);
  } catch (e) {
    if (e instanceof NotarError) throw e;
    throw inputError(e, file === '-' ? '-' : displayName(file));
  }
}

/** Fills `buf` as far as the file allows; short only at end of file (or at `expect` bytes). */
function readFull(fd: number, buf: Buffer, expect: number): number {
  let total = 0;
  while (total < buf.length) {
    const n = readSome(fd, buf, total);
    if (n === 0) break;
    total += n;
    hashedBytes.total += n;
    if (total === expect) break;
  }
  return total;
}
