// A loopback network of three `notar witness serve` processes and one log:
// one witness down, one slower than the deadline, one whose state diverged.
// Stamping never waits past the deadline nor loses a receipt; 1-of-3, 2-of-3
// and all policies give the right verdicts; `cosign` + `refresh` reach the
// quorum; receipts verify with the CLI, the library and the Python checker.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/core/policy.js';
import { verifyReceiptWithPolicy } from '../../src/core/policy-verify.js';
import { parseNote } from '../../src/core/note.js';
import { makeStore, writeDocs, type TestStore } from '../cli/helpers.js';
import { makeWitness, serve, type Served, type TestWitness } from './helpers.js';

const ORIGIN = 'civil-registry.example.gov/acts';
let log: TestStore;
let ws: TestWitness[];
let served: Served[] = [];
let slowProxy: ChildProcess | undefined;
let slowPort = 0;
let downPort = 0;

/**
 * A TCP proxy, in its own process (the tests' own event loop is blocked while
 * a notar command runs), that holds each connection `delay` ms before passing it on.
 */
const PROXY = `
const net = require('node:net');
const [delay, target] = process.argv.slice(1).map(Number);
const server = net.createServer((client) => {
  client.pause();
  setTimeout(() => {
    const up = net.connect(target, '127.0.0.1', () => { client.pipe(up).pipe(client); client.resume(); });
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
  }, delay);
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;
function proxy(delay: number, target: number): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', PROXY, String(delay), String(target)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((r) => child.stdout!.once('data', (d: Buffer) => r({ port: Number(d.toString().trim()), child })));
}

function freePort(): Promise<number> {
  return new Promise((r) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => r(p));
    });
  });
}

const policy = (quorum: string) => {
  const lines = [`log ${log.vkey}`, ...ws.map((w, i) => `witness w${i + 1} ${w.vkey}`)];
  const q = quorum === 'none' ? 'quorum none' : `group q ${quorum} w1 w2 w3\nquorum q`;
  const file = path.join(log.dir, `policy-${quorum}.txt`);
  fs.writeFileSync(file, lines.join('\n') + '\n' + q + '\n');
  return file;
};
const verify = (doc: string, q: string, extra: string[] = []) =>
  log.run(['verify', doc, '--policy', policy(q), ...extra]);
const cosignersOf = (receipt: string) =>
  parseNote(JSON.parse(fs.readFileSync(path.join(log.dir, receipt), 'utf8')).checkpoint).signatures.map((s) => s.name);

beforeAll(async () => {
  log = makeStore(ORIGIN);
  ws = ['w1', 'w2', 'w3'].map((n) => makeWitness(`${n}.witness.example.gov/notar`));
  for (const w of ws) expect(w.run(['witness', 'add-log', log.vkey]).code).toBe(0);
  served = [await serve(ws[0]), await serve(ws[2])];
  downPort = await freePort();
  const p = await proxy(20000, served[1].port);
  slowProxy = p.child;
  slowPort = p.port;
  const urls = [served[0].url, `http://127.0.0.1:${downPort}`, `http://127.0.0.1:${slowPort}`];
  ws.forEach((w, i) => expect(log.run(['witnesses', 'add', w.vkey, '--url', urls[i]]).code).toBe(0));
});

afterAll(async () => {
  for (const s of served) await s.stop();
  slowProxy?.kill();
});

