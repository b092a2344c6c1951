// Witness figures for issue 12 (not part of npm test: timings depend on load).
//   node bench/witness.mjs [--runs N]
// 1. cosignatures verified per second (core verifyCosignature, with noble and with node:crypto passed, as the CLI does)
// 2. time added to `notar stamp` (one small file) by three loopback `notar witness serve`
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const core = await import(path.join(root, 'dist/core/index.js'));
const { nodeCrypto } = await import(path.join(root, 'dist/node/crypto.js'));
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 15;
const BIN = path.join(root, 'bin/notar.js');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function verifyRate(label, c) {
  const w = core.cosignerFromSeed('witness.example.gov/w1', new Uint8Array(32).fill(2));
  const body = 'notary.example.gov/test\n2\nP9hdxeD42S9WsGlzWJRuz5SwzemAkHPfePClZwVa1nA=\n';
  const sig = core.parseNote('x\n\n' + core.cosign(w, body, 1772529000)).signatures[0];
  for (let i = 0; i < 50; i++) core.verifyCosignature(body, sig, w, c);
  const n = 3000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) if (core.verifyCosignature(body, sig, w, c) === undefined) throw new Error('bad');
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`cosignatures verified per second (${label}): ${Math.round(n / s)}`);
}

verifyRate('@noble/ed25519 only', core.nobleCrypto);
verifyRate('node:crypto, as the CLI', nodeCrypto);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'notar-bench-witness-'));
const env = (extra) => ({ PATH: process.env.PATH, HOME: process.env.HOME, ...extra });
const notar = (args, e) =>
  execFileSync(process.execPath, [BIN, ...args], { env: e, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const plain = env({ NOTAR_STORE: path.join(tmp, 'plain') });
const witnessed = env({ NOTAR_STORE: path.join(tmp, 'witnessed') });
notar(['init', '--name', 'bench.example/plain', '--no-passphrase'], plain);
const vkey = notar(['init', '--name', 'bench.example/witnessed', '--no-passphrase'], witnessed).trim();
const servers = [];
for (let i = 1; i <= 3; i++) {
  const we = env({ NOTAR_WITNESS_STORE: path.join(tmp, `w${i}`) });
  const wkey = notar(['witness', 'init', '--name', `w${i}.bench.example/w`, '--no-passphrase'], we).trim();
  notar(['witness', 'add-log', vkey], we);
  const child = spawn(process.execPath, [BIN, 'witness', 'serve', '--listen', '127.0.0.1:0'], {
    env: we,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = await new Promise((resolve) => {
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
      const m = /listening on (http:\/\/[^/]+)\//.exec(err);
      if (m) resolve(m[1]);
    });
  });
  servers.push(child);
  notar(['witnesses', 'add', wkey, '--url', url], witnessed);
}
function time(e, i) {
  const f = path.join(tmp, `doc-${i}-${Math.random()}.txt`);
  fs.writeFileSync(f, `document ${i}\n`);
  const t0 = process.hrtime.bigint();
  notar(['stamp', f, '--no-receipts'], e);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
const a = [];
const b = [];
for (let i = 0; i < runs; i++) {
  a.push(time(plain, i));
  b.push(time(witnessed, i));
}
const cosigned = fs.readdirSync(path.join(tmp, 'witnessed', 'cosigs')).length;
console.log(
  `notar stamp, one small file, median of ${runs}: ${median(a).toFixed(0)} ms without witnesses, ${median(b).toFixed(0)} ms with three loopback witnesses: +${(median(b) - median(a)).toFixed(0)} ms (${cosigned}/${runs} blocks cosigned)`,
);
for (const s of servers) s.kill('SIGTERM');
fs.rmSync(tmp, { recursive: true, force: true });
