/**
 * Reading what the user named, synchronously: one clear line for a file
 * that cannot be read, and stdin or stdout as a non-blocking pipe (EAGAIN)
 * waited for instead of spun on.
 */
import * as fs from 'node:fs';
import { NotarError } from '../core/errors.js';
import { osReason } from '../store/errno.js';

/** One clear line for a file the user named that cannot be read. */
export function inputError(e: unknown, file: string): NotarError {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a file' : osReason(e);
  return new NotarError('IO', `cannot read ${file}: ${why}`, { cause: e });
}

/** An inputError for a file that does not exist (by its OS error code, not its wording). */
export function isNoSuchFile(e: unknown): e is NotarError {
  return e instanceof NotarError && (e.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/** A non-blocking pipe has nothing (or no room) yet: wait 2 ms, without spinning hot. */
export function waitBriefly(): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
}

/**
 * fs.readSync into buf[at..], waiting out EAGAIN (stdin may be a
 * non-blocking pipe); 0 at the end of the input, also for the 'EOF' code
 * some pipes report instead of a zero-length read.
 */
export function readSome(fd: number, buf: Uint8Array, at: number, length = buf.length - at): number {
  for (;;) {
    try {
      return fs.readSync(fd, buf, at, length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EOF') return 0;
      if (code !== 'EAGAIN') throw e;
      waitBriefly();
    }
  }
}
