/**
 * What `notar stamp` stamps: files named on the command line or in a list
 * (newline or NUL separated, names kept as raw bytes so non-UTF-8 names
 * work), one document on stdin (`-`), or digests from stdin (`--digests`).
 */
import { isAscii } from 'node:buffer';
import * as fs from 'node:fs';
import { NotarError } from '../core/errors.js';
import type { Opts } from './common.js';
import { Progress } from './output/progress.js';
import { inputError } from './reading.js';
import { readStdinInto } from './stdin-reader.js';

export interface FileInput {
  /** What to open: a string, or raw bytes for names that are not UTF-8. */
  readonly path: string | Buffer;
  readonly display: string;
}

/**
 * A path as a Map or Set key: a raw-byte name becomes '\0' + its bytes as
 * latin1 (one char per byte), so it never equals a text name.
 */
export function pathKey(p: string | Buffer): string {
  return typeof p === 'string' ? p : '\0' + p.toString('latin1');
}

/** Splits a file list; raw byte names survive even if they are not UTF-8. */
export function parseFileList(data: Buffer, nul: boolean): FileInput[] {
  return parseInto(data, nul, []);
}

function parseInto(data: Buffer, nul: boolean, out: FileInput[]): FileInput[] {
  // An ASCII list (almost every one) is its own text: split as one string, not name by name.
  if (isAscii(data)) {
    for (const text of data.toString('latin1').split(nul ? '\0' : '\n'))
      if (text !== '') out.push({ path: text, display: text });
    return out;
  }
  const sep = nul ? 0 : 0x0a;
  let start = 0;
  while (start < data.length) {
    let end = data.indexOf(sep, start);
    if (end < 0) end = data.length;
    const raw = data.subarray(start, end);
    start = end + 1;
    if (raw.length === 0) continue;
    const text = raw.toString('utf8');
    // An ASCII name is UTF-8 as it is: no re-encoding to compare.
    const exact = isAscii(raw) || Buffer.from(text, 'utf8').equals(raw);
    out.push({ path: exact ? text : Buffer.from(raw), display: text });
  }
  return out;
}

/** A name longer than this (Linux PATH_MAX) is not a path: the list is not a file list. */
export const MAX_NAME_BYTES = 4096;

/**
 * The file list of --files-from, read 1 MiB at a time and split as it
 * comes: the cap applies to each name (and to a run of empty ones), not to
 * the list, so `--files-from /dev/zero` stops at once and a list of a
 * million names still works.
 */
