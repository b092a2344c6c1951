/**
 * `notar tsa`, stamping with a TSA, `notar timestamp` (online, --request,
 * --reply) and `refresh`, with the real binary and a real TSA: openssl ts
 * behind a loopback HTTP server (openssl-tsa.ts). The binary runs with an
 * async spawn: the TSA server lives in this process.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeStore, notar, writeDocs, type TestStore } from '../cli/helpers.js';
import { run } from './run.js';
import { makeTestPki, opensslQuery, startTsaServer, type TestPki, type TestTsaServer } from './openssl-tsa.js';

let pki: TestPki;
let server: TestTsaServer;

beforeAll(async () => {
  pki = makeTestPki();
  server = await startTsaServer(pki);
});
afterAll(async () => {
  await server?.close();
});

function lastCheckpointBody(s: TestStore): string {
  const lines = fs.readFileSync(path.join(s.storeDir, 'chain.jsonl'), 'utf8').trim().split('\n');
  const note = JSON.parse(lines[lines.length - 1]).checkpoint as string;
  return note.slice(0, note.indexOf('\n\n') + 1);
}

function receipt(s: TestStore, doc: string): { timestamps?: string[]; checkpoint: string } {
  return JSON.parse(fs.readFileSync(path.join(s.dir, doc + '.notar.json'), 'utf8'));
}

const tokenFiles = (s: TestStore) =>
  fs.existsSync(path.join(s.storeDir, 'tsa/tokens')) ? fs.readdirSync(path.join(s.storeDir, 'tsa/tokens')) : [];

async function storeWithTsa(extra: string[] = []): Promise<TestStore> {
  const s = makeStore();
  const r = await run(s, ['tsa', 'add', server.url, '--cert', pki.caCert, '--name', 'test-tsa', ...extra]);
  expect(r.code, r.stderr).toBe(0);
  return s;
}

describe('help', () => {
  it('lists tsa and timestamp, and each has an example', () => {
    expect(notar(['--help']).stdout).toMatch(/^\s+tsa\b[\s\S]*^\s+timestamp\b/m);
    for (const cmd of [['tsa', 'add'], ['tsa', 'remove'], ['tsa', 'list'], ['timestamp']]) {
      const r = notar([...cmd, '--help']);
      expect(r.code, cmd.join(' ')).toBe(0);
      expect(r.stdout, cmd.join(' ')).toMatch(/Examples?:\n\s+notar /);
    }
    expect(notar(['verify', '--help']).stdout).toContain('--tsa-cert <file>');
    expect(notar(['verifier-page', '--help']).stdout).toContain('--tsa-cert <file>');
  });
});

describe('notar tsa', () => {
  it('adds, lists and removes a pinned TSA; refuses a file that is not a certificate', async () => {
    const s = await storeWithTsa();
    expect(fs.readFileSync(path.join(s.storeDir, 'tsa/authorities.json'), 'utf8')).toContain('BEGIN CERTIFICATE');
    const list = await run(s, ['tsa', 'list']);
    expect(list.stdout).toContain('test-tsa');
    expect(list.stdout).toContain('CN=Test Root CA, O=notar tests');
    expect((await run(s, ['tsa', 'add', server.url, '--cert', pki.caCert, '--name', 'test-tsa'])).code).toBe(2);
    writeDocs(s.dir, { 'not-a-cert.pem': 'hello\n' });
    const bad = await run(s, ['tsa', 'add', server.url, '--cert', 'not-a-cert.pem', '--name', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^notar: error: not-a-cert\.pem: /);
    // a leaf certificate without the timeStamping EKU could never sign an acceptable token
    const noEku = await run(s, ['tsa', 'add', server.url, '--cert', pki.noEkuCert, '--name', 'y']);
    expect(noEku.code).toBe(2);
    expect(noEku.stderr).toContain('has no extended key usage');
    expect((await run(s, ['tsa', 'add', 'offline', '--cert', pki.tsaCert, '--name', 'own-cert'])).code).toBe(0);
    expect((await run(s, ['tsa', 'remove', 'own-cert'])).code).toBe(0);
    expect((await run(s, ['tsa', 'remove', 'test-tsa'])).code).toBe(0);
    expect((await run(s, ['tsa', 'remove', 'test-tsa'])).code).toBe(1);
    expect((await run(s, ['tsa', 'list'])).stdout).toContain('no TSA configured');
  });
});

describe('stamp with a TSA', () => {
  it('gets a token for the checkpoint, keeps it beside the block, and puts it in the receipts; openssl ts -verify accepts it', async () => {
    const s = await storeWithTsa();
    writeDocs(s.dir, { 'a.txt': 'alpha\n', 'b.txt': 'beta\n' });
    const r = await run(s, ['stamp', 'a.txt', 'b.txt']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/time attested by CN=Test TSA, O=notar tests: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
    expect(tokenFiles(s)).toEqual(['0000000000.test-tsa.tst']);
    const token = fs.readFileSync(path.join(s.storeDir, 'tsa/tokens/0000000000.test-tsa.tst'));
    expect(receipt(s, 'a.txt').timestamps).toEqual([token.toString('base64')]);
    expect(receipt(s, 'b.txt').timestamps).toEqual([token.toString('base64')]);
    const v = pki.verify(
      path.join(s.storeDir, 'tsa/tokens/0000000000.test-tsa.tst'),
      Buffer.from(lastCheckpointBody(s)),
      { token: true },
    );
    expect(v.output).toContain('Verification: OK');
    expect(v.ok).toBe(true);
    // the chain file is the same as without a TSA: one line, no token in it
    expect(fs.readFileSync(path.join(s.storeDir, 'chain.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
    const check = await run(s, ['chain', 'verify']);
    expect(check.code, check.stderr).toBe(0);
  });

  it('refresh never drops a timestamp for an untimestamped checkpoint; it moves on once the latest is timestamped', async () => {
    const s = await storeWithTsa();
    writeDocs(s.dir, { 'a.txt': 'alpha\n', 'b.txt': 'beta\n', 'c.txt': 'gamma\n' });
    expect((await run(s, ['stamp', 'a.txt'])).code).toBe(0);
    const first = receipt(s, 'a.txt');
    expect(first.timestamps).toHaveLength(1);
    expect((await run(s, ['stamp', 'b.txt'])).code).toBe(0); // checkpoint 2, timestamped
    expect((await run(s, ['stamp', '--no-timestamp', 'c.txt'])).code).toBe(0); // checkpoint 3, not
    const f = await run(s, ['refresh', 'a.txt.notar.json']);
    expect(f.code, f.stderr).toBe(0);
    expect(f.stdout).toContain('history size 1 -> 2, 1 timestamp');
    expect(f.stderr).toContain('history size 2: checkpoint 3 has no timestamp yet');
    expect(receipt(s, 'a.txt').timestamps).toEqual([
      fs.readFileSync(path.join(s.storeDir, 'tsa/tokens/0000000001.test-tsa.tst')).toString('base64'),
    ]);
    expect((await run(s, ['timestamp'])).code).toBe(0);
    const g = await run(s, ['refresh', 'a.txt.notar.json', 'c.txt.notar.json']);
    expect(g.code, g.stderr).toBe(0);
    expect(g.stdout).toContain('refreshed a.txt.notar.json: history size 2 -> 3, 1 timestamp');
    expect(g.stdout).toContain('refreshed c.txt.notar.json: history size 3 -> 3, 1 timestamp');
    fs.writeFileSync(path.join(s.dir, 'office.vkey'), s.vkey + '\n');
    fs.copyFileSync(pki.caCert, path.join(s.dir, 'ca.pem'));
    for (const d of ['a.txt', 'c.txt']) {
      const v = await run(s, ['verify', d, '--key-file', 'office.vkey', '--tsa-cert', 'ca.pem']);
      expect(v.code, v.stdout + v.stderr).toBe(0);
      expect(v.stdout).toContain('time attested by CN=Test TSA');
    }
  });

  it('stamp --json puts the token into the inline receipts too', async () => {
    const s = await storeWithTsa();
    writeDocs(s.dir, { 'a.txt': 'alpha\n', 'b.txt': 'beta\n' });
    const r = await run(
      s,
      ['stamp', '--json', '--digests'],
      Buffer.from(`${'a'.repeat(64)}  a.txt\n${'b'.repeat(64)}  b.txt\n`),
    );
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l.receipt.timestamps).toHaveLength(1);
  });

  it('a damaged TSA list does not stop a stamp once the block is sealed', async () => {
    const s = await storeWithTsa();
    fs.writeFileSync(
      path.join(s.storeDir, 'tsa/authorities.json'),
      '{"format":"notar-tsa/1","authorities":[{"name":1}]}\n',
    );
    writeDocs(s.dir, { 'a.txt': 'alpha\n' });
    const r = await run(s, ['stamp', 'a.txt']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('notar: warning: no timestamp: ');
    expect(receipt(s, 'a.txt').timestamps).toBeUndefined();
    expect((await run(s, ['timestamp'])).code).toBe(2);
  });

  it('timestamp --check audits the stored tokens: a damaged token file fails (exit 1)', async () => {
    const s = await storeWithTsa();
    writeDocs(s.dir, { 'a.txt': 'alpha\n', 'b.txt': 'beta\n' });
    expect((await run(s, ['stamp', 'a.txt'])).code).toBe(0);
    expect((await run(s, ['stamp', 'b.txt'])).code).toBe(0);
    const ok = await run(s, ['timestamp', '--check']);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout.match(/^OK: block \d, TSA test-tsa: time attested by CN=Test TSA/gm)).toHaveLength(2);
    // block 1's token moved to block 0's place: it dates another checkpoint
    fs.copyFileSync(
      path.join(s.storeDir, 'tsa/tokens/0000000001.test-tsa.tst'),
      path.join(s.storeDir, 'tsa/tokens/0000000000.test-tsa.tst'),
    );
    const bad = await run(s, ['timestamp', '--check']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^FAILED: block 0, TSA test-tsa: the timestamp token dates another text/m);
    expect(bad.stdout).toMatch(/^OK: block 1/m);
  });

  it("prove rebuilds receipts with the latest checkpoint's tokens", async () => {
    const s = await storeWithTsa();
    writeDocs(s.dir, { 'a.txt': 'alpha\n' });
    expect((await run(s, ['stamp', 'a.txt'])).code).toBe(0);
    const p = await run(s, ['prove', 'a.txt']);
    expect(p.code, p.stderr).toBe(0);
    expect(JSON.parse(p.stdout)).toEqual(receipt(s, 'a.txt'));
    expect(JSON.parse(p.stdout).timestamps).toHaveLength(1);
  });

  it('--no-timestamp skips the TSA', async () => {
    const s = await storeWithTsa();
    writeDocs(s.dir, { 'a.txt': 'alpha\n' });
    const before = server.requests;
    expect((await run(s, ['stamp', '--no-timestamp', 'a.txt'])).code).toBe(0);
    expect(server.requests).toBe(before);
    expect(receipt(s, 'a.txt').timestamps).toBeUndefined();
  });

  it.each(['down', 'slow', 'garbage', 'noeku', 'other'] as const)(
    'TSA %s: sealing and receipts unaffected; then notar timestamp + refresh complete them',
    async (mode) => {
      const s = await storeWithTsa(['--timeout', '1']);
      writeDocs(s.dir, { 'a.txt': `alpha ${mode}\n` });
      server.mode = mode;
      let r;
      try {
        r = await run(s, ['stamp', 'a.txt']);
      } finally {
        server.mode = 'ok';
      }
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/notar: warning: no timestamp from TSA test-tsa: /);
      expect(r.stderr).toContain('notar timestamp');
      expect(tokenFiles(s)).toEqual([]);
      expect(receipt(s, 'a.txt').timestamps).toBeUndefined();
      fs.writeFileSync(path.join(s.dir, 'office.vkey'), s.vkey + '\n');
      expect((await run(s, ['verify', 'a.txt', '--key-file', 'office.vkey'])).code).toBe(0);
      const t = await run(s, ['timestamp']);
      expect(t.code, t.stderr).toBe(0);
      expect(t.stdout).toMatch(/timestamped checkpoint of block 0 \(TSA test-tsa\): time attested by CN=Test TSA/);
      expect((await run(s, ['timestamp'])).stdout).toContain('already timestamped by test-tsa');
      const f = await run(s, ['refresh', 'a.txt.notar.json']);
      expect(f.code, f.stderr).toBe(0);
      expect(f.stdout).toContain('1 timestamp');
      expect(receipt(s, 'a.txt').timestamps).toHaveLength(1);
      expect((await run(s, ['refresh', 'a.txt.notar.json'])).stdout).toContain('already at history size 1');
    },
  );

  it('notar timestamp refuses a TSA whose certificate lacks the timeStamping EKU, or is not pinned (exit 1, nothing kept)', async () => {
    const s = await storeWithTsa();
    writeDocs(s.dir, { 'a.txt': 'alpha\n' });
    expect((await run(s, ['stamp', '--no-timestamp', 'a.txt'])).code).toBe(0);
    for (const [mode, why] of [
      ['other', /not a pinned TSA/],
      ['noeku', /has no extended key usage/],
    ] as const) {
      server.mode = mode;
      try {
        const t = await run(s, ['timestamp']);
        expect(t.code).toBe(1);
        expect(t.stderr).toMatch(why);
      } finally {
        server.mode = 'ok';
      }
    }
    expect(tokenFiles(s)).toEqual([]);
  });
});

describe('offline: notar timestamp --request / --reply (openssl ts files)', () => {
  it('writes a query openssl answers, and attaches the reply', async () => {
    const s = makeStore();
    expect((await run(s, ['tsa', 'add', 'offline', '--cert', pki.tsaCert])).code).toBe(0);
    writeDocs(s.dir, { 'a.txt': 'alpha\n' });
    expect((await run(s, ['stamp', 'a.txt'])).code).toBe(0);
    const q = await run(s, ['timestamp', '--request']);
    expect(q.code, q.stderr).toBe(0);
    fs.writeFileSync(path.join(s.dir, 'cp.tsq'), q.raw);
    fs.writeFileSync(path.join(s.dir, 'cp.tsr'), pki.reply(q.raw));
    const a = await run(s, ['timestamp', '--reply', 'cp.tsr']);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toContain('time attested by CN=Test TSA, O=notar tests');
    expect(tokenFiles(s)).toEqual(['0000000000.offline.tst']);
    expect((await run(s, ['refresh', 'a.txt.notar.json'])).code).toBe(0);
    const online = await run(s, ['timestamp']);
    expect(online.code).toBe(2);
    expect(online.stderr).toContain('no TSA of this store is online');
    expect(receipt(s, 'a.txt').timestamps).toHaveLength(1);
  });

  it('accepts a token made by hand with openssl ts -query/-reply -token_out (given its --query)', async () => {
    const s = makeStore();
    expect((await run(s, ['tsa', 'add', 'offline', '--cert', pki.caCert, '--name', 'paper'])).code).toBe(0);
    writeDocs(s.dir, { 'a.txt': 'alpha\n' });
    expect((await run(s, ['stamp', 'a.txt'])).code).toBe(0);
    const q = opensslQuery(pki, Buffer.from(lastCheckpointBody(s)));
    fs.writeFileSync(path.join(s.dir, 'hand.tsq'), q);
    fs.writeFileSync(path.join(s.dir, 'hand.tst'), pki.token(q));
    const a = await run(s, ['timestamp', '--reply', 'hand.tst', '--query', 'hand.tsq']);
    expect(a.code, a.stderr).toBe(0);
    expect(tokenFiles(s)).toEqual(['0000000000.paper.tst']);
  });

  it('refuses a reply for another checkpoint, a wrong nonce, and garbage', async () => {
    const s = makeStore();
    expect((await run(s, ['tsa', 'add', 'offline', '--cert', pki.caCert])).code).toBe(0);
    writeDocs(s.dir, { 'a.txt': 'alpha\n' });
    expect((await run(s, ['stamp', 'a.txt'])).code).toBe(0);
    fs.writeFileSync(
      path.join(s.dir, 'other.tsr'),
      pki.reply(opensslQuery(pki, Buffer.from('another log\n1\nAAAA\n'))),
    );
    const other = await run(s, ['timestamp', '--reply', 'other.tsr']);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('dates no checkpoint of this store');
    // our --request query is pending; a reply to a different query (other nonce) is refused
    expect((await run(s, ['timestamp', '--request'])).code).toBe(0);
    fs.writeFileSync(path.join(s.dir, 'foreign.tsr'), pki.reply(opensslQuery(pki, Buffer.from(lastCheckpointBody(s)))));
    const foreign = await run(s, ['timestamp', '--reply', 'foreign.tsr']);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain('nonce');
    writeDocs(s.dir, { 'junk.tsr': 'junk' });
    const junk = await run(s, ['timestamp', '--reply', 'junk.tsr']);
    expect(junk.code).toBe(2);
    expect(junk.stderr).toMatch(/^notar: error: junk\.tsr: /);
    expect(tokenFiles(s)).toEqual([]);
  });
});
