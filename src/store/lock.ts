/**
 * The store lock: one writer at a time.
 *
 * Taking it creates `lock` atomically WITH its content (written to a temp
 * file, then link()ed into place, which fails if `lock` exists), so a lock
 * file is never seen empty. The content names the holder:
 *
 *   <pid> <host> <time> <process start> <pid namespace> <nonce>
 *
 * A lock is stale when its holder is provably gone: same host and PID
 * namespace, and the pid is dead or now belongs to a process that started
 * at another time (pid reuse). A lock from another host or namespace is never
 * taken over automatically. A stale lock is removed only by the holder of a
 * second, short-lived exclusive guard (`lock.takeover`) after re-reading it,
 * so two waiters never remove each other's fresh lock. Waiters poll with
 * jittered back-off until `timeoutMs`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NotarError } from '../core/errors.js';
import { readCapped } from './capped-read.js';
import { isProcessAlive } from './pid.js';

export interface Lock {
  release(): void;
  /** Set when a stale lock left by a killed process was removed. */
  readonly recovered?: string;
}

/** A takeover guard lives microseconds; one this old was left by a killed process. */
const GUARD_STALE_MS = 10_000;
/** A lock file we cannot read a holder from is stale after this long. */
const UNREADABLE_STALE_MS = 10_000;

let counter = 0;
/** Contents of the locks this process holds right now (several stores, or several waiters in one process). */
const heldHere = new Set<string>();
const unique = () => `${process.pid}-${Date.now()}-${counter++}`;

/** Creates `file` holding `content`, atomically; false if it already exists. */
export function tryCreate(file: string, content: string): boolean {
  // Same name pattern as durable.ts temp files, so leftovers are cleaned alike.
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${unique()}`);
  fs.writeFileSync(tmp, content, { flag: 'wx', mode: 0o644 });
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // No hard links here (some FUSE/FAT mounts): fall back to O_EXCL + write.
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EXDEV')
      return createExclusive(file, content);
    throw e;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

function createExclusive(file: string, content: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    fs.writeSync(fd, content);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

interface Owner {
  readonly pid: number;
  readonly host: string;
  readonly start?: string;
  readonly ns?: string;
  readonly text: string;
  readonly mtimeMs: number;
}

function readOwner(file: string): Owner | undefined {
  try {
    // Capped and non-blocking: a lock file is one short line, whatever was put in its place.
    const text = readCapped(file, 4096, file).toString('utf8');
    const mtimeMs = fs.statSync(file).mtimeMs;
    const [pid, host, , start, ns] = text.trim().split(' ');
    const opt = (s: string | undefined) => (s && s !== '-' ? s : undefined);
    return {
      pid: /^[1-9][0-9]{0,9}$/.test(pid ?? '') ? Number(pid) : NaN,
      host: host ?? '',
      start: opt(start),
      ns: opt(ns),
      text,
      mtimeMs,
    };
  } catch {
    return undefined;
  }
}

/** Start time of `pid` in clock ticks since boot (/proc/<pid>/stat field 22), if known. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and ')': fields resume after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function pidNamespace(): string | undefined {
  try {
    return fs.readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
}

/** True only when the holder is provably gone (see the module comment). */
function isStale(owner: Owner): boolean {
  if (!Number.isSafeInteger(owner.pid) || !owner.host) return Date.now() - owner.mtimeMs > UNREADABLE_STALE_MS;
  if (owner.host !== os.hostname()) return false;
  const ns = pidNamespace();
  if (owner.ns && ns && owner.ns !== ns) return false;
  // Our own pid on a lock this process does not hold: left by an earlier process that had our pid.
  if (owner.pid === process.pid) return !heldHere.has(owner.text);
  if (!isProcessAlive(owner.pid)) return true;
  const start = processStart(owner.pid);
  return Boolean(owner.start && start && owner.start !== start);
}

/** Removes a guard left by a killed process; renames first so a fresh guard is never lost. */
function clearStaleGuard(guard: string): void {
  const seen = readOwner(guard);
  if (!seen || Date.now() - seen.mtimeMs <= GUARD_STALE_MS) return;
  const aside = `${guard}.stale-${unique()}`;
  try {
    fs.renameSync(guard, aside);
  } catch {
    return; // gone meanwhile
  }
  try {
    // Another waiter may have replaced the stale guard between our read and rename: put it back.
    const taken = fs.readFileSync(aside, 'utf8');
    if (taken !== seen.text) tryCreate(guard, taken);
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

/** Removes `lockFile` if it is still the same stale lock. Returns what was removed. */
function removeIfStale(lockFile: string): string | undefined {
  const guard = lockFile + '.takeover';
  if (!tryCreate(guard, `${process.pid} ${os.hostname()} ${new Date().toISOString()}\n`)) {
    clearStaleGuard(guard);
    return undefined;
  }
  try {
    const owner = readOwner(lockFile);
    if (!owner || !isStale(owner)) return undefined;
    fs.rmSync(lockFile, { force: true });
    return `removed a stale lock left by process ${Number.isNaN(owner.pid) ? '?' : owner.pid} (no longer running)`;
  } finally {
    fs.rmSync(guard, { force: true });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function lockContent(): string {
  const nonce = Math.random().toString(36).slice(2, 10);
  return `${process.pid} ${os.hostname()} ${new Date().toISOString()} ${processStart(process.pid) ?? '-'} ${pidNamespace() ?? '-'} ${nonce}\n`;
}

export async function acquireLock(dir: string, timeoutMs: number): Promise<Lock> {
  const file = path.join(dir, 'lock');
  const content = lockContent();
  const deadline = Date.now() + timeoutMs;
  let recovered: string | undefined;
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    if (tryCreate(file, content)) {
      heldHere.add(content);
      let released = false;
      return {
        recovered,
        release() {
          if (released) return;
          released = true;
          heldHere.delete(content);
          if (readOwner(file)?.text === content) fs.rmSync(file, { force: true });
        },
      };
    }
    const removed = removeIfStale(file);
    if (removed) {
      recovered = removed;
      continue; // try again at once
    }
    if (Date.now() > deadline) {
      const owner = readOwner(file);
      throw new NotarError('LOCKED', `the store is locked by process ${owner?.pid ?? '?'} on ${owner?.host || '?'}`, {
        hint: `wait for it to finish; if no notar is running there, remove ${file}`,
      });
    }
    await sleep(wait + Math.random() * wait);
  }
}
