/**
 * Where `notar stamp` writes each receipt, settled for every input before
 * anything is hashed or sealed (issue 10, items 2 and 5): two documents whose
 * receipts would land on one path, or a receipt name the file system cannot
 * hold, stop the run with nothing sealed. Once sealed, a document without
 * its receipt is a receipt lost.
 */
import * as path from 'node:path';
import { NotarError } from '../../core/errors.js';
import { displayName } from '../hashing/hashing.js';
import type { FileInput } from '../inputs.js';
import { isPlain, receiptPathFor } from './receipt-path.js';

/** NAME_MAX and PATH_MAX of Linux (and most Unix file systems), in bytes. */
const NAME_MAX = 255;
const PATH_MAX = 4096;

/**
 * An absolute spelling to compare paths by (path.resolve's); raw-byte names
 * in their own key space. A plain name is just appended to the working
 * directory: resolve's result costs ~5 µs more per key once hashed.
 */
function pathKey(p: string | Buffer): string {
  if (typeof p !== 'string') return '\0' + path.resolve(p.toString('latin1'));
  if (!isPlain(p)) return path.resolve(p);
  const cwd = process.cwd();
  return (cwd.endsWith('/') ? cwd : cwd + '/') + p;
}

/** Bytes of the last component of a path. */
function baseBytes(p: string | Buffer): number {
  return typeof p === 'string' ? Buffer.byteLength(path.basename(p)) : path.basename(p.toString('latin1')).length;
}

/** Whether a path (and its key) is within NAME_MAX and PATH_MAX. */
function fits(p: string | Buffer, key: string): boolean {
  // A raw key is '\0' + latin1 text: one char per byte.
  const bytes = key.startsWith('\0') ? key.length - 1 : Buffer.byteLength(key);
  return baseBytes(p) <= NAME_MAX && bytes < PATH_MAX;
}

/**
 * The name length limits, checked before sealing (a long name used to fail
 * after it). A document whose own name is over them is left to its read,
 * which says so.
 */
function checkLength(file: string | Buffer, key: string, f: FileInput): void {
  if (fits(file, key) || (f.path !== '-' && !fits(f.path, pathKey(f.path)))) return;
  const n = baseBytes(file);
  const tooLong =
    n > NAME_MAX
      ? `its name would be ${n} bytes, over the file system's limit of ${NAME_MAX}`
      : `its path would be over ${PATH_MAX} bytes`;
  throw new NotarError('USAGE', `cannot write the receipt of ${f.display}: ${tooLong}; nothing was stamped`, {
    hint: 'rename the document to a shorter name, or take the receipts on stdout with --json',
  });
}

export interface PlannedInputs {
  /** The inputs, each file once (a file named twice, e.g. `a.txt ./a.txt`, is stamped once). */
  readonly files: FileInput[];
  /** files[i]'s receipt path; undefined: the receipt goes to stdout. */
  readonly receiptFiles: (string | Buffer | undefined)[];
}

/**
 * Receipt paths for `files`. The same file named twice (same absolute path)
 * is one document: later mentions are dropped silently, as `sort -u` would.
 * Two different files mapping to one receipt path is a usage error naming
 * both: stamping both would lose one receipt, skipping one would lose a document.
 */
export function planReceipts(files: FileInput[], out: string | undefined, toFiles: boolean): PlannedInputs {
  const inputs = new Set<string>();
  const owners = new Map<string, FileInput>();
  const dirs = out ? new ReceiptTree(out) : undefined;
  const kept: FileInput[] = [];
  const receiptFiles: (string | Buffer | undefined)[] = [];
  for (const f of files) {
    const fromStdin = f.path === '-';
    if (!fromStdin) {
      const key = pathKey(f.path);
      if (inputs.has(key)) continue;
      inputs.add(key);
    }
    // A document read from stdin has no place beside it: its receipt goes to stdout unless --out.
    const receiptFile = toFiles && !(fromStdin && !out) ? receiptPathFor(fromStdin ? 'stdin' : f.path, out) : undefined;
    if (receiptFile !== undefined) {
      const key = pathKey(receiptFile);
      const owner = owners.get(key);
      if (owner) throw collision(owner, f, receiptFile, out);
      owners.set(key, f);
      dirs?.claim(key, f, owners);
      checkLength(receiptFile, key, f);
    }
    kept.push(f);
    receiptFiles.push(receiptFile);
  }
  return { files: kept, receiptFiles };
}

function collision(a: FileInput, b: FileInput, receiptFile: string | Buffer, out: string | undefined): NotarError {
  const name = (f: FileInput) => (f.path === '-' ? 'standard input (-)' : f.display);
  return new NotarError(
    'USAGE',
    `${name(a)} and ${name(b)} would both get the receipt ${displayName(receiptFile)}; nothing was stamped`,
    {
      hint: out
        ? '--out keeps paths relative to the current directory without `..`: run from a directory above both, or stamp them in separate runs with different --out'
        : 'stamp them in separate runs',
    },
  );
}

/**
 * Under --out, one receipt's path can be a directory another receipt needs
 * (`x` and `x.notar.json/a.txt` give r/x.notar.json and
 * r/x.notar.json/a.txt.notar.json): the second write would fail after sealing.
 * Nothing is on disk yet to show it, so the paths are compared.
 */
class ReceiptTree {
  private readonly root: string;
  /** Each directory some receipt needs below --out, and the first document that needs it. */
  private readonly dirs = new Map<string, FileInput>();

  constructor(out: string) {
    this.root = path.resolve(out);
  }

  claim(key: string, f: FileInput, owners: Map<string, FileInput>): void {
    const asDir = this.dirs.get(key);
    if (asDir) throw dirClash(asDir, f, key);
    const raw = key.startsWith('\0');
    // A raw key is latin1 text: one char per byte of the path.
    const rootLength = raw ? Buffer.byteLength(this.root) : this.root.length;
    for (
      let dir = path.dirname(raw ? key.slice(1) : key);
      dir.length > rootLength && dir !== path.dirname(dir);
      dir = path.dirname(dir)
    ) {
      const dirKey = raw ? '\0' + dir : dir;
      if (this.dirs.has(dirKey)) break;
      const owner = owners.get(dirKey);
      if (owner) throw dirClash(f, owner, dirKey);
      this.dirs.set(dirKey, f);
    }
  }
}

function dirClash(needsDir: FileInput, owner: FileInput, key: string): NotarError {
  const abs = key.startsWith('\0') ? Buffer.from(key.slice(1), 'latin1').toString('utf8') : key;
  const shown = path.relative(process.cwd(), abs);
  return new NotarError(
    'USAGE',
    `the receipt of ${owner.display} would be ${shown}, a directory the receipt of ${needsDir.display} needs; nothing was stamped`,
    {
      hint: 'stamp them in separate runs with different --out',
    },
  );
}
