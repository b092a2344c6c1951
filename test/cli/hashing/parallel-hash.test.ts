// Two-thread hashing (src/cli/hashing/parallel-hash.ts) with the built worker
// (dist/hash-worker.cjs): the second thread really hashes, the digests and the
// error are the one-thread loop's, and a worker that dies or never starts costs nothing.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashFiles, hashThreads, PARALLEL_MIN_FILES } from '../../../src/cli/hashing/parallel-hash.js';

const WORKER = path.resolve(__dirname, '../../../dist/hash-worker.cjs');

function docs(count: number): { dir: string; paths: string[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'notar-ph-'));
  const paths = Array.from({ length: count }, (_, i) => {
    const p = path.join(dir, `d${i}`);
    fs.writeFileSync(p, `document ${i}\n`.repeat(i % 5));
    return p;
  });
  return { dir, paths };
}

const expected = (paths: readonly string[]) =>
  Buffer.concat(paths.map((p) => crypto.createHash('sha256').update(fs.readFileSync(p)).digest()));

/** A progress callback that holds this thread back for its first calls, so the worker surely gets chunks. */
function slowStart(calls = 5) {
  let n = 0;
  return () => (n++ < calls ? new Promise<void>((r) => setTimeout(r, 40)) : undefined);
}

async function caught(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('hashFiles on two threads', () => {
  it('the worker hashes a share of the files, and every digest is in list order', async () => {
    const { paths } = docs(3000);
    const run = await hashFiles(paths, { threads: 2, workerFile: WORKER, progress: slowStart() });
    expect(run.byWorker).toBeGreaterThan(0);
    expect(run.byWorker).toBeLessThan(paths.length);
    expect(Buffer.from(run.digests).equals(expected(paths))).toBe(true);
  });

  it('one thread: the same digests, no worker', async () => {
    const { paths } = docs(300);
    const run = await hashFiles(paths, { threads: 1, workerFile: WORKER });
    expect(run.byWorker).toBe(0);
    expect(Buffer.from(run.digests).equals(expected(paths))).toBe(true);
  });

  it('the first unreadable file in list order is the one reported, whichever thread met it', async () => {
    const { paths } = docs(3000);
    fs.rmSync(paths[2900]);
    fs.rmSync(paths[1200]);
    fs.mkdirSync(paths[1200]);
    const e = await caught(hashFiles(paths, { threads: 2, workerFile: WORKER, progress: slowStart() }));
    expect(e.message).toBe(`cannot read ${paths[1200]}: is a directory, not a file`);
  });

  it('with onError, every unreadable file is reported in list order and the others still hashed', async () => {
    const { paths } = docs(3000);
    for (const i of [2999, 1500, 40]) fs.rmSync(paths[i]);
    const bad: number[] = [];
    const run = await hashFiles(paths, {
      threads: 2,
      workerFile: WORKER,
      progress: slowStart(),
      onError: (i) => bad.push(i),
    });
    expect(bad).toEqual([40, 1500, 2999]);
    const good = paths.map((_, i) => i).filter((i) => !bad.includes(i));
    const want = expected(good.map((i) => paths[i]));
    const got = Buffer.concat(good.map((i) => Buffer.from(run.digests.subarray(i * 32, i * 32 + 32))));
    expect(got.equals(want)).toBe(true);
  });

  it('a worker that dies leaves the work to this thread', async () => {
    const { dir, paths } = docs(2500);
    const dying = path.join(dir, 'dies.cjs');
    fs.writeFileSync(dying, "require('node:worker_threads'); process.exit(3);\n");
    const run = await hashFiles(paths, { threads: 2, workerFile: dying, progress: slowStart() });
    expect(run.byWorker).toBe(0);
    expect(Buffer.from(run.digests).equals(expected(paths))).toBe(true);
  });

  it('a worker script that is missing, or that never gets going, is not waited for', async () => {
    const { dir, paths } = docs(50);
    const missing = await hashFiles(paths, { threads: 2, workerFile: path.join(dir, 'none.cjs') });
    expect(Buffer.from(missing.digests).equals(expected(paths))).toBe(true);
    // Never gets going (busy forever): this thread hashes all 50 and cancels it (were it waited for, the test would hang).
    const stuck = path.join(dir, 'stuck.cjs');
    fs.writeFileSync(stuck, 'for (;;);\n');
    const run = await hashFiles(paths, { threads: 2, workerFile: stuck });
    expect(run.byWorker).toBe(0);
    expect(Buffer.from(run.digests).equals(expected(paths))).toBe(true);
  });

  it('two threads only for many files, a second core, and no stdin', () => {
    const many = Array.from({ length: PARALLEL_MIN_FILES }, (_, i) => `f${i}`);
    expect(hashThreads(many, 2)).toBe(2);
    expect(hashThreads(many, 1)).toBe(1);
    expect(hashThreads(many.slice(1), 2)).toBe(1);
    expect(hashThreads([...many, '-'], 2)).toBe(1);
  });
});
