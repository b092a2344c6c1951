/**
 * What `notar stamp` stamps: files named on the command line or in a list
 * (newline or NUL separated, names kept as raw bytes so non-UTF-8 names
 * work), one document on stdin (`-`), or digests from stdin (`--digests`).
 */
import * as fs from 'node:fs';
import { NotarError } from '../core/errors.js';
import { inputError, type Opts } from './common.js';

export interface FileInput {
  /** What to open: a string, or raw bytes for names that are not UTF-8. */
  readonly path: string | Buffer;
  readonly display: string;
}

function readAllInput(file: string): Buffer {
  try {
    return file === '-' ? fs.readFileSync(0) : fs.readFileSync(file);
  } catch (e) {
    throw inputError(e, file === '-' ? 'standard input' : file);
  }
}

/** Splits a file list; raw byte names survive even if they are not UTF-8. */
export function parseFileList(data: Buffer, nul: boolean): FileInput[] {
  const sep = nul ? 0 : 0x0a;
  const out: FileInput[] = [];
  let start = 0;
  while (start < data.length) {
    let end = data.indexOf(sep, start);
    if (end < 0) end = data.length;
    const raw = data.subarray(start, end);
    start = end + 1;
    if (raw.length === 0) continue;
    const text = raw.toString('utf8');
    const exact = Buffer.from(text, 'utf8').equals(raw);
    out.push({ path: exact ? text : Buffer.from(raw), display: text });
  }
  return out;
}

export function fileInputs(args: string[], opts: Opts): FileInput[] {
  const files: FileInput[] = args.map((a) => ({ path: a, display: a }));
  if (typeof opts.filesFrom === 'string') {
    if (opts.filesFrom === '-' && args.includes('-')) throw new NotarError('USAGE', 'stdin cannot be both a document (-) and the file list (--files-from -)');
    files.push(...parseFileList(readAllInput(opts.filesFrom), Boolean(opts.null)));
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

/** `sha256sum` lines (`<hex>  name`, `<hex> *name`, `\`-escaped) or bare hex digests. */
export function parseDigestLines(data: Buffer): DigestInput {
  const lines = data.toString('utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const digests = new Uint8Array(lines.length * 32);
  const names: (string | undefined)[] = [];
  let n = 0;
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    const m = SUM_LINE.exec(line);
    if (!m) throw new NotarError('FORMAT', `standard input line ${i + 1}: not a SHA-256 digest or sha256sum line`, { hint: 'expected 64 hex digits, optionally followed by two spaces and a name' });
    digests.set(Buffer.from(m[2], 'hex'), n * 32);
    names.push(m[3] === undefined ? undefined : m[1] ? unescapeSumName(m[3]) : m[3]);
    n++;
  });
  return { digests: digests.subarray(0, n * 32), names };
}

export function digestInputs(): DigestInput {
  return parseDigestLines(readAllInput('-'));
}
