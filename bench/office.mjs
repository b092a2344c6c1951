#!/usr/bin/env node
/**
 * Figures for the office server (issue 15), not a test:
 *
 *   node bench/office.mjs [--quick] [--only server,publish,monitor,kill]
 *
 * server   16 clerks × 10,000 digests each (requests of 1,000) against `notar
 *          serve` on loopback: documents/s, p50/p99 request latency, peak
 *          server RSS; versus one local `stamp --digests --json` of the same
 *          160,000 digests, and versus 16 local stamp processes at once.
 * publish  `notar publish` of a 10,000-block store (bench/make-chain.mjs):
 *          time and peak RSS, then an incremental publish of 1 more block.
 * monitor  `notar monitor` catching up on those 10,000 blocks from the
 *          directory and over HTTP (`notar serve` publishing the same log).
 * long     `notar serve` on a 10,000-block store (bench/make-chain.mjs), one
 *          request of 100 digests per block (--window-ms 1), 30 in a row:
 *          median and max request latency (the cost per block must not grow
 *          with the chain: Store.seal checks only what changed).
 * kill     20 SIGKILLs of `notar serve` under load: receipts received for
 *          unsealed digests, sealed documents lost, chain verify after each.
 *
 * Uses bin/notar.js and dist/ as built (`npm run build` first).
 */
import { spawn, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(repo, 'bin/notar.js');
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const only = argv.includes('--only')
  ? argv[argv.indexOf('--only') + 1].split(',')
  : ['server', 'publish', 'monitor', 'long', 'kill'];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'notar-office-bench-'));
const N = {
  clerks: 16,
  perClerk: quick ? 2000 : 10_000,
  perRequest: 1000,
  blocks: quick ? 2000 : 10_000,
  kills: quick ? 5 : 20,
};
const rows = [];

const env = (store) => ({ PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', NOTAR_STORE: store });
const hex = (s) => crypto.createHash('sha256').update(s).digest('hex');
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const row = (figure, value, note = '') => {
  rows.push({ figure, value, note });
  process.stderr.write(`  ${figure}: ${value}${note ? `  (${note})` : ''}\n`);
};

function notar(args, store, opts = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: env(store),
    maxBuffer: 1 << 30,
    encoding: 'utf8',
    ...opts,
  });
  if (r.status !== 0 && !opts.allowFail) throw new Error(`notar ${args.join(' ')}: ${r.stderr}`);
  return r;
}

/** Runs notar with peak RSS (bench/rss-wrap.mjs), returns {ms, rssMiB}. */
function timed(args, store, opts = {}) {
  const out = path.join(tmp, `rss-${process.hrtime.bigint()}`);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [path.join(repo, 'bench/rss-wrap.mjs'), out, process.execPath, BIN, ...args], {
    env: env(store),
    maxBuffer: 1 << 30,
    ...opts,
  });
  const elapsed = ms(t0);
  if (r.status !== 0) throw new Error(`notar ${args.join(' ')} failed: ${r.stderr}`);
  return {
    ms: elapsed,
    rssMiB: Number(fs.readFileSync(out, 'utf8')) / 1024,
    cpuMs: Number(fs.readFileSync(`${out}.cpu`, 'utf8')),
  };
}

function newStore(name) {
  const store = path.join(tmp, name);
  notar(['init', '--name', `bench.notar.example/${name}`, '--no-passphrase'], store);
  return store;
}

function serve(store, extra = []) {
  const child = spawn(process.execPath, [BIN, 'serve', '--listen', '127.0.0.1:0', ...extra], {
    env: env(store),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const url = new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => {
      err += d;
      const m = /serving \S+ at (http\S+) /.exec(err);
      if (m) resolve(m[1]);
    });
    exited.then(() => reject(new Error(`serve exited: ${err}`)));
  });
  return { child, exited, url, stderr: () => err };
}

/** User + system CPU time of a running process so far (ms; 100 clock ticks per second). */
function cpuMsOf(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(stat[11]) + Number(stat[12])) * 10;
}

