/**
 * `notar verify --tsa-cert`: a receipt's RFC 3161 tokens checked offline
 * (step `time`), reported as present but unchecked without a TSA certificate.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeStore, writeDocs, type TestStore } from '../cli/helpers.js';
import { makeTestPki, startTsaServer, type TestPki, type TestTsaServer } from './openssl-tsa.js';
import { run } from './run.js';

let pki: TestPki;
let server: TestTsaServer;
let s: TestStore;

beforeAll(async () => {
  pki = makeTestPki();
  server = await startTsaServer(pki);
  s = makeStore();
  expect((await run(s, ['tsa', 'add', server.url, '--cert', pki.caCert, '--name', 'test-tsa'])).code).toBe(0);
  writeDocs(s.dir, { 'a.txt': 'alpha\n', 'b.txt': 'beta\n', 'plain.txt': 'no tsa\n' });
  expect((await run(s, ['stamp', 'a.txt'])).code).toBe(0);
  expect((await run(s, ['stamp', 'b.txt'])).code).toBe(0);
  expect((await run(s, ['stamp', '--no-timestamp', 'plain.txt'])).code).toBe(0);
  fs.writeFileSync(path.join(s.dir, 'office.vkey'), s.vkey + '\n');
  fs.copyFileSync(pki.caCert, path.join(s.dir, 'tsa-ca.pem'));
  fs.copyFileSync(pki.otherCaCert, path.join(s.dir, 'other-ca.pem'));
});
afterAll(async () => {
  await server?.close();
});

const receiptOf = (doc: string) => JSON.parse(fs.readFileSync(path.join(s.dir, `${doc}.notar.json`), 'utf8'));
const writeReceipt = (name: string, r: unknown) =>
  fs.writeFileSync(path.join(s.dir, name), JSON.stringify(r, null, 2) + '\n');
const verify = (doc: string, ...extra: string[]) => run(s, ['verify', doc, '--key-file', 'office.vkey', ...extra]);

describe('verify --tsa-cert', () => {
  it('reports the attested time with a trusted TSA certificate (text and --json)', async () => {
    const r = await verify('a.txt', '--tsa-cert', 'tsa-ca.pem');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^OK: a\.txt was stamped/);
    expect(r.stdout).toMatch(/\ntime attested by CN=Test TSA, O=notar tests: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/);
    const j = await verify('a.txt', '--tsa-cert', 'tsa-ca.pem', '--json');
    const v = JSON.parse(j.stdout);
    expect(v.ok).toBe(true);
    expect(v.timestamps.checked).toBe(true);
    expect(v.timestamps.attested[0].tsa).toBe('CN=Test TSA, O=notar tests');
    expect(v.timestamps.attested[0].anchor).toBe('CN=Test Root CA, O=notar tests');
  });

  it('without --tsa-cert: present but unchecked (still OK); a receipt without tokens says nothing about time', async () => {
    const r = await verify('a.txt');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('time: 1 timestamp present but unchecked (give --tsa-cert FILE to check it)');
    expect(JSON.parse((await verify('a.txt', '--json')).stdout).timestamps).toEqual({ checked: false, count: 1 });
    const plain = await verify('plain.txt', '--tsa-cert', 'tsa-ca.pem');
    expect(plain.code).toBe(0);
    expect(plain.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('an untrusted TSA fails at step time (exit 1)', async () => {
    const r = await verify('a.txt', '--tsa-cert', 'other-ca.pem');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAILED: .*\(time\)\n$/);
    const j = JSON.parse((await verify('a.txt', '--tsa-cert', 'other-ca.pem', '--json')).stdout);
    expect(j).toMatchObject({ ok: false, step: 'time' });
    expect(j.reason).toContain('not a pinned TSA');
  });

  it('an altered token fails at step time (exit 1)', async () => {
    const r = receiptOf('a.txt');
    const der = Buffer.from(r.timestamps[0], 'base64');
    der[Math.floor(der.length / 3)] ^= 0x04;
    writeReceipt('altered.notar.json', { ...r, timestamps: [der.toString('base64')] });
    const v = await verify('a.txt', '--receipt', 'altered.notar.json', '--tsa-cert', 'tsa-ca.pem');
    expect(v.code).toBe(1);
    expect(v.stdout).toContain('(time)');
  });

  it("a token for another checkpoint fails at step time (b's token in a's receipt after refresh to the same size)", async () => {
    const a = receiptOf('a.txt');
    const b = receiptOf('b.txt');
    writeReceipt('swapped.notar.json', { ...a, timestamps: b.timestamps });
    const v = await verify('a.txt', '--receipt', 'swapped.notar.json', '--tsa-cert', 'tsa-ca.pem', '--json');
    expect(v.code).toBe(1);
    expect(JSON.parse(v.stdout).reason).toMatch(/dates another text/);
  });

  it('the independent Python verifier (examples/verify_receipt.py) accepts the v1.1 member and checks its form', async () => {
    const py = (receipt: string) =>
      spawnSync(
        'python3',
        [
          path.resolve(__dirname, '../../examples/verify_receipt.py'),
          path.join(s.dir, 'a.txt'),
          path.join(s.dir, receipt),
          '--key',
          s.vkey,
        ],
        { encoding: 'utf8', env: { PATH: process.env.PATH, PYTHONDONTWRITEBYTECODE: '1' } },
      );
    const ok = py('a.txt.notar.json');
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    writeReceipt('bad-member.notar.json', { ...receiptOf('a.txt'), timestamps: ['not base64!'] });
    const bad = py('bad-member.notar.json');
    expect(bad.status).toBe(2);
    expect(bad.stdout + bad.stderr).toContain('timestamps[0]');
    expect((await verify('a.txt', '--receipt', 'bad-member.notar.json')).code).toBe(2);
  });

  it('--tsa-cert with --policy is refused for now (exit 2, says why)', async () => {
    fs.writeFileSync(path.join(s.dir, 'p.policy'), `log ${s.vkey}\nquorum none\n`);
    const v = await run(s, ['verify', 'a.txt', '--policy', 'p.policy', '--tsa-cert', 'tsa-ca.pem']);
    expect(v.code).toBe(2);
    expect(v.stderr).toContain('--tsa-cert cannot be combined with --policy yet');
  });

  it('a certificate file that is not one is an input error (exit 2)', async () => {
    const v = await verify('a.txt', '--tsa-cert', 'office.vkey');
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/^notar: error: office\.vkey: /);
  });
});
