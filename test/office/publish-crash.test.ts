// `notar publish` SIGKILLed at random moments: whatever checkpoint the
// directory holds afterwards has every tile, bundle and leaf-hash file it
// needs (the checkpoint is written last), so `notar monitor` accepts it; the
// next publish completes the rest and the independent reader agrees.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { openStore } from '../../src/store/store.js';
import { baseEnv, notar, tempDir } from '../cli/helpers.js';
import { docBatch } from '../store/fixtures.js';
import { notarAsync, prng, testSeed } from '../reliability/helpers.js';
import { nodeCrypto } from '../../src/node/crypto.js';

const ROOT = path.resolve(__dirname, '../..');

it('survives SIGKILLs of notar publish at random points, fresh and incremental', { timeout: 240_000 }, async () => {
  const rand = prng(testSeed('publish-crash'));
  const dir = tempDir();
  const storeDir = path.join(dir, 'store');
  const out = path.join(dir, 'log');
  // A long chain, fast (bench/make-chain.mjs writes what `notar stamp` would).
  const mk = spawnSync(process.execPath, [path.join(ROOT, 'bench/make-chain.mjs'), storeDir, '1500', '2'], {
    encoding: 'utf8',
  });
  expect(mk.status, mk.stderr).toBe(0);
  const vkey = fs.readFileSync(path.join(storeDir, 'key.pub'), 'utf8').trim();
  const store = openStore(storeDir, nodeCrypto);
  const signer = store.signer(() => '');
  const env = baseEnv({ NOTAR_STORE: storeDir });
  let killed = 0;
  for (let round = 0; round < 6; round++) {
    if (round >= 3) for (let i = 0; i < 40; i++) await store.seal(docBatch([`round ${round} doc ${i}`]), signer);
    // Rounds 0-1: killed somewhere in a publish from scratch; round 2 completes; rounds 3-5:
    // killed somewhere in an incremental publish (start-up takes ~150 ms of the window).
    const killAfterMs = round === 2 ? undefined : Math.floor(rand() * (round < 2 ? 1500 : 450));
    const r = await notarAsync(['publish', '--out', out], { cwd: dir, env, killAfterMs });
    if (r.signal === 'SIGKILL') killed++;
    else expect(r.code, r.stderr).toBe(0);
    if (round >= 2) {
      const m = notar(['monitor', out, '--key', vkey], { env: baseEnv() });
      expect(m.code, `round ${round}: ${m.stderr}${m.stdout.slice(-2000)}`).toBe(0);
    }
  }
  const last = notar(['publish', '--out', out], { env });
  expect(last.code, last.stderr).toBe(0);
  const size = store.readChain().records.length;
  expect(fs.readFileSync(path.join(out, 'checkpoint'), 'utf8').split('\n')[1]).toBe(String(size));
  expect(notar(['monitor', out, '--key', vkey], { env: baseEnv() }).code).toBe(0);
  const py = spawnSync('python3', [path.join(ROOT, 'test/interop/tiles_reader.py'), out, '--key', vkey, '--leaves'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, PYTHONDONTWRITEBYTECODE: '1' },
  });
  expect(JSON.parse(py.stdout)).toMatchObject({ ok: true, size });
  console.log(`publish-crash: ${killed} of 6 publishes killed`);
});