function vmHwmMiB(pid) {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/**
 * The load generator's request (node:http, keep-alive): it shares the two cores with the
 * server, so it only counts the receipt lines as the chunks arrive (fetch cost it more CPU
 * than the server spent encoding the receipts).
 */
const agent = new http.Agent({ keepAlive: true });
function postCounting(url, token, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/v1/stamp`,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${token}`,
        },
      },
      (res) => {
        let lines = 0;
        const errors = [];
        res.on('data', (chunk) => {
          if (res.statusCode !== 200) errors.push(chunk);
          for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
        });
        res.on('end', () => resolve({ status: res.statusCode, lines, text: Buffer.concat(errors).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function post(url, token, docs, { parse = true } = {}) {
  const res = await fetch(`${url}/v1/stamp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: typeof docs === 'string' ? docs : JSON.stringify(docs),
  });
  if (parse) return { status: res.status, text: await res.text() };
  // The load generator only counts receipt lines (it shares the 2 cores with the server).
  const bytes = new Uint8Array(await res.arrayBuffer());
  let lines = 0;
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) lines++;
  return { status: res.status, lines, text: res.status === 200 ? '' : new TextDecoder().decode(bytes) };
}

async function figServer() {
  const store = newStore('server');
  const tokens = Array.from({ length: N.clerks }, (_, i) => notar(['clerk', 'add', `clerk${i}`], store).stdout.trim());
  const srv = serve(store);
  const url = await srv.url;
  // The request bodies are made before the clock starts, as local stamp's input is.
  const bodies = tokens.map((_, c) =>
    Array.from({ length: N.perClerk / N.perRequest }, (_, r) =>
      JSON.stringify(Array.from({ length: N.perRequest }, (_, i) => ({ sha256: hex(`c${c} r${r} d${i}`) }))),
    ),
  );
  const latencies = [];
  const cpuBefore = cpuMsOf(srv.child.pid);
  const clientBefore = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await Promise.all(
    tokens.map(async (token, c) => {
      for (const body of bodies[c]) {
        const t = process.hrtime.bigint();
        const res = await postCounting(url, token, body);
        latencies.push(ms(t));
        if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.text.slice(0, 200)}`);
        if (res.lines !== N.perRequest) throw new Error(`${res.lines} receipts for ${N.perRequest} digests`);
      }
    }),
  );
  const wall = ms(t0);
  const rss = vmHwmMiB(srv.child.pid);
  const serverCpu = cpuMsOf(srv.child.pid) - cpuBefore;
  const client = process.cpuUsage(clientBefore);
  srv.child.kill('SIGTERM');
  await srv.exited;
  const total = N.clerks * N.perClerk;
  const blocks = notar(['log', '--json'], store).stdout.trim().split('\n').length;
  row(
    'server: 16 clerks, documents/s',
    Math.round(total / (wall / 1000)),
    `${total} digests in ${(wall / 1000).toFixed(2)} s, ${blocks} blocks`,
  );
  row(
    'server: request latency p50 / p99 (ms)',
    `${pct(latencies, 50).toFixed(0)} / ${pct(latencies, 99).toFixed(0)}`,
    `${latencies.length} requests of ${N.perRequest}`,
  );
  row('server: peak RSS (MiB)', rss.toFixed(0));
  row(
    'server: CPU time of the server process (s)',
    (serverCpu / 1000).toFixed(2),
    `user + system, during the run; the 16 clerks (this process) used ${((client.user + client.system) / 1e6).toFixed(2)} s`,
  );
  // The same digests stamped locally, one process.
  const local = newStore('local');
  const input = Array.from({ length: total }, (_, i) => hex(`local ${i}`)).join('\n') + '\n';
  const one = timed(['stamp', '--digests', '--json'], local, { input, stdio: ['pipe', 'ignore', 'pipe'] });
  row(
    'local: one stamp --digests --json, documents/s',
    Math.round(total / (one.ms / 1000)),
    `${(one.ms / 1000).toFixed(2)} s, ${one.rssMiB.toFixed(0)} MiB, ${(one.cpuMs / 1000).toFixed(2)} s CPU; server/local time ratio ${(wall / one.ms).toFixed(2)}, CPU ratio ${(serverCpu / one.cpuMs).toFixed(2)}`,
  );
  const many = newStore('local16');
  const t1 = process.hrtime.bigint();
  await Promise.all(
    Array.from(
      { length: N.clerks },
      (_, c) =>
        new Promise((resolve, reject) => {
          const p = spawn(process.execPath, [BIN, 'stamp', '--digests', '--json'], {
            env: env(many),
            stdio: ['pipe', 'ignore', 'ignore'],
          });
          p.stdin.end(Array.from({ length: N.perClerk }, (_, i) => hex(`m${c} ${i}`)).join('\n') + '\n');
          p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`local stamp ${c} exited ${code}`))));
        }),
    ),
  );
  const t16 = ms(t1);
  row(
    'local: 16 stamp processes at once, documents/s',
    Math.round(total / (t16 / 1000)),
    `${(t16 / 1000).toFixed(2)} s`,
  );
}