async function readFileList(file: string, nul: boolean): Promise<FileInput[]> {
  const label = file === '-' ? 'standard input' : file;
  let fd = 0;
  try {
    if (file !== '-') {
      // O_NONBLOCK: a FIFO with no writer reads as empty instead of hanging in open(2).
      fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      if (fs.fstatSync(fd).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    }
    return await splitStream(fd, nul, label);
  } catch (e) {
    if (e instanceof NotarError) throw e;
    throw inputError(e, label);
  } finally {
    if (fd !== 0) fs.closeSync(fd);
  }
}

async function splitStream(fd: number, nul: boolean, label: string): Promise<FileInput[]> {
  const out: FileInput[] = [];
  const buf = Buffer.allocUnsafe((1 << 20) + MAX_NAME_BYTES + 1);
  // `find / -print0 | notar stamp --files-from - -0` may feed names for minutes: count them.
  const bar = new Progress(
    (p) =>
      `read ${p.count} name${p.count === 1 ? '' : 's'} from ${label === 'standard input' ? 'the file list' : label}`,
  );
  try {
    return await splitInto(out, buf, fd, nul, label, bar);
  } finally {
    bar.stop();
  }
}

async function splitInto(
  out: FileInput[],
  buf: Buffer,
  fd: number,
  nul: boolean,
  label: string,
  bar: Progress,
): Promise<FileInput[]> {
  const sep = nul ? 0 : 0x0a;
  let filled = 0;
  let empties = 0;
  for (;;) {
    const n = await readSoon(buf, filled, fd, label);
    const end = n === 0 ? filled : buf.lastIndexOf(sep, filled + n - 1) + 1;
    filled += n;
    // Whole entries (or, at the end, everything) are split; the rest waits for more input.
    const before = out.length;
    parseInto(buf.subarray(0, end), nul, out);
    empties = out.length > before ? 0 : empties + countByte(buf, sep, 0, end);
    if (empties > MAX_NAME_BYTES) throw notAList(label, nul, `more than ${MAX_NAME_BYTES} empty names in a row`);
    if (n === 0) return out;
    bar.count = out.length;
    if (bar.due()) await bar.pulse();
    buf.copyWithin(0, end, filled);
    filled -= end;
    if (filled > MAX_NAME_BYTES) throw notAList(label, nul, `a name longer than ${MAX_NAME_BYTES} bytes`);
  }
}

function countByte(buf: Buffer, b: number, start: number, end: number): number {
  let n = 0;
  for (let i = buf.indexOf(b, start); i >= 0 && i < end; i = buf.indexOf(b, i + 1)) n++;
  return n;
}

function notAList(label: string, nul: boolean, what: string): NotarError {
  return new NotarError('FORMAT', `--files-from ${label}: ${what}; this is not a list of file names`, {
    hint: nul ? 'with -0, names end in a NUL byte (find -print0)' : 'one name per line; for find -print0 output add -0',
  });
}

export async function fileInputs(args: string[], opts: Opts): Promise<FileInput[]> {
  const files: FileInput[] = args.map((a) => ({ path: a, display: a }));
  if (typeof opts.filesFrom === 'string') {
    if (opts.filesFrom === '-' && args.includes('-'))
      throw new NotarError('USAGE', 'stdin cannot be both a document (-) and the file list (--files-from -)');
    files.push(...(await readFileList(opts.filesFrom, Boolean(opts.null))));
  }
  return files;
}

export interface DigestInput {
  readonly digests: Uint8Array;
  readonly names: (string | undefined)[];
}

const SUM_LINE = /^(\\?)([0-9a-fA-F]{64})(?:(?: [ *])(.*))?$/;

function unescapeSumName(name: string): string {
  return name.replace(/\\(\\|n|r)/g, (_m, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : '\\'));
}

/** Hex digit values by byte, -1 for any other byte. */
const HEX_VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;
  HEX_VALUE['0123456789ABCDEF'.charCodeAt(i)] = i;
}

/** Decodes the 64 hex digits at data[at..] into out[to .. to + 32); false if one is not hex. */
function decodeHex64(data: Uint8Array, at: number, out: Uint8Array, to: number): boolean {
  for (let i = 0; i < 32; i++) {
    const hi = HEX_VALUE[data[at + 2 * i]];
    const lo = HEX_VALUE[data[at + 2 * i + 1]];
    if ((hi | lo) < 0) return false;
    out[to + i] = (hi << 4) | lo;
  }
  return true;
}

/** One line that is not a bare digest: blank (false), a sha256sum line (true), or an error. */
function sumLine(line: string, lineNo: number, digests: Uint8Array, n: number, names: (string | undefined)[]): boolean {
  if (line.trim() === '') return false;
  const m = SUM_LINE.exec(line);
  if (!m)
    throw new NotarError('FORMAT', `standard input line ${lineNo}: not a SHA-256 digest or sha256sum line`, {
      hint: 'expected 64 hex digits, optionally followed by two spaces and a name',
    });
  digests.set(Buffer.from(m[2], 'hex'), n * 32);
  names.push(m[3] === undefined ? undefined : m[1] ? unescapeSumName(m[3]) : m[3]);
  return true;
}

/**
 * `sha256sum` lines (`<hex>  name`, `<hex> *name`, `\`-escaped) or bare hex
 * digests, fed in pieces of whole lines. Bare digest lines, the bulk case (a
 * million per batch), are decoded straight from the bytes; every other line
 * takes the general path. Decoding UTF-8 line by line equals decoding the
 * whole input: a newline byte is never part of a multi-byte sequence.
 */
