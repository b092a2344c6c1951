// `notar serve` endorses each block as local stamp does (issue 15: the reply comes after
// the block is sealed *and* after witnesses and TSAs, within their deadlines): a clerk's
// receipts carry the witness's cosignature and the TSA's token, and verify offline with a
// policy and with the TSA's certificate. A witness that is down costs only its cosignature.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { baseEnv, makeStore, notar, tempDir, writeDocs, type TestStore } from '../cli/helpers.js';
import { notarAsync } from '../reliability/helpers.js';
import { makeTestPki, requireOpenssl, startTsaServer, type TestPki, type TestTsaServer } from '../tsa/openssl-tsa.js';
import { makeWitness, serve, type Served, type TestWitness } from '../witness/helpers.js';
import { startServe, type ServerProc } from './server-helpers.js';

let office: TestStore;
let w: TestWitness;
let witness: Served;
let pki: TestPki;
let tsa: TestTsaServer;
let srv: ServerProc;
let token: string;

beforeAll(async () => {
  requireOpenssl();
  office = makeStore('notary.example.gov/endorsed');
  w = makeWitness('witness.example.gov/endorser');
  expect(w.run(['witness', 'add-log', office.vkey]).code).toBe(0);
  witness = await serve(w);
  expect(office.run(['witnesses', 'add', w.vkey, '--url', witness.url]).code).toBe(0);
  pki = makeTestPki();
  tsa = await startTsaServer(pki);
  const added = office.run(['tsa', 'add', tsa.url, '--cert', pki.caCert, '--name', 'test-tsa']);
  expect(added.code, added.stderr).toBe(0);
  token = office.run(['clerk', 'add', 'dana']).stdout.trim();
  srv = await startServe(office, ['--window-ms', '20']);
});

afterAll(async () => {
  srv?.child.kill('SIGTERM');
  await srv?.exited;
  await witness?.stop();
  await tsa?.close();
});

it('a clerk receipt through the server carries the cosignature and the timestamp, and verifies with both', async () => {
  const desk = tempDir('notar-desk-');
  fs.writeFileSync(path.join(desk, 'token'), token + '\n', { mode: 0o600 });
  writeDocs(desk, { 'deed.pdf': 'deed of sale\n' });
  const run = (args: string[]) => notar(args, { cwd: desk, env: baseEnv() });
  // Asynchronously: the test TSA answers from this process's event loop.
  const r = await notarAsync(['stamp', '--server', srv.url, '--token-file', 'token', 'deed.pdf'], {
    cwd: desk,
    env: baseEnv(),
  });
  expect(r.code, r.stderr).toBe(0);
  const receipt = JSON.parse(fs.readFileSync(path.join(desk, 'deed.pdf.notar.json'), 'utf8'));
  expect(receipt.checkpoint).toContain(`\u2014 ${w.name} `);
  expect(receipt.timestamps, srv.stderr()).toHaveLength(1);

  fs.writeFileSync(path.join(desk, 'office.policy'), office.run(['policy', '--quorum', '1']).stdout);
  const byPolicy = run(['verify', 'deed.pdf', '--policy', 'office.policy']);
  expect(byPolicy.code, byPolicy.stdout + byPolicy.stderr).toBe(0);
  expect(byPolicy.stdout).toMatch(/witnessed by 1 of 1/);
  const byTsa = run(['verify', 'deed.pdf', '--key', office.vkey, '--tsa-cert', pki.caCert]);
  expect(byTsa.code, byTsa.stdout + byTsa.stderr).toBe(0);
  expect(byTsa.stdout).toMatch(/time attested by/);
});

it('a witness that is down costs only its cosignature: receipts still come, timestamped', async () => {
  await witness.stop();
  const desk = tempDir('notar-desk-');
  fs.writeFileSync(path.join(desk, 'token'), token + '\n', { mode: 0o600 });
  writeDocs(desk, { 'will.pdf': 'last will\n' });
  const r = await notarAsync(['stamp', '--server', srv.url, '--token-file', 'token', 'will.pdf'], {
    cwd: desk,
    env: baseEnv(),
  });
  expect(r.code, r.stderr).toBe(0);
  const receipt = JSON.parse(fs.readFileSync(path.join(desk, 'will.pdf.notar.json'), 'utf8'));
  expect(receipt.checkpoint).not.toContain(`\u2014 ${w.name} `);
  expect(receipt.timestamps).toHaveLength(1);
  expect(srv.stderr()).toMatch(/witness witness\.example\.gov\/endorser missed/);
});
