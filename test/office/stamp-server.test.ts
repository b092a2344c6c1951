// `notar stamp --server URL --token-file FILE`: the clerk's side. Hashes
// locally, sends digests, writes receipts only for sealed documents; every
// failure (auth, down, timeout, 413, 429, bad receipts) is one line, exit 2,
// and nothing written. Runs against the real `notar serve`, and against a
// fake server for the failures a real one should never produce.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, makeStore, notar, tempDir, writeDocs, type TestStore } from '../cli/helpers.js';
import { expectOneError, notarAsync } from '../reliability/helpers.js';
import { freePort } from './nginx.js';
import { startServe, type ServerProc } from './server-helpers.js';

/** A clerk's machine: no store at all, just the token file. */
function desk(token: string) {
  const dir = tempDir('notar-desk-');
  fs.writeFileSync(path.join(dir, 'token'), token + '\n', { mode: 0o600 });
  const run = (args: string[], input?: string) => notar(args, { cwd: dir, env: baseEnv(), input });
  return { dir, run };
}
const files = (dir: string) => fs.readdirSync(dir).sort();
const sha = (t: string) => crypto.createHash('sha256').update(t).digest('hex');

describe('notar stamp --server', () => {
  let s: TestStore;
  let srv: ServerProc;
  let token: string;
  beforeAll(async () => {
    s = makeStore('notary.example.gov/office');
    token = s.run(['clerk', 'add', 'carol']).stdout.trim();
    srv = await startServe(s, ['--window-ms', '20', '--max-request-docs', '3']);
  });
  afterAll(async () => {
    srv.child.kill('SIGTERM');
    await srv.exited;
  });

  it('stamps files like local stamp: receipts beside them, verifying offline; the clerk is recorded; a re-run keeps them', () => {
    const d = desk(token);
    writeDocs(d.dir, { 'deed-1.pdf': 'deed one', 'deed-2.pdf': 'deed two' });
    const r = d.run(['stamp', '--server', srv.url, '--token-file', 'token', 'deed-1.pdf', 'deed-2.pdf']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^stamped 2 documents in block \d+ of notary\.example\.gov\/office at \S+Z \(root [0-9a-f]{16}…\)\n$/,
    );
    for (const doc of ['deed-1.pdf', 'deed-2.pdf']) {
      const v = d.run(['verify', doc, '--key', s.vkey]);
      expect(v.code, v.stderr).toBe(0);
    }
    const seq = JSON.parse(fs.readFileSync(path.join(d.dir, 'deed-1.pdf.notar.json'), 'utf8')).block.seq;
    const rec = fs
      .readFileSync(path.join(s.storeDir, 'stampings.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .find((x) => x.seq === seq);
    expect(rec.stampings).toEqual([{ clerk: 'carol', from: 0, count: 2 }]);
    const again = d.run(['stamp', '--server', srv.url, '--token-file', 'token', 'deed-1.pdf', 'deed-2.pdf']);
    expect([again.code, again.stdout]).toEqual([
      0,
      'nothing new to stamp: kept 2 existing receipts (use --force to stamp again)\n',
    ]);
  });

  it('--digests --json, --out, and stdin (-) work as with local stamp', () => {
    const d = desk(token);
    let r = d.run(
      ['stamp', '--server', srv.url, '--token-file', 'token', '--digests', '--json'],
      `${sha('a')}  a.txt\n${sha('b')}  b.txt\n`,
    );
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.document, l.sha256, l.receipt.document.name])).toEqual([
      ['a.txt', sha('a'), 'a.txt'],
      ['b.txt', sha('b'), 'b.txt'],
    ]);
    r = d.run(
      ['stamp', '--server', srv.url, '--token-file', 'token', '--digests', '--out', 'receipts'],
      `${sha('c')}\n`,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(files(path.join(d.dir, 'receipts'))).toEqual([`${sha('c')}.notar.json`]);
    r = d.run(['stamp', '--server', srv.url, '--token-file', 'token', '-'], 'a letter\n');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).document.sha256).toBe(sha('a letter\n'));
  });

  it('auth, usage and size failures: one line, exit 2, nothing written', async () => {
    const d = desk('notar_not-a-real-token');
    writeDocs(d.dir, { 'a.txt': 'a', 'b.txt': 'b', 'c.txt': 'c', 'd.txt': 'd' });
    const before = files(d.dir);
    let r = d.run(['stamp', '--server', srv.url, '--token-file', 'token', 'a.txt']);
    expectOneError(r, 2, /the notary server refused the request \(HTTP 401 UNAUTHORIZED: .*\); nothing was stamped/);
    expect(r.stderr).toMatch(/notar: hint: check --token-file/);
    const good = desk(token);
    writeDocs(good.dir, { 'a.txt': 'a', 'b.txt': 'b', 'c.txt': 'c', 'd.txt': 'd' });
    r = good.run(['stamp', '--server', srv.url, '--token-file', 'token', 'a.txt', 'b.txt', 'c.txt', 'd.txt']);
    expectOneError(r, 2, /HTTP 413 TOO_MANY/);
    expect(files(good.dir)).toEqual(['a.txt', 'b.txt', 'c.txt', 'd.txt', 'token']);
    r = d.run(['stamp', '--server', srv.url, 'a.txt']);
    expectOneError(r, 2, /--server needs --token-file FILE/);
    r = d.run(['stamp', '--server', srv.url, '--token-file', 'missing', 'a.txt']);
    expectOneError(r, 2, /cannot read missing: no such file/);
    const down = `http://127.0.0.1:${await freePort()}`;
    r = d.run(['stamp', '--server', down, '--token-file', 'token', 'a.txt']);
    expectOneError(
      r,
      2,
      /cannot reach the notary server at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED; nothing was stamped/,
    );
    expect(files(d.dir)).toEqual(before);
  });
});

