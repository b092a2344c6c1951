/**
 * Durable file writes. A file is replaced atomically (temp file, fsync,
 * rename, directory fsync), so readers see the old or the new content, never
 * half of one. Appends are fsynced before the caller moves on.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NotarError } from '../core/errors.js';
import { isProcessAlive } from './pid.js';

export function fsyncDir(dir: string | Buffer): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch (e) {
    // Some filesystems refuse fsync on directories (EINVAL/EISDIR): nothing more can be done there.
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM') throw e;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

let counter = 0;
/**
 * `.notar-<pid>-<ms>-<n>.tmp`, beside the target (rename stays atomic): short
 * whatever the target's name (a name of ~220 bytes made the old
 * `.<name>.tmp-…` form exceed NAME_MAX), and distinct enough that cleaning
 * such files out of a user's directory never takes one of the user's own.
 */
function tempName(file: string): string {
  return path.join(path.dirname(file), `.notar-${process.pid}-${Date.now()}-${counter++}.tmp`);
}

/**
 * Paths may be raw bytes (a non-UTF-8 file name): path arithmetic then runs
 * on latin1 text, one char per byte, and the result goes back to bytes.
 */
function viaLatin1(file: string | Buffer, f: (p: string) => string): string | Buffer {
  return typeof file === 'string' ? f(file) : Buffer.from(f(file.toString('latin1')), 'latin1');
}

export function dirnameOf(file: string | Buffer): string | Buffer {
  return viaLatin1(file, path.dirname);
}

const shown = (file: string | Buffer) => (typeof file === 'string' ? file : file.toString('utf8'));

export interface WriteOptions {
  mode?: number;
  /** fsync file and directory (default true). Receipts, which `prove` can rebuild, skip it. */
  durable?: boolean;
  /** Fail with EXISTS instead of replacing an existing file. */
  exclusive?: boolean;
}

/** Writes `data` to `file` atomically; it may come in pieces (a huge file need not be in memory whole). */
export function writeFileAtomic(
  file: string | Buffer,
  data: string | Uint8Array | Iterable<Uint8Array>,
  opts: WriteOptions = {},
): void {
  const durable = opts.durable ?? true;
  const tmp = viaLatin1(file, tempName);
  const fd = fs.openSync(tmp, 'wx', opts.mode ?? 0o644);
  try {
    if (opts.mode !== undefined) fs.fchmodSync(fd, opts.mode);
    if (typeof data === 'string' || data instanceof Uint8Array) fs.writeFileSync(fd, data);
    else for (const piece of data) fs.writeFileSync(fd, piece);
    if (durable) fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  try {
    if (opts.exclusive) {
      // link() fails if the target exists, so an existing file is never replaced.
      fs.linkSync(tmp, file);
      fs.unlinkSync(tmp);
    } else {
      fs.renameSync(tmp, file);
    }
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new NotarError('EXISTS', `${shown(file)} already exists`);
    throw e;
  }
  if (durable) fsyncDir(dirnameOf(file));
}

/** Appends one line and fsyncs it before returning. */
export function appendDurable(file: string, text: string): void {
  const existed = fs.existsSync(file);
  const fd = fs.openSync(file, 'a', 0o644);
  try {
    // writeSync may write less than asked (a full disk, a signal): loop, so a
    // short write is an error or a torn tail, never a silently short line.
    const data = Buffer.from(text, 'utf8');
    for (let off = 0; off < data.length;) off += fs.writeSync(fd, data, off);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  if (!existed) fsyncDir(path.dirname(file));
}

/** tempName's form. */
const TEMP_NAME = /^\.notar-([1-9][0-9]*)-[0-9]+-[0-9]+\.tmp$/;
/** The form before it (`.<name>.tmp-<pid>-<ms>-<n>`), still made by lock.ts: only in the store. */
const OLD_TEMP_NAME = /^\..+\.tmp-([1-9][0-9]*)-[0-9]+-[0-9]+$/;
/** The old form of a receipt's temp file: the only old form removed from a user's directory. */
const OLD_RECEIPT_TEMP = /^\..+\.notar\.json\.tmp-([1-9][0-9]*)-[0-9]+-[0-9]+$/;

/** The pid in a notar temp file name; undefined for any other name. */
export function tempFilePid(name: string, userDir = false): number | undefined {
  const m = TEMP_NAME.exec(name) ?? (userDir ? OLD_RECEIPT_TEMP : OLD_TEMP_NAME).exec(name);
  return m ? Number(m[1]) : undefined;
}

/**
 * Removes temp files (see tempName) left in `dir` by killed writers: by
 * default only those whose process is gone and that are older than
 * `minAgeMs`, so a live writer's temp file (even one in another PID
 * namespace) is never touched. `anyPid` is for a directory only the lock
 * holder writes to (leaves/), called under the lock: every temp there that
 * is not ours is abandoned. `userDir` is for a directory of the user's
 * (receipts beside documents, --out): only names notar's receipt writes
 * make there are candidates. Returns how many were removed; best effort.
 */
export function removeStaleTemps(
  dir: string | Buffer,
  opts: { minAgeMs?: number; anyPid?: boolean; userDir?: boolean } = {},
): number {
  const minAgeMs = opts.minAgeMs ?? 60_000;
  // Names are read as raw bytes (latin1, one char per byte), so an old-form temp of a
  // non-UTF-8 name is matched and removed under its real bytes.
  const rawDir = typeof dir === 'string' ? Buffer.from(dir) : dir;
  let names: string[];
  try {
    names = fs.readdirSync(rawDir, { encoding: 'latin1' });
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const pid = tempFilePid(name, opts.userDir);
    if (pid === undefined || pid === process.pid || (!opts.anyPid && isProcessAlive(pid))) continue;
    try {
      const file = viaLatin1(rawDir, (d) => path.join(d, name));
      if (minAgeMs > 0 && Date.now() - fs.lstatSync(file).mtimeMs < minAgeMs) continue;
      fs.rmSync(file, { force: true });
      removed++;
    } catch {
      /* gone meanwhile, or not ours to remove */
    }
  }
  return removed;
}
