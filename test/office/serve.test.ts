// `notar serve` and `notar clerk`: the real binary on a random loopback port.
// Clerks submit digests; receipts come back once sealed and verify offline;
// requests in one window share a block; errors are JSON with codes; the log
// is served as tlog-tiles and `notar monitor` follows the server itself;
// SIGTERM finishes the block being sealed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex } from '../../src/core/bytes.js';
import { parseVerifierKey } from '../../src/core/note.js';
import { formatReceipt, type Receipt } from '../../src/core/receipt.js';
import { verifyReceipt } from '../../src/core/verify.js';
import { makeStore, type TestStore } from '../cli/helpers.js';
import { hex, post, startServe, type ServerProc } from './server-helpers.js';

/** stampings.jsonl: one line per block, the clerks' leaf ranges. */
export function stampings(
  s: TestStore,
): { seq: number; stampings: { clerk: string; from: number; count: number }[] }[] {
  return fs
    .readFileSync(path.join(s.storeDir, 'stampings.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

function expectVerifies(s: TestStore, r: Record<string, unknown>, sha: string): void {
  const v = verifyReceipt(formatReceipt(r as unknown as Receipt), fromHex(sha), [parseVerifierKey(s.vkey)]);
  expect(v.ok, v.ok ? '' : v.reason).toBe(true);
}

describe('notar clerk', () => {
  it('add prints the token alone on stdout once and stores only its hash; list; remove', () => {
    const s = makeStore();
    const add = s.run(['clerk', 'add', 'alice']);
    expect(add.code).toBe(0);
    expect(add.stdout).toMatch(/^notar_[A-Za-z0-9_-]{43}\n$/);
    const token = add.stdout.trim();
    const file = fs.readFileSync(path.join(s.storeDir, 'clerks.json'), 'utf8');
    expect(file).not.toContain(token);
    expect(file).toContain(hex(token));
    expect(fs.statSync(path.join(s.storeDir, 'clerks.json')).mode & 0o777).toBe(0o600);
    expect(s.run(['clerk', 'add', 'bob']).code).toBe(0);
    expect(s.run(['clerk', 'list']).stdout).toMatch(/^alice\t\S+Z\nbob\t\S+Z\n$/);
    const again = s.run(['clerk', 'add', 'alice']);
    expect([again.code, again.stdout]).toEqual([2, '']);
    expect(again.stderr).toMatch(/clerk alice already exists/);
    expect(s.run(['clerk', 'add', 'bad name']).code).toBe(2);
    expect(s.run(['clerk', 'remove', 'alice']).code).toBe(0);
    expect(s.run(['clerk', 'list']).stdout).toMatch(/^bob\t/);
    expect(s.run(['clerk', 'remove', 'alice']).code).toBe(1);
  });
});

describe('notar serve', () => {
  let s: TestStore;
  let srv: ServerProc;
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    s = makeStore('notary.example.gov/office');
    alice = s.run(['clerk', 'add', 'alice']).stdout.trim();
    bob = s.run(['clerk', 'add', 'bob']).stdout.trim();
    srv = await startServe(s, ['--window-ms', '200', '--max-request-docs', '50', '--max-body', '20000']);
  });
  afterAll(async () => {
    if (srv.child.exitCode === null) srv.child.kill('SIGKILL');
    await srv.exited;
  });

  it('health, and JSON errors with codes: no token, wrong token, wrong type, bad digest, too many, too large, wrong method', async () => {
    const h = await fetch(`${srv.url}/v1/health`);
    expect(await h.json()).toEqual({
      status: 'ok',
      origin: 'notary.example.gov/office',
      key: s.vkey,
      size: 0,
      pending: 0,
    });
    const doc = [{ sha256: hex('x') }];
    let r = await post(srv.url, undefined, doc);
    expect([r.status, JSON.parse(r.body).error.code]).toEqual([401, 'UNAUTHORIZED']);
    r = await post(srv.url, 'notar_wrong', doc);
    expect([r.status, JSON.parse(r.body).error.code]).toEqual([401, 'UNAUTHORIZED']);
    const plain = await fetch(`${srv.url}/v1/stamp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice}`, 'content-type': 'text/plain' },
      body: 'x',
    });
    expect([plain.status, (await plain.json()).error.code]).toEqual([415, 'MEDIA_TYPE']);
    r = await post(srv.url, alice, [{ sha256: 'ABC' }]);
    expect([r.status, JSON.parse(r.body).error]).toEqual([
      400,
      { code: 'BAD_REQUEST', message: 'document 0: sha256 must be 64 lowercase hex digits' },
    ]);
    r = await post(srv.url, alice, [{ sha256: hex('x'), extra: 1 } as never]);
    expect(r.status).toBe(400);
    r = await post(
      srv.url,
      alice,
      Array.from({ length: 51 }, (_, i) => ({ sha256: hex(`d${i}`) })),
      true,
    );
    expect([r.status, JSON.parse(r.body).error.code]).toEqual([413, 'TOO_MANY']);
    r = await post(
      srv.url,
      alice,
      [{ sha256: hex('x'), name: 'n'.repeat(1000) }].concat(
        Array.from({ length: 20 }, (_, i) => ({ sha256: hex(`d${i}`), name: 'n'.repeat(1000) })),
      ),
    );
    expect([r.status, JSON.parse(r.body).error.code]).toEqual([413, 'TOO_LARGE']);
    const get = await fetch(`${srv.url}/v1/stamp`);
    expect(get.status).toBe(405);
    expect((await fetch(`${srv.url}/tile/0/../../key.json`)).status).toBe(404);
    // Nothing was sealed by any of these.
    expect(s.run(['log']).stderr).toMatch(/empty/);
  });

  it('stamps digests (JSON and NDJSON): receipts in order, verifying offline, names kept', async () => {
    const docs = [
      { sha256: hex('deed 1'), name: 'deed-1.pdf' },
      { sha256: hex('deed 2') },
      { sha256: hex('deed 3'), name: 'deed-3.pdf' },
    ];
    const r = await post(srv.url, alice, docs);
    expect(r.status, r.body).toBe(200);
    expect(r.receipts.map((x) => (x.document as { sha256: string }).sha256)).toEqual(docs.map((d) => d.sha256));
    expect(r.receipts.map((x) => (x.document as { name?: string }).name)).toEqual([
      'deed-1.pdf',
      undefined,
      'deed-3.pdf',
    ]);
    r.receipts.forEach((x, i) => expectVerifies(s, x, docs[i].sha256));
    const nd = await post(srv.url, bob, [{ sha256: hex('letter') }], true);
    expect(nd.status).toBe(200);
    expectVerifies(s, nd.receipts[0], hex('letter'));
  });

  it('requests from many clerks within one window share a block; the clerk of each stamping is recorded', async () => {
    const before = s.run(['log', '--json']).stdout.trim().split('\n').length;
    const replies = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        post(
          srv.url,
          i % 2 ? alice : bob,
          Array.from({ length: 5 }, (_, j) => ({ sha256: hex(`batch ${i} ${j}`) })),
        ),
      ),
    );
    for (const [i, r] of replies.entries()) {
      expect(r.status).toBe(200);
      r.receipts.forEach((x, j) => expectVerifies(s, x, hex(`batch ${i} ${j}`)));
    }
    const seqs = new Set(replies.map((r) => (r.receipts[0].block as { seq: number }).seq));
    const after = s.run(['log', '--json']).stdout.trim().split('\n').length;
    expect(after - before).toBe(seqs.size);
    expect(seqs.size).toBeLessThan(12);
    const seq = [...seqs][0];
    const rec = stampings(s).find((x) => x.seq === seq);
    if (!rec) throw new Error(`no stampings line for block ${seq}`);
    expect(rec.stampings.reduce((n: number, x: { count: number }) => n + x.count, 0)).toBe(
      replies.filter((r) => (r.receipts[0].block as { seq: number }).seq === seq).length * 5,
    );
    expect(new Set(rec.stampings.map((x: { clerk: string }) => x.clerk))).toEqual(new Set(['alice', 'bob']));
    expect(s.run(['chain', 'verify']).code).toBe(0);
  });

  it('serves its log as tlog-tiles (checkpoint uncached, tiles immutable) and notar monitor follows it', async () => {
    // Publishing runs just after the receipts went out: wait until it has caught up.
    const latest = s.run(['checkpoint']).stdout;
    let cp = await fetch(`${srv.url}/checkpoint`);
    while ((await cp.clone().text()) !== latest) cp = await fetch(`${srv.url}/checkpoint`);
    expect(cp.headers.get('cache-control')).toBe('no-cache');
    const text = await cp.text();
    const size = Number(text.split('\n')[1]);
    const tile = await fetch(`${srv.url}/tile/0/000.p/${size}`);
    expect([tile.status, tile.headers.get('cache-control')]).toEqual([200, 'public, max-age=31536000, immutable']);
    expect((await tile.arrayBuffer()).byteLength).toBe(32 * size);
    const m = s.run(['monitor', srv.url, '--key', s.vkey]);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stdout.trim().split('\n')).toHaveLength(size);
  });

  it('a removed clerk is refused at once (no restart)', async () => {
    expect(s.run(['clerk', 'remove', 'bob']).code).toBe(0);
    const r = await post(srv.url, bob, [{ sha256: hex('late') }]);
    expect(r.status).toBe(401);
  });

  it('a damaged clerks.json is a server problem (500 STORE), not a bad request; repaired, it works again', async () => {
    const file = path.join(s.storeDir, 'clerks.json');
    const good = fs.readFileSync(file);
    fs.writeFileSync(file, '{"format":"notar-clerks/1","clerks":[{"name":');
    const r = await post(srv.url, alice, [{ sha256: hex('while damaged') }]);
    expect([r.status, JSON.parse(r.body).error.code]).toEqual([500, 'STORE']);
    expect(JSON.parse(r.body).error.message).toMatch(/clerks\.json is damaged/);
    fs.writeFileSync(file, Buffer.concat([good, Buffer.from('\n')]));
    expect((await post(srv.url, alice, [{ sha256: hex('repaired') }])).status).toBe(200);
  });

  it('SIGTERM: a request waiting for its block still gets its receipts; then the server exits 0 and refuses connections', async () => {
    srv.child.kill('SIGTERM');
    expect(await srv.exited).toEqual({ code: 0, signal: null });
    // A long window: the request is surely waiting when the signal comes.
    const slow = await startServe(s, ['--window-ms', '600000']);
    const pending = post(slow.url, alice, [{ sha256: hex('last one') }]);
    while ((await (await fetch(`${slow.url}/v1/health`)).json()).pending === 0)
      await new Promise((r) => setTimeout(r, 10));
    slow.child.kill('SIGTERM');
    const r = await pending;
    expect(r.status).toBe(200);
    expectVerifies(s, r.receipts[0], hex('last one'));
    expect(await slow.exited).toEqual({ code: 0, signal: null });
    expect(slow.stderr()).toMatch(/SIGTERM: finishing the current block, refusing new work\nnotar: stopped\n$/);
    await expect(fetch(`${slow.url}/v1/health`)).rejects.toThrow();
    expect(s.run(['chain', 'verify']).code).toBe(0);
  });
});