describe('stamping with witnesses', () => {
  it('one down, one late: the stamp still writes every receipt, with the one cosignature in time, and names the missed', () => {
    writeDocs(log.dir, { 'birth-1.txt': 'birth act 1\n', 'birth-2.txt': 'birth act 2\n' });
    const r = log.run(['stamp', 'birth-1.txt', 'birth-2.txt', '--witness-timeout', '3']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/cosigned by w1\.witness\.example\.gov\/notar/);
    expect(r.stderr).toMatch(/witness w2\.witness\.example\.gov\/notar missed: unreachable/);
    expect(r.stderr).toMatch(/witness w3\.witness\.example\.gov\/notar missed: no answer within 3 s/);
    for (const f of ['birth-1.txt', 'birth-2.txt'])
      expect(cosignersOf(`${f}.notar.json`)).toEqual([ORIGIN, 'w1.witness.example.gov/notar']);
    expect(fs.readdirSync(path.join(log.storeDir, 'cosigs'))).toEqual(['0000000000.txt']);
    // The chain line itself was not rewritten: it holds the log signature only.
    const line = JSON.parse(fs.readFileSync(path.join(log.storeDir, 'chain.jsonl'), 'utf8').trim());
    expect(parseNote(line.checkpoint).signatures.length).toBe(1);
  });

  it('verifies under 1-of-3, fails 2-of-3 and all at step witness naming the missing, and quorum none', () => {
    const ok = verify('birth-1.txt', '1');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(
      /^OK: birth-1\.txt was stamped by civil-registry\.example\.gov\/acts on .*; witnessed by 1 of 3 \(w1 at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\); existed no later than /,
    );
    const two = verify('birth-1.txt', '2');
    expect(two.code).toBe(1);
    expect(two.stdout).toMatch(
      /^FAILED: not enough witnesses vouch .*quorum q not met \(valid: w1; missing: w2, w3\) \(witness\)/,
    );
    expect(verify('birth-1.txt', 'all').code).toBe(1);
    expect(verify('birth-1.txt', 'none').code).toBe(0);
    // --policy names the trusted keys itself, and checks one document at a time.
    expect(verify('birth-1.txt', '1', ['--key', log.vkey]).code).toBe(2);
    expect(verify('birth-1.txt', '1', ['birth-2.txt']).code).toBe(2);
    const json = JSON.parse(verify('birth-2.txt', '1', ['--json']).stdout);
    expect(json.ok).toBe(true);
    expect(json.cosigners.map((c: { name: string; status: string }) => [c.name, c.status])).toEqual([
      ['w1', 'valid'],
      ['w2', 'missing'],
      ['w3', 'missing'],
    ]);
    expect(json.cosigners[0].timestamp).toBeGreaterThan(1_700_000_000);
  });

  it('cosign asks the missing witnesses again; refresh moves receipts to the cosigned checkpoint; all quorums hold', async () => {
    served.push(
      await (async () => {
        // w2 comes up on the port the log was told about.
        const s = await serve(ws[1], []);
        return s;
      })(),
    );
    // Point the log at w2's real port (it was down at a port nobody listened on).
    expect(log.run(['witnesses', 'remove', ws[1].name]).code).toBe(0);
    expect(log.run(['witnesses', 'add', ws[1].vkey, '--url', served[2].url]).code).toBe(0);
    // And w3 is reached directly now (no more slow link).
    expect(log.run(['witnesses', 'remove', ws[2].name]).code).toBe(0);
    expect(log.run(['witnesses', 'add', ws[2].vkey, '--url', served[1].url]).code).toBe(0);
    const c = log.run(['cosign', '--witness-timeout', '10']);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout, c.stderr + served[1].stderr()).toBe('history size 1: 3 of 3 witnesses cosigned\n');
    const r = log.run(['refresh', 'birth-1.txt.notar.json', 'birth-2.txt.notar.json']);
    expect(r.code, r.stderr).toBe(0);
    expect(cosignersOf('birth-1.txt.notar.json').length).toBe(4);
    for (const q of ['1', '2', 'all']) expect(verify('birth-1.txt', q).code, q).toBe(0);
    expect(verify('birth-2.txt', 'all').stdout).toMatch(/witnessed by 3 of 3 \(w1 at .*, w2 at .*, w3 at .*\)/);
    // The library agrees.
    const receipt = fs.readFileSync(path.join(log.dir, 'birth-1.txt.notar.json'), 'utf8');
    const crypto = await import('node:crypto');
    const digest = new Uint8Array(crypto.createHash('sha256').update('birth act 1\n').digest());
    const res = verifyReceiptWithPolicy(receipt, digest, parsePolicy(fs.readFileSync(policy('all'), 'utf8')));
    expect(res.ok).toBe(true);
    // And so does the independent Python checker, for every witness.
    const py = spawnSync(
      'python3',
      [
        path.resolve(__dirname, '../../examples/verify_cosignature.py'),
        '-',
        ...ws.flatMap((w) => ['--witness', w.vkey]),
      ],
      { input: JSON.parse(receipt).checkpoint, encoding: 'utf8' },
    );
    expect(py.status, py.stderr).toBe(0);
    expect(
      py.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ')[0]),
    ).toEqual(['OK', 'OK', 'OK']);
  });

  it('the next stamp sends proofs from the size each witness cosigned; all three cosign at once', () => {
    writeDocs(log.dir, { 'death-1.txt': 'death act 1\n' });
    const r = log.run(['stamp', 'death-1.txt']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/cosigned by .*w1.*w2.*w3|cosigned by (?=.*w1)(?=.*w2)(?=.*w3)/);
    expect(verify('death-1.txt', 'all').code).toBe(0);
  });

  it('a witness whose state diverged (it cosigned a fork) refuses loudly; the stamp goes on', () => {
    // A fork of this log (same key) is shown to a fourth witness first.
    fs.writeFileSync(path.join(log.dir, 'secret.key'), log.run(['key', 'export']).stdout, { mode: 0o600 });
    const fork = makeStore(ORIGIN, ['--no-passphrase', '--import', path.join(log.dir, 'secret.key')]);
    for (const n of ['x', 'y', 'z']) {
      writeDocs(fork.dir, { [n]: `forged ${n}\n` });
      expect(fork.run(['stamp', n]).code).toBe(0);
    }
    const w4 = makeWitness('w4.witness.example.gov/notar');
    expect(w4.run(['witness', 'add-log', log.vkey]).code).toBe(0);
    const forked = w4.run(['witness', 'cosign', '-'], fork.run(['checkpoint', '--request']).stdout);
    expect(forked.code, forked.stderr).toBe(0);
    return serve(w4).then(async (s4) => {
      served.push(s4);
      expect(log.run(['witnesses', 'add', w4.vkey, '--url', s4.url]).code).toBe(0);
      writeDocs(log.dir, { 'death-2.txt': 'death act 2\n' });
      const r = log.run(['stamp', 'death-2.txt']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/witness w4\.witness\.example\.gov\/notar refused: POSSIBLE FORK OR MISCONFIGURATION/);
      expect(fs.existsSync(path.join(log.dir, 'death-2.txt.notar.json'))).toBe(true);
      expect(verify('death-2.txt', 'all').code).toBe(0);
      // The witness's own log line arrives once this test's event loop runs again.
      for (let i = 0; i < 100 && !/witness: 4\d\d/.test(s4.stderr()); i++) await new Promise((r) => setTimeout(r, 50));
      expect(s4.stderr()).toMatch(/witness: (409|422) /);
    });
  });

  it('policy prints a tlog-policy that verify accepts', () => {
    const p = log.run(['policy', '--quorum', '2']);
    expect(p.code).toBe(0);
    const parsed = parsePolicy(p.stdout);
    expect(parsed.witnesses.length).toBe(4);
    fs.writeFileSync(path.join(log.dir, 'store.policy'), p.stdout);
    expect(log.run(['verify', 'death-1.txt', '--policy', 'store.policy']).code).toBe(0);
    expect(log.run(['policy', '--quorum', '9']).code).toBe(2);
  });
});