describe('notar stamp --server against a misbehaving server', () => {
  let s: TestStore;
  let fake: http.Server;
  let url: string;
  let mode: 'hang' | 'busy' | 'wrong';
  let foreignReceipt: string;
  beforeAll(async () => {
    s = makeStore('notary.example.gov/fake');
    writeDocs(s.dir, { 'other.txt': 'other' });
    foreignReceipt = JSON.stringify(JSON.parse(s.run(['stamp', '-'], { input: 'other' }).stdout));
    fake = http.createServer((req, res) => {
      if (req.url === '/v1/health') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(
          JSON.stringify({ status: 'ok', origin: 'notary.example.gov/fake', key: s.vkey, size: 1, pending: 0 }),
        );
      }
      req.resume();
      if (mode === 'hang') return; // never answers
      if (mode === 'busy') {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
        return res.end(JSON.stringify({ error: { code: 'BUSY', message: '9 documents are waiting' } }));
      }
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.end(foreignReceipt + '\n');
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    fake.closeAllConnections();
    fake.close();
  });

  for (const [m, message] of [
    ['hang', /cannot reach the notary server at .*: no answer in time; nothing was stamped/],
    ['busy', /HTTP 429 BUSY: 9 documents are waiting\); nothing was stamped/],
    ['wrong', /sent receipts that do not check out \(receipt 0 is for another document\); none was written/],
  ] as const) {
    it(`${m}: one line, exit 2, no receipt written`, async () => {
      mode = m;
      const d = desk('notar_x');
      writeDocs(d.dir, { 'mine.txt': 'mine' });
      // Asynchronously: the fake server answers from this very process.
      const r = await notarAsync(['stamp', '--server', url, '--token-file', 'token', '--timeout', '1', 'mine.txt'], {
        cwd: d.dir,
        env: baseEnv(),
      });
      expectOneError(r, 2, message);
      expect(files(d.dir)).toEqual(['mine.txt', 'token']);
    });
  }
});
