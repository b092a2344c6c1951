/**
 * Concurrency (issue 4): several `notar stamp` processes on one store at once
 * all succeed (they wait for the lock); no block is lost or interleaved; each
 * document is anchored exactly once; a stale lock is recovered safely.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { parseVerifierKey } from '../../src/core/note.js';
import { auditStore } from '../../src/store/audit.js';
import { openStore } from '../../src/store/store.js';
import { makeStore, writeDocs } from '../cli/helpers.js';
import { expectReceiptVerifies, notarAsync, sha256 } from './helpers.js';
import { nodeCrypto } from '../../src/node/crypto.js';

const PROCS = 4;
const DOCS = 100;

it(`${PROCS} stamp processes × ${DOCS} documents at once: all anchored exactly once`, async () => {
  const s = makeStore('notary.example.gov/concurrent');
  const lists: string[][] = [];
  for (let p = 0; p < PROCS; p++) {
    const names = Array.from({ length: DOCS }, (_, i) => `p${p}/doc-${i}.txt`);
    writeDocs(s.dir, Object.fromEntries(names.map((n) => [n, `process ${p} document ${n}\n`])));
    fs.writeFileSync(path.join(s.dir, `list-${p}`), names.join('\n') + '\n');
    lists.push(names);
  }
  let writing = true;
  const stampers = Promise.all(
    lists.map((_, p) => notarAsync(['stamp', '--files-from', `list-${p}`], { cwd: s.dir, env: s.env })),
  ).finally(() => {
    writing = false;
  });
  // Readers take no lock: an audit while blocks are being appended must still pass.
  const audits: { code: number; stderr: string }[] = [];
  while (writing) audits.push(await notarAsync(['chain', 'verify'], { cwd: s.dir, env: s.env }));
  const runs = await stampers;
  for (const a of audits) expect(a.code, a.stderr).toBe(0);
  for (const r of runs) {
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^stamped ${DOCS} documents in block \\d `));
  }
  // One block per process, in some order, each holding exactly its own batch.
  const store = openStore(s.storeDir, nodeCrypto);
  const state = store.readChain();
  expect(state.records.map((r) => r.seq)).toEqual([0, 1, 2, 3]);
  expect(state.records.every((r) => r.size === DOCS)).toBe(true);
  const count = new Map<string, number>();
  for (const rec of state.records) {
    const leaves = store.readLeaves(rec.seq, store.verifier());
    for (let i = 0; i < leaves.count; i++) {
      const d = toHex(leaves.records.subarray(i * 64, i * 64 + 32));
      count.set(d, (count.get(d) ?? 0) + 1);
    }
  }
  const all = lists.flat();
  expect(count.size).toBe(all.length);
  for (const name of all) expect(count.get(toHex(sha256(fs.readFileSync(path.join(s.dir, name))))), name).toBe(1);
  expect(auditStore(store).ok).toBe(true);
  expect(s.run(['chain', 'verify']).code).toBe(0);
  const key = parseVerifierKey(s.vkey);
  for (const name of all) expectReceiptVerifies(path.join(s.dir, name + '.notar.json'), path.join(s.dir, name), key);
  expect(fs.existsSync(path.join(s.storeDir, 'lock'))).toBe(false);
}, 120_000);

it('a stale lock of a dead process is recovered by the next stamp, which says so', async () => {
  const s = makeStore();
  const dead = await notarAsync(['--version'], { cwd: s.dir, env: s.env });
  fs.writeFileSync(path.join(s.storeDir, 'lock'), `${dead.pid} ${os.hostname()} 2020-01-01T00:00:00.000Z\n`);
  writeDocs(s.dir, { 'a.txt': 'a\n' });
  const r = s.run(['stamp', 'a.txt']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toBe(`notar: recovered: removed a stale lock left by process ${dead.pid} (no longer running)\n`);
  expect(fs.existsSync(path.join(s.storeDir, 'lock'))).toBe(false);
  expect(s.run(['chain', 'verify']).code).toBe(0);
});

it('a stamp waits for a live holder, then takes over when the holder dies', async () => {
  const s = makeStore();
  // A live process holds the lock (as a stamp killed mid-seal would have, a moment before).
  const holder = spawn('sleep', ['30'], { stdio: 'ignore' });
  fs.writeFileSync(path.join(s.storeDir, 'lock'), `${holder.pid} ${os.hostname()} 2020-01-01T00:00:00.000Z\n`);
  writeDocs(s.dir, { 'a.txt': 'a\n' });
  const stamping = notarAsync(['stamp', 'a.txt'], { cwd: s.dir, env: s.env });
  await new Promise((r) => setTimeout(r, 700));
  expect(fs.existsSync(path.join(s.dir, 'a.txt.notar.json'))).toBe(false);
  const exited = new Promise((r) => holder.on('exit', r));
  holder.kill('SIGKILL');
  await exited;
  const r = await stamping;
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toContain(`recovered: removed a stale lock left by process ${holder.pid}`);
  expect(fs.existsSync(path.join(s.dir, 'a.txt.notar.json'))).toBe(true);
});
