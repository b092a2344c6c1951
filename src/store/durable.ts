/**
 * Durable file writes. A file is replaced atomically (temp file, fsync,
 * rename, directory fsync), so readers see the old or the new content, never
 * half of one. Appends are fsynced before the caller moves on.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NotarError } from '../core/errors.js';

export function fsyncDir(dir: string): void {
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
function tempName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${Date.now()}-${counter++}`);
}

export interface WriteOptions {
  mode?: number;
  /** fsync file and directory (default true). Receipts, which `prove` can rebuild, skip it. */
  durable?: boolean;
  /** Fail with EXISTS instead of replacing an existing file. */
  exclusive?: boolean;
}

/** Writes `data` to `file` atomically. */
export function writeFileAtomic(file: string, data: string | Uint8Array, opts: WriteOptions = {}): void {
  const durable = opts.durable ?? true;
  const tmp = tempName(file);
  const fd = fs.openSync(tmp, 'wx', opts.mode ?? 0o644);
  try {
    if (opts.mode !== undefined) fs.fchmodSync(fd, opts.mode);
    fs.writeFileSync(fd, data);
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
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new NotarError('EXISTS', `${file} already exists`);
    throw e;
  }
  if (durable) fsyncDir(path.dirname(file));
}

/** Appends one line and fsyncs it before returning. */
export function appendDurable(file: string, text: string): void {
  const existed = fs.existsSync(file);
  const fd = fs.openSync(file, 'a', 0o644);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  if (!existed) fsyncDir(path.dirname(file));
}
