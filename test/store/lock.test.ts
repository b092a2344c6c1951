// lock.ts: mutual exclusion, waiting, timeouts, and safe recovery of stale locks.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NotarError } from '../../src/core/errors.js';
import { acquireLock, processStart, tryCreate } from '../../src/store/lock.js';
import { deadPid, tempDir } from './fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const lockFile = (dir: string) => path.join(dir, 'lock');

async function lockError(dir: string, timeoutMs: number): Promise<NotarError> {
  try {
    const lock = await acquireLock(dir, timeoutMs);
    lock.release();
  } catch (e) {
    return e as NotarError;
  }
  throw new Error('the lock was taken');
}

describe('acquireLock', () => {
  it('creates the lock naming this process and removes it on release', async () => {
    const dir = tempDir();
    const lock = await acquireLock(dir, 1000);
    const [pid, host] = fs.readFileSync(lockFile(dir), 'utf8').split(' ');
    expect(Number(pid)).toBe(process.pid);
    expect(host).toBe(os.hostname());
    expect(lock.recovered).toBeUndefined();
    lock.release();
    expect(fs.existsSync(lockFile(dir))).toBe(false);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('a second taker waits for the first to release', async () => {
    const dir = tempDir();
    const first = await acquireLock(dir, 1000);
    let got = false;
    const second = acquireLock(dir, 5000).then((l) => {
      got = true;
      return l;
    });
    await sleep(60);
    expect(got).toBe(false);
    first.release();
    (await second).release();
    expect(got).toBe(true);
  });

  it('times out with LOCKED, naming the holder and how to recover', async () => {
    const dir = tempDir();
    const held = await acquireLock(dir, 1000);
    const err = await lockError(dir, 50);
    held.release();
    expect(err).toBeInstanceOf(NotarError);
    expect(err.code).toBe('LOCKED');
    expect(err.message).toContain(`process ${process.pid}`);
    expect(err.hint).toContain(lockFile(dir));
  });

  it('never lets two holders in at once (20 concurrent takers)', async () => {
    const dir = tempDir();
    let inside = 0;
    let maxInside = 0;
    let done = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        const lock = await acquireLock(dir, 20_000);
        inside++;
        maxInside = Math.max(maxInside, inside);
        await sleep(2);
        inside--;
        done++;
        lock.release();
      }),
    );
    expect(done).toBe(20);
    expect(maxInside).toBe(1);
  });

  it('release does not remove a lock that is no longer ours', async () => {
    const dir = tempDir();
    const lock = await acquireLock(dir, 1000);
    fs.writeFileSync(lockFile(dir), `1 ${os.hostname()} now - - other\n`);
    lock.release();
    expect(fs.existsSync(lockFile(dir))).toBe(true);
  });
});

describe('stale locks', () => {
  it('removes a lock left by a dead process, and says so', async () => {
    const dir = tempDir();
    const pid = deadPid();
    fs.writeFileSync(lockFile(dir), `${pid} ${os.hostname()} 2020-01-01T00:00:00.000Z\n`);
    const lock = await acquireLock(dir, 2000);
    expect(lock.recovered).toBe(`removed a stale lock left by process ${pid} (no longer running)`);
    expect(fs.readFileSync(lockFile(dir), 'utf8').startsWith(`${process.pid} `)).toBe(true);
    lock.release();
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('treats a live pid with another start time as a reused pid: stale', async () => {
    const start = processStart(1);
    expect(start, 'needs /proc').toMatch(/^[0-9]+$/);
    const dir = tempDir();
    fs.writeFileSync(lockFile(dir), `1 ${os.hostname()} 2020-01-01T00:00:00.000Z ${Number(start) + 12345} -\n`);
    const lock = await acquireLock(dir, 2000);
    expect(lock.recovered).toContain('process 1');
    lock.release();
  });

  it("a lock naming our own pid that this process does not hold is an earlier process's: stale", async () => {
    const dir = tempDir();
    fs.writeFileSync(lockFile(dir), `${process.pid} ${os.hostname()} 2020-01-01T00:00:00.000Z - - old\n`);
    const lock = await acquireLock(dir, 2000);
    expect(lock.recovered).toContain(`process ${process.pid}`);
    lock.release();
  });

  it('keeps a lock whose live holder has the recorded start time', async () => {
    const dir = tempDir();
    fs.writeFileSync(lockFile(dir), `1 ${os.hostname()} 2020-01-01T00:00:00.000Z ${processStart(1)} -\n`);
    expect((await lockError(dir, 80)).code).toBe('LOCKED');
  });

  it('never takes over a lock from another host', async () => {
    const dir = tempDir();
    fs.writeFileSync(lockFile(dir), `${deadPid()} some-other-host.example 2020-01-01T00:00:00.000Z\n`);
    const err = await lockError(dir, 80);
    expect(err.code).toBe('LOCKED');
    expect(err.message).toContain('some-other-host.example');
  });

  it('never takes over a lock from another PID namespace', async () => {
    const dir = tempDir();
    fs.writeFileSync(lockFile(dir), `${deadPid()} ${os.hostname()} 2020-01-01T00:00:00.000Z - pid:[1] n\n`);
    expect((await lockError(dir, 80)).code).toBe('LOCKED');
  });

  it('an unreadable (empty) lock is stale only once it is old', async () => {
    const dir = tempDir();
    fs.writeFileSync(lockFile(dir), '');
    expect((await lockError(dir, 80)).code).toBe('LOCKED');
    const t = new Date(Date.now() - 60_000);
    fs.utimesSync(lockFile(dir), t, t);
    const lock = await acquireLock(dir, 2000);
    expect(lock.recovered).toContain('stale lock');
    lock.release();
  });

  it('a takeover guard left by a killed process is cleared after a while', async () => {
    const dir = tempDir();
    const pid = deadPid();
    fs.writeFileSync(lockFile(dir), `${pid} ${os.hostname()} 2020-01-01T00:00:00.000Z\n`);
    fs.writeFileSync(lockFile(dir) + '.takeover', `${pid} ${os.hostname()}\n`);
    // A fresh guard means someone is taking over right now: wait for them.
    expect((await lockError(dir, 80)).code).toBe('LOCKED');
    const t = new Date(Date.now() - 60_000);
    fs.utimesSync(lockFile(dir) + '.takeover', t, t);
    const lock = await acquireLock(dir, 2000);
    expect(lock.recovered).toContain(`process ${pid}`);
    lock.release();
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('tryCreate', () => {
  it('creates with content, atomically, once', () => {
    const dir = tempDir();
    const f = path.join(dir, 'x');
    expect(tryCreate(f, 'a\n')).toBe(true);
    expect(tryCreate(f, 'b\n')).toBe(false);
    expect(fs.readFileSync(f, 'utf8')).toBe('a\n');
    expect(fs.readdirSync(dir)).toEqual(['x']);
  });
});