class DigestLines {
  private digests: Uint8Array;
  private readonly names: (string | undefined)[] = [];
  private n = 0;
  private lineNo = 1;

  constructor(expected: number) {
    this.digests = new Uint8Array(Math.max(expected, 1) * 32);
  }

  /** Parses data[start, end): whole lines (end is just past a newline, or the end of the input). */
  feed(data: Buffer, start: number, end: number): void {
    while (start < end) {
      if ((this.n + 1) * 32 > this.digests.length) this.grow();
      // 64 hex digits then a newline: no earlier newline, no search needed.
      if (start + 64 < end && data[start + 64] === 0x0a && decodeHex64(data, start, this.digests, this.n * 32)) {
        this.names.push(undefined);
        this.n++;
        start += 65;
      } else {
        let stop = data.indexOf(0x0a, start);
        if (stop < 0 || stop >= end) stop = end;
        const cut = stop > start && data[stop - 1] === 0x0d ? stop - 1 : stop;
        if (cut - start === 64 && decodeHex64(data, start, this.digests, this.n * 32)) {
          this.names.push(undefined);
          this.n++;
        } else if (sumLine(data.toString('utf8', start, cut), this.lineNo, this.digests, this.n, this.names)) this.n++;
        start = stop + 1;
      }
      this.lineNo++;
    }
  }

  private grow(): void {
    const bigger = new Uint8Array(this.digests.length * 2);
    bigger.set(this.digests);
    this.digests = bigger;
  }

  result(): DigestInput {
    return { digests: this.digests.subarray(0, this.n * 32), names: this.names };
  }
}

/** Every digest line holds 64 hex digits: a bound on the count of `bytes` of input. */
const maxDigests = (bytes: number) => Math.floor(bytes / 64) + 1;

export function parseDigestLines(data: Buffer): DigestInput {
  const lines = new DigestLines(maxDigests(data.length));
  lines.feed(data, 0, data.length);
  return lines.result();
}

/**
 * Reads fd (stdin by default, stdin-reader.ts) at `buf[at..]`: 0 at its end.
 * Asynchronous, so a slow writer (`find … | notar stamp --files-from -`)
 * never keeps SIGINT and SIGTERM from being handled (interrupt.ts); a
 * non-blocking FIFO is waited for, not spun on.
 */
async function readSoon(buf: Buffer, at: number, fd = 0, label = 'standard input'): Promise<number> {
  for (;;) {
    try {
      if (fd === 0) return await readStdinInto(buf, at);
      return await new Promise<number>((resolve, reject) =>
        fs.read(fd, buf, at, buf.length - at, null, (e, n) => (e ? reject(e) : resolve(n))),
      );
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EOF') return 0;
      if (code !== 'EAGAIN') throw inputError(e, label);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
}

function stdinSize(): number {
  try {
    const st = fs.fstatSync(0);
    return st.isFile() ? st.size : -1;
  } catch {
    return -1;
  }
}

/**
 * Digest lines from stdin, parsed as they are read (1 MiB at a time): a
 * million lines (65 MB) are never held in memory at once, only their packed
 * 32-byte digests.
 */
export async function digestInputs(): Promise<DigestInput> {
  const size = stdinSize();
  const lines = new DigestLines(size >= 0 ? maxDigests(size) : 4096);
  const buf = Buffer.allocUnsafe(1 << 20);
  let filled = 0;
  for (;;) {
    // A sha256sum line is 66 bytes plus a name: one of 1 MiB is not a digest line (`--digests < /dev/zero`).
    if (filled === buf.length)
      throw new NotarError('FORMAT', 'standard input: a line longer than 1 MiB; not a digest or sha256sum line', {
        hint: 'expected 64 hex digits, optionally followed by two spaces and a name',
      });
    const n = await readSoon(buf, filled);
    if (n === 0) break;
    filled += n;
    const last = buf.lastIndexOf(0x0a, filled - 1);
    if (last < 0) continue;
    lines.feed(buf, 0, last + 1);
    buf.copyWithin(0, last + 1, filled);
    filled -= last + 1;
  }
  lines.feed(buf, 0, filled);
  return lines.result();
}
