#!/usr/bin/env node
/**
 * Cost of one seal on a long chain, as `notar serve` pays it once per block
 * (issue 15): `node bench/seal-long.mjs [BLOCKS=10000] [SEALS=20]`.
 *
 * Builds a BLOCKS-block store with bench/make-chain.mjs, then seals SEALS
 * one-document blocks through one Store object in one process (as the
 * server's sequencer does) and prints the first seal (no verified state in
 * memory yet) and the median and max of the others. Uses dist/ as built.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [blocks = 10_000, seals = 20] = process.argv.slice(2).map(Number);
const mod = (p) => import(pathToFileURL(path.join(repo, 'dist', p)).href);
const [{ openStore }, { nodeCrypto }] = await Promise.all([mod('store/store.js'), mod('node/crypto.js')]);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'notar-seal-long-'));
try {
  const dir = path.join(tmp, 'store');
  const mk = spawnSync(process.execPath, [path.join(repo, 'bench/make-chain.mjs'), dir, String(blocks), '1'], {
    encoding: 'utf8',
  });
  if (mk.status !== 0) throw new Error(mk.stderr);
  const store = openStore(dir, nodeCrypto);
  const signer = store.signer(() => '');
  const times = [];
  for (let i = 0; i < seals; i++) {
    const t0 = process.hrtime.bigint();
    await store.seal({ digests: new Uint8Array(randomBytes(32)), names: [undefined] }, signer);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const rest = times.slice(1).sort((a, b) => a - b);
  const f = (x) => x.toFixed(1);
  process.stdout.write(
    `seal on a ${blocks}-block chain: first ${f(times[0])} ms; next ${seals - 1}: median ${f(rest[Math.floor(rest.length / 2)])} ms, max ${f(rest[rest.length - 1])} ms (load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')})\n`,
  );
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
