/**
 * Shared by the reliability tests: a seeded PRNG, an async runner that can
 * SIGKILL the real binary mid-flight, receipt checks with the core verifier,
 * and ways to make the OS refuse access even when the tests run as root.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';
import { parseVerifierKey, type Verifier } from '../../src/core/note.js';
import { verifyReceipt } from '../../src/core/verify.js';
import { BIN, type RunResult } from '../cli/helpers.js';

/** mulberry32: small, seedable, good enough to pick kill points and mutations. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed from NOTAR_TEST_SEED, else a fresh one; printed so a failure can be replayed. */
export function testSeed(name: string): number {
  const seed = process.env.NOTAR_TEST_SEED ? Number(process.env.NOTAR_TEST_SEED) : crypto.randomInt(2 ** 31);
  console.log(`${name}: seed ${seed} (replay with NOTAR_TEST_SEED=${seed})`);
  return seed;
}

export interface AsyncRun extends RunResult {
  signal: NodeJS.Signals | null;
  pid: number;
}

/** Runs the binary; with `killAfterMs`, SIGKILLs it then (if it is still running). */
export function notarAsync(
  args: (string | Buffer)[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; killAfterMs?: number; input?: string },
): Promise<AsyncRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...(args as string[])], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.stdin.end(opts.input ?? '');
    const timer =
      opts.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({
        code: code ?? -1,
        signal,
        pid: child.pid ?? -1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

export const sha256 = (data: Uint8Array | string): Uint8Array =>
  new Uint8Array(crypto.createHash('sha256').update(data).digest());

/** Checks a receipt file against its document with the core verifier (FORMAT.md §8). */
export function expectReceiptVerifies(
  receiptFile: string | Buffer,
  documentFile: string | Buffer,
  key: Verifier | string,
): void {
  const verifier = typeof key === 'string' ? parseVerifierKey(key) : key;
  const result = verifyReceipt(fs.readFileSync(receiptFile, 'utf8'), sha256(fs.readFileSync(documentFile)), [verifier]);
  expect(result.ok, `${receiptFile}: ${result.ok ? '' : result.reason}`).toBe(true);
}

/** Exit `code`, exactly one `notar: error:` line, no stack trace. Returns that line. */
export function expectOneError(r: RunResult, code: number, message?: RegExp | string): string {
  expect(r.code, r.stderr).toBe(code);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('notar: error:'));
  expect(errors, r.stderr).toHaveLength(1);
  expect(r.stderr).not.toContain('    at ');
  if (typeof message === 'string') expect(errors[0]).toContain(message);
  else if (message) expect(errors[0]).toMatch(message);
  return errors[0];
}

/** Every entry under `dir` (names as raw bytes) with a hash of each file. */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: Buffer) => {
    for (const name of fs.readdirSync(d, { encoding: 'buffer' })) {
      const p = Buffer.concat([d, Buffer.from('/'), name]);
      const st = fs.lstatSync(p);
      const key = p.toString('latin1');
      if (st.isDirectory()) {
        out.set(key + '/', 'dir');
        walk(p);
      } else if (st.isFile()) out.set(key, crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex'));
      else out.set(key, `special ${st.mode}`);
    }
  };
  walk(Buffer.from(dir));
  return out;
}

export const isRoot = process.getuid?.() === 0;

function works(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return r.status === 0;
}

/** The unprivileged user root runs notar as when permissions must bind it (nobody/nogroup). */
export const NOBODY = 65534;

export interface RunAs {
  uid?: number;
  gid?: number;
}

let nobodyWorks: boolean | undefined;

/** Can uid 65534 run this Node and bin/notar.js (not so for a checkout under a private directory)? */
function nobodyCanRunNotar(): boolean {
  nobodyWorks ??=
    spawnSync(process.execPath, [BIN, '--version'], {
      cwd: '/',
      uid: NOBODY,
      gid: NOBODY,
      stdio: 'ignore',
      timeout: 60_000,
    }).status === 0;
  return nobodyWorks;
}

/** chown -R, without following symbolic links. */
function chownTree(p: string, uid: number, gid: number): void {
  fs.lchownSync(p, uid, gid);
  if (fs.lstatSync(p).isDirectory()) for (const e of fs.readdirSync(p)) chownTree(path.join(p, e), uid, gid);
}

/**
 * Who to run the binary as so that file permissions bind it: the current user
 * when not root (`{}`). Root ignores chmod, so a test relying on it could not
 * fail: as root, `dirs` are handed to uid/gid 65534 and the binary runs as that
 * user (Node's spawn uid/gid: no setpriv or sudo needed), which owns the files
 * exactly as an ordinary user owns theirs. Undefined when that user cannot run
 * the binary here.
 */
export function permissionBoundUser(dirs: string[]): RunAs | undefined {
  if (!isRoot) return {};
  if (!nobodyCanRunNotar()) return undefined;
  for (const d of dirs) chownTree(d, NOBODY, NOBODY);
  return { uid: NOBODY, gid: NOBODY };
}

/** Runs the binary as `who` (see permissionBoundUser). */
export function notarAs(
  who: RunAs,
  args: (string | Buffer)[],
  opts: { cwd: string; env: NodeJS.ProcessEnv },
): RunResult {
  const r = spawnSync(process.execPath, [BIN, ...(args as string[])], {
    ...who,
    cwd: opts.cwd,
    env: opts.env,
    input: '',
    timeout: 60_000,
  });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

/** Can this process make a private mount namespace with a read-only bind mount? */
export function canBindReadOnly(dir: string): boolean {
  return works('unshare', [
    '-m',
    'sh',
    '-c',
    `mount --bind "${dir}" "${dir}" && mount -o remount,ro,bind "${dir}" "${dir}"`,
  ]);
}

/** Runs the binary with `dir` bind-mounted read-only in a private mount namespace. */
export function notarWithReadOnly(
  dir: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv },
): RunResult {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  // cd again after mounting: a cwd opened before the mount would still reach the writable directory.
  const script = `mount --bind ${q(dir)} ${q(dir)} && mount -o remount,ro,bind ${q(dir)} ${q(dir)} && cd ${q(opts.cwd)} && exec ${[process.execPath, BIN, ...args].map(q).join(' ')}`;
  const r = spawnSync('unshare', ['-m', 'sh', '-c', script], {
    cwd: opts.cwd,
    env: opts.env,
    input: '',
    timeout: 60_000,
  });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

/** Lines in the chain file (complete ones). */
export function chainBlocks(storeDir: string): number {
  try {
    return fs.readFileSync(path.join(storeDir, 'chain.jsonl'), 'utf8').split('\n').length - 1;
  } catch {
    return 0;
  }
}
