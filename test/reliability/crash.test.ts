/**
 * Crash safety (issue 4): `notar stamp` SIGKILLed at random points (start-up,
 * hashing, sealing, receipt writing) never leaves a store that `notar chain
 * verify` rejects; every receipt on disk verifies; documents sealed by a
 * killed stamp can be recovered with `notar prove`; the next stamp just works
 * and says what it recovered.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { parseVerifierKey } from '../../src/core/note.js';
import { makeStore, writeDocs } from '../cli/helpers.js';
import { chainBlocks, expectReceiptVerifies, notarAsync, prng, testSeed } from './helpers.js';

const ROUNDS = 30;
const POOL = 2400;

it(`survives ${ROUNDS} SIGKILLs of notar stamp at random points`, async () => {
  const rand = prng(testSeed('crash'));
  const s = makeStore('notary.example.gov/crash');
  const key = parseVerifierKey(s.vkey);
  const docs = Array.from({ length: POOL }, (_, i) => path.join('docs', String(i % 10), `doc-${i}.txt`));
  for (const [i, d] of docs.entries()) {
    fs.mkdirSync(path.join(s.dir, path.dirname(d)), { recursive: true });
    fs.writeFileSync(path.join(s.dir, d), `document ${i}\n`.repeat(1 + (i % 7)));
  }
  const verified = new Set<string>();
  const sealedWithoutReceipt = new Set<string>();
  const outcomes = { beforeSeal: 0, killedHoldingLock: 0, afterSeal: 0, finished: 0 };
  // Kill points follow the real timings (they change as stamp gets faster): start-up, and a
  // whole unkilled stamp of 300 documents (kept out of the pool), measured here.
  let t0 = performance.now();
  await notarAsync(['--version'], { cwd: s.dir, env: s.env });
  const startup = performance.now() - t0;
  writeDocs(
    s.dir,
    Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`calibration/${i}.txt`, `calibration ${i}\n`])),
  );
  t0 = performance.now();
  const calibration = await notarAsync(['stamp', ...Array.from({ length: 300 }, (_, i) => `calibration/${i}.txt`)], {
    cwd: s.dir,
    env: s.env,
  });
  expect(calibration.code, calibration.stderr).toBe(0);
  const runMs = performance.now() - t0;

  for (let round = 0; round < ROUNDS; round++) {
    // 100–500 documents without a receipt, plus a few with one (which stamp keeps).
    const fresh = docs.filter((d) => !fs.existsSync(path.join(s.dir, d + '.notar.json')));
    const start = Math.floor(rand() * fresh.length);
    const batch = [...fresh, ...fresh].slice(start, start + 100 + Math.floor(rand() * 400));
    batch.push(...docs.filter((d) => verified.has(d) && rand() < 0.02));
    fs.writeFileSync(path.join(s.dir, 'list'), batch.join('\n') + '\n');
    // A third of the kills anywhere in the run (start-up included), the rest after start-up:
    // in hashing, sealing or receipt writing.
    const delay = round % 3 === 0 ? rand() * runMs : startup + rand() * Math.max(runMs - startup, 10);
    const before = chainBlocks(s.storeDir);
    const r = await notarAsync(['stamp', '--files-from', 'list'], { cwd: s.dir, env: s.env, killAfterMs: delay });
    const sealed = chainBlocks(s.storeDir) > before;
    const missing = batch.filter((d) => !fs.existsSync(path.join(s.dir, d + '.notar.json')));
    if (r.signal === null) {
      expect(r.code, r.stderr).toBe(0);
      outcomes.finished++;
    } else if (sealed) {
      outcomes.afterSeal++;
      for (const d of missing) sealedWithoutReceipt.add(d);
    } else outcomes.beforeSeal++;
    expect(r.stderr).not.toContain('    at ');
    const lock = path.join(s.storeDir, 'lock');
    if (fs.existsSync(lock) && fs.readFileSync(lock, 'utf8').startsWith(`${r.pid} `)) outcomes.killedHoldingLock++;

    const audit = s.run(['chain', 'verify']);
    expect(audit.code, `round ${round} (killed after ${delay.toFixed(0)} ms): ${audit.stderr}`).toBe(0);
    for (const d of docs) {
      const receipt = path.join(s.dir, d + '.notar.json');
      if (verified.has(d) || !fs.existsSync(receipt)) continue;
      expectReceiptVerifies(receipt, path.join(s.dir, d), key);
      verified.add(d);
    }
  }
  console.log(
    `crash: start-up ${startup.toFixed(0)} ms, a 300-document stamp ${runMs.toFixed(0)} ms; ${JSON.stringify(outcomes)}; ${verified.size} receipts verified; ${sealedWithoutReceipt.size} documents sealed by a killed stamp before their receipt was written`,
  );

  // Documents sealed before a crash: `notar prove` rebuilds their receipts from the store.
  // (`--no-receipts` stops exactly where a kill after sealing would, so one case is certain.)
  fs.writeFileSync(path.join(s.dir, 'sealed-only.txt'), 'sealed, then the stamp died\n');
  expect(s.run(['stamp', '--no-receipts', 'sealed-only.txt']).code).toBe(0);
  for (const d of ['sealed-only.txt', ...[...sealedWithoutReceipt].slice(0, 3)]) {
    const r = s.run(['prove', d]);
    expect(r.code, r.stderr).toBe(0);
    const file = path.join(os.tmpdir(), `proved-${process.pid}-${path.basename(d)}.json`);
    fs.writeFileSync(file, r.stdout);
    expectReceiptVerifies(file, path.join(s.dir, d), key);
  }

  // The worst leftovers at once: a stale lock of a dead stamp and a torn block line.
  const dead = await notarAsync(['--version'], { cwd: s.dir, env: s.env });
  expect(dead.code).toBe(0);
  fs.rmSync(path.join(s.storeDir, 'lock'), { force: true });
  fs.writeFileSync(path.join(s.storeDir, 'lock'), `${dead.pid} ${os.hostname()} 2020-01-01T00:00:00.000Z\n`);
  const torn = `{"seq":${chainBlocks(s.storeDir)},"time":"20`;
  fs.appendFileSync(path.join(s.storeDir, 'chain.jsonl'), torn);
  const notice = s.run(['chain', 'verify']);
  expect(notice.code, notice.stderr).toBe(0);
  expect(notice.stderr).toContain('incomplete line');

  fs.writeFileSync(path.join(s.dir, 'last.txt'), 'stamped after the crashes\n');
  fs.writeFileSync(path.join(s.dir, 'all'), [...docs, 'last.txt'].join('\n') + '\n');
  // --again: documents a killed stamp sealed without writing their receipt are already in the
  // store, and a plain stamp skips them (issue 13; `notar prove` is the other way to get them).
  const final = s.run(['stamp', '--files-from', 'all', '--again']);
  expect(final.code, final.stderr).toBe(0);
  expect(final.stderr).toContain(`recovered: removed a stale lock left by process ${dead.pid}`);
  expect(final.stderr).toContain(`recovered: removed ${torn.length} bytes of an incomplete block line`);
  const audit = s.run(['chain', 'verify']);
  expect(audit.code, audit.stderr).toBe(0);
  expect(audit.stderr).not.toMatch(/error|incomplete|has no block/);
  for (const d of [...docs, 'last.txt']) {
    if (!verified.has(d)) expectReceiptVerifies(path.join(s.dir, d + '.notar.json'), path.join(s.dir, d), key);
  }
  expect(fs.existsSync(path.join(s.storeDir, 'lock'))).toBe(false);
}, 180_000);

it('a block line that lost only its final newline is completed by the next stamp, never dropped', () => {
  const s = makeStore('notary.example.gov/newline');
  fs.writeFileSync(path.join(s.dir, 'a.txt'), 'a\n');
  fs.writeFileSync(path.join(s.dir, 'b.txt'), 'b\n');
  fs.writeFileSync(path.join(s.dir, 'c.txt'), 'c\n');
  expect(s.run(['stamp', 'a.txt']).code).toBe(0);
  expect(s.run(['stamp', 'b.txt']).code).toBe(0);
  const chainFile = path.join(s.storeDir, 'chain.jsonl');
  const text = fs.readFileSync(chainFile, 'utf8');
  fs.writeFileSync(chainFile, text.slice(0, -1));
  const notice = s.run(['chain', 'verify']);
  expect(notice.code, notice.stderr).toBe(0);
  expect(notice.stderr).toContain('the last line (block 1) lacks its final newline');
  const r = s.run(['stamp', 'c.txt']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toBe('notar: recovered: completed block 1, whose final newline was lost in an interrupted stamp\n');
  expect(r.stdout).toMatch(/ in block 2 /);
  expect(fs.readFileSync(chainFile, 'utf8').startsWith(text)).toBe(true);
  const audit = s.run(['chain', 'verify']);
  expect(audit.code, audit.stderr).toBe(0);
  expect(audit.stdout).toMatch(/^chain OK: 3 blocks, 3 documents/);
  for (const d of ['a.txt', 'b.txt', 'c.txt'])
    expectReceiptVerifies(path.join(s.dir, d + '.notar.json'), path.join(s.dir, d), s.vkey);
});
