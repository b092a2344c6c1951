/**
 * The store lock: one writer at a time. Taking it is an O_EXCL create of
 * `lock` holding `pid host time`. A lock whose process is gone (same host,
 * kill(pid, 0) says ESRCH) is stale; it is removed only by the holder of a
 * second, short-lived O_EXCL guard (`lock.takeover`) after re-reading it, so
 * two waiters never remove each other's fresh lock. Waiters poll with
 * back-off until `timeoutMs`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NotarError } from '../core/errors.js';

export interface Lock {
  release(): void;
  /** Set when a stale lock left by a killed process was removed. */
  readonly recovered?: string;
}

const GUARD_STALE_MS = 10_000;

function tryCreate(file: string, content: string): boolean {
  try {
    const fd = fs.openSync(file, 'wx', 0o644);
    try {
      fs.writeSync(fd, content);
    } finally {
      fs.closeSync(fd);
    }
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

function readOwner(file: string): { pid: number; host: string; text: string } | undefined {
  try {
    const text = fs.readFileSync(file, 'utf8');
    const [pid, host] = text.split(' ');
    return { pid: Number(pid), host, text };
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes `lockFile` if it is still the same stale lock. Returns what was removed. */
function removeIfStale(lockFile: string): string | undefined {
  const guard = lockFile + '.takeover';
  if (!tryCreate(guard, `${process.pid}`)) {
    try {
      if (Date.now() - fs.statSync(guard).mtimeMs > GUARD_STALE_MS) fs.rmSync(guard, { force: true });
    } catch {
      /* the guard went away meanwhile */
    }
    return undefined;
  }
  try {
    const owner = readOwner(lockFile);
    if (!owner || owner.host !== os.hostname() || isAlive(owner.pid)) return undefined;
    fs.rmSync(lockFile, { force: true });
    return `removed a stale lock left by process ${owner.pid}`;
  } finally {
    fs.rmSync(guard, { force: true });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function acquireLock(dir: string, timeoutMs: number): Promise<Lock> {
  const file = path.join(dir, 'lock');
  const content = `${process.pid} ${os.hostname()} ${new Date().toISOString()}\n`;
  const deadline = Date.now() + timeoutMs;
  let recovered: string | undefined;
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    if (tryCreate(file, content)) {
      let released = false;
      return {
        recovered,
        release() {
          if (released) return;
          released = true;
          if (readOwner(file)?.text === content) fs.rmSync(file, { force: true });
        },
      };
    }
    recovered = removeIfStale(file) ?? recovered;
    if (Date.now() > deadline) {
      const owner = readOwner(file);
      throw new NotarError('LOCKED', `the store is locked by process ${owner?.pid ?? '?'} on ${owner?.host ?? '?'}`, {
        hint: `wait for it to finish; if no notar is running there, remove ${file}`,
      });
    }
    await sleep(wait + Math.random() * wait);
  }
}