async function figLong() {
  const store = path.join(tmp, 'long');
  const mk = spawnSync(process.execPath, [path.join(repo, 'bench/make-chain.mjs'), store, String(N.blocks), '1'], {
    encoding: 'utf8',
  });
  if (mk.status !== 0) throw new Error(mk.stderr);
  const token = notar(['clerk', 'add', 'long'], store).stdout.trim();
  const srv = serve(store, ['--window-ms', '1']);
  const url = await srv.url;
  const latencies = [];
  for (let r = 0; r < 31; r++) {
    const docs = Array.from({ length: 100 }, (_, i) => ({ sha256: hex(`long ${r} ${i}`) }));
    const t = process.hrtime.bigint();
    const res = await post(url, token, docs, { parse: false });
    latencies.push(ms(t));
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.text.slice(0, 200)}`);
  }
  srv.child.kill('SIGTERM');
  await srv.exited;
  const rest = latencies.slice(1);
  row(
    `long: one-request blocks on a ${N.blocks}-block store, latency median / max (ms)`,
    `${pct(rest, 50).toFixed(0)} / ${Math.max(...rest).toFixed(0)}`,
    `30 requests of 100 digests after a first one of ${latencies[0].toFixed(0)} ms (the full check)`,
  );
}

let chainStore;
function figPublish() {
  chainStore = path.join(tmp, 'chain');
  const mk = spawnSync(process.execPath, [path.join(repo, 'bench/make-chain.mjs'), chainStore, String(N.blocks), '3'], {
    encoding: 'utf8',
  });
  if (mk.status !== 0) throw new Error(mk.stderr);
  const out = path.join(tmp, 'published');
  const full = timed(['publish', '--out', out], chainStore, { stdio: ['ignore', 'ignore', 'pipe'] });
  const files = fs.readdirSync(out, { recursive: true }).length;
  row(
    `publish: ${N.blocks} blocks from scratch (s)`,
    (full.ms / 1000).toFixed(2),
    `${full.rssMiB.toFixed(0)} MiB peak; ${files} files and directories`,
  );
  const again = timed(['publish', '--out', out], chainStore, { stdio: ['ignore', 'ignore', 'pipe'] });
  row('publish: nothing new (ms)', again.ms.toFixed(0), `${again.rssMiB.toFixed(0)} MiB`);
  return out;
}

async function figMonitor(out) {
  const vkey = fs.readFileSync(path.join(chainStore, 'key.pub'), 'utf8').trim();
  const dir = timed(['monitor', out, '--key', vkey, '--state', path.join(tmp, 'mstate')], chainStore, {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  row(
    `monitor: catch up on ${N.blocks} blocks from a directory (s)`,
    (dir.ms / 1000).toFixed(2),
    `${dir.rssMiB.toFixed(0)} MiB peak`,
  );
  const srv = serve(chainStore, ['--publish-dir', out]);
  const url = await srv.url;
  const http = timed(['monitor', url, '--key', vkey], chainStore, { stdio: ['ignore', 'ignore', 'pipe'] });
  srv.child.kill('SIGTERM');
  await srv.exited;
  row(
    `monitor: catch up on ${N.blocks} blocks over HTTP from notar serve (s)`,
    (http.ms / 1000).toFixed(2),
    `${http.rssMiB.toFixed(0)} MiB peak`,
  );
}

async function figKill() {
  const { verifyReceipt } = await import(pathToFileURL(path.join(repo, 'dist/core/verify.js')).href);
  const { parseVerifierKey } = await import(pathToFileURL(path.join(repo, 'dist/core/note.js')).href);
  const { nodeCrypto } = await import(pathToFileURL(path.join(repo, 'dist/node/crypto.js')).href);
  const store = newStore('kill');
  const key = parseVerifierKey(fs.readFileSync(path.join(store, 'key.pub'), 'utf8').trim());
  const tokens = Array.from({ length: 4 }, (_, i) => notar(['clerk', 'add', `k${i}`], store).stdout.trim());
  let received = 0;
  let badReceipts = 0;
  let lost = 0;
  let cut = 0;
  let auditsFailed = 0;
  let unattributed = 0;
  for (let round = 0; round < N.kills; round++) {
    const srv = serve(store);
    const url = await srv.url;
    const reqs = [];
    for (const [c, token] of tokens.entries()) {
      for (let r = 0; r < 3; r++) {
        const docs = Array.from({ length: 500 }, (_, i) => ({ sha256: hex(`k${round} c${c} r${r} d${i}`) }));
        reqs.push(post(url, token, docs).catch(() => undefined));
      }
    }
    await new Promise((r) => setTimeout(r, Math.random() * 800));
    srv.child.kill('SIGKILL');
    await srv.exited;
    const replies = await Promise.all(reqs);
    const chainFile = path.join(store, 'chain.jsonl');
    const text = fs.existsSync(chainFile) ? fs.readFileSync(chainFile, 'utf8') : '';
    const chain = text
      .slice(0, text.lastIndexOf('\n') + 1)
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    for (const rep of replies) {
      if (!rep || rep.status !== 200) {
        cut++;
        continue;
      }
      for (const line of rep.text.trim().split('\n')) {
        const receipt = JSON.parse(line);
        received++;
        const v = verifyReceipt(receipt, Buffer.from(receipt.document.sha256, 'hex'), [key], nodeCrypto);
        if (!v.ok || chain[receipt.history.size - 1]?.checkpoint !== receipt.checkpoint) badReceipts++;
      }
    }
    // Every sealed block has its clerks' line (same seq and batch root), written before it was signed.
    const stampFile = path.join(store, 'stampings.jsonl');
    const attributed = new Set(
      (fs.existsSync(stampFile) ? fs.readFileSync(stampFile, 'utf8') : '')
        .split('\n')
        .filter((l) => l.endsWith('}'))
        .map((l) => {
          const o = JSON.parse(l);
          return `${o.seq} ${o.root}`;
        }),
    );
    unattributed = chain.filter((b) => !attributed.has(`${b.seq} ${b.root}`)).length;
    const audit = notar(['chain', 'verify'], store, { allowFail: true });
    if (audit.status !== 0) auditsFailed++;
    // Sealed documents are never lost: every one is in a leaves file (chain verify re-hashes them all).
    if (audit.status !== 0 && /leaves/.test(audit.stdout + audit.stderr)) lost++;
  }
  row(
    `kill: ${N.kills} SIGKILLs under load`,
    `${badReceipts} receipts for unsealed digests, ${lost} rounds losing sealed documents, ${auditsFailed} failed chain audits, ${unattributed} blocks without their clerks' line`,
    `${received} receipts received and verified, ${cut} requests cut off`,
  );
}

try {
  if (only.includes('server')) await figServer();
  if (only.includes('publish') || only.includes('monitor')) {
    const out = figPublish();
    if (only.includes('monitor')) await figMonitor(out);
  }
  if (only.includes('long')) await figLong();
  if (only.includes('kill')) await figKill();
  process.stdout.write(
    `\n| figure | value | note |\n| --- | --- | --- |\n${rows.map((r) => `| ${r.figure} | ${r.value} | ${r.note} |`).join('\n')}\n`,
  );
  process.stdout.write(
    `\n${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}, ${new Date().toISOString()}${quick ? ', --quick' : ''}\n`,
  );
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
