// `notar witness serve`: every status code of C2SP tlog-witness over real
// HTTP on loopback, method/path/size/slow-client refusals, a request fuzzer,
// and the safety property under 50 concurrent requests from two forks.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64 } from '../../src/core/bytes.js';
import { parseCosignerKey, verifyCosignature } from '../../src/core/cosignature.js';
import { parseNote } from '../../src/core/note.js';
import { parseCheckpointBody, parseCosignatureResponse } from '../../src/core/witness-protocol.js';
import { makeStore, writeDocs, type TestStore } from '../cli/helpers.js';
import { makeWitness, post, serve, type Served, type TestWitness } from './helpers.js';

let log: TestStore;
let fork: TestStore;
let w: TestWitness;
let s: Served;
const ORIGIN = 'registry.example.gov/land';

function stampN(store: TestStore, prefix: string, n: number) {
  for (let i = 0; i < n; i++) {
    writeDocs(store.dir, { [`${prefix}${i}`]: `${prefix} ${i}\n` });
    const r = store.run(['stamp', `${prefix}${i}`, '--no-receipts']);
    if (r.code !== 0) throw new Error(r.stderr);
  }
}
const request = (store: TestStore, old: number) => store.run(['checkpoint', '--request', '--old', String(old)]).stdout;

beforeAll(async () => {
  log = makeStore(ORIGIN);
  fs.writeFileSync(path.join(log.dir, 'secret.key'), log.run(['key', 'export']).stdout, { mode: 0o600 });
  fork = makeStore(ORIGIN, ['--no-passphrase', '--import', path.join(log.dir, 'secret.key')]);
  stampN(log, 'doc', 4);
  stampN(fork, 'other', 4);
  w = makeWitness();
  expect(w.run(['witness', 'add-log', log.vkey]).code).toBe(0);
  s = await serve(w, ['--read-timeout', '1']);
});
afterAll(async () => {
  await s?.stop();
});

describe('add-checkpoint status codes over HTTP', () => {
  it('200 with a valid cosignature line; then 409 with text/x.tlog.size; 422 for another tree of that size', async () => {
    const body = request(log, 0);
    const r = await post(s.url, body);
    expect(r.status).toBe(200);
    const sig = parseCosignatureResponse(r.text)[0];
    expect(verifyCosignature(parseNote(body.slice(7)).body, sig, parseCosignerKey(w.vkey))).toBeDefined();
    const stale = await post(s.url, body);
    expect([stale.status, stale.type, stale.text]).toEqual([409, 'text/x.tlog.size', '4\n']);
    const other = await post(s.url, request(fork, 4));
    expect(other.status).toBe(422);
    expect(s.stderr()).toMatch(/FORK EVIDENCE/);
  });

  it('404 unknown origin, 403 untrusted signature, 400 malformed and old > size', async () => {
    const stranger = makeStore('stranger.example/log');
    stampN(stranger, 's', 1);
    expect((await post(s.url, request(stranger, 0))).status).toBe(404);
    const impostor = makeStore(ORIGIN);
    stampN(impostor, 'i', 1);
    expect((await post(s.url, request(impostor, 0))).status).toBe(403);
    expect((await post(s.url, 'old 5\n\n' + request(log, 0).slice(7))).status).toBe(400);
    expect((await post(s.url, 'hello')).status).toBe(400);
    expect((await post(s.url, Buffer.from([0x6f, 0x6c, 0x64, 0x20, 0xff, 0x0a]))).status).toBe(400);
  });

  it('422 for a proof that does not verify', async () => {
    stampN(log, 'more', 1);
    const lines = request(log, 4).split('\n');
    lines[1] = toBase64(new Uint8Array(32));
    expect((await post(s.url, lines.join('\n'))).status).toBe(422);
    expect((await post(s.url, request(log, 4))).status).toBe(200);
  });

  it('405 for another method, 404 for another path, 413 for an oversized body', async () => {
    const get = await post(s.url, '', '/add-checkpoint', 'GET');
    expect(get.status).toBe(405);
    expect((await post(s.url, 'x', '/add-checkpoints')).status).toBe(404);
    expect((await post(s.url, 'x', '/')).status).toBe(404);
    expect((await post(s.url, 'old 0\n\n' + 'x'.repeat(200_000))).status).toBe(413);
  });

  it('serves the latest cosigned checkpoint for monitors', async () => {
    const crypto = await import('node:crypto');
    const h = crypto.createHash('sha256').update(ORIGIN).digest('hex');
    const r = await post(s.url, '', `/${h}/checkpoint`, 'GET');
    expect(r.status).toBe(200);
    expect(parseCheckpointBody(parseNote(r.text).body).size).toBe(5);
    expect((await post(s.url, '', `/${'0'.repeat(64)}/checkpoint`, 'GET')).status).toBe(404);
  });

  it('a slow client gets 408 and does not hold up others', async () => {
    const sock = net.connect(s.port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    let answer = '';
    sock.on('data', (d) => (answer += d.toString()));
    const closed = new Promise((r) => sock.once('close', r));
    sock.write('POST /add-checkpoint HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nold 0\n');
    // Meanwhile a normal request is answered.
    expect((await post(s.url, request(log, 5))).status).toBe(200);
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });
});

describe('robustness', () => {
  it('a fuzzer of mutated requests gets only 4xx answers (or 200 for the genuine one) and the server stays up', async () => {
    const base = request(log, 5);
    let seed = 7;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const statuses = new Set<number>();
    for (let i = 0; i < 150; i++) {
      const b = Buffer.from(base);
      const kind = rnd(4);
      let mutated: Buffer;
      if (kind === 0) {
        b[rnd(b.length)] = rnd(256);
        mutated = b;
      } else if (kind === 1) mutated = b.subarray(0, rnd(b.length));
      else if (kind === 2)
        mutated = Buffer.concat([b.subarray(0, rnd(b.length)), Buffer.from('\n\n'), b.subarray(rnd(b.length))]);
      else mutated = Buffer.concat([Buffer.from(`old ${rnd(10)}\n`), b.subarray(b.indexOf('\n') + 1)]);
      const r = await post(s.url, mutated);
      statuses.add(r.status);
      expect(
        r.status === 200 || (r.status >= 400 && r.status < 500),
        `status ${r.status} for ${JSON.stringify(mutated.toString('latin1').slice(0, 80))}`,
      ).toBe(true);
    }
    expect(statuses.size).toBeGreaterThan(2);
    expect((await post(s.url, 'old 0\n\n')).status).toBe(400);
  });

  it('50 concurrent requests from two forks: at most one tree per size is ever cosigned', async () => {
    const w2 = makeWitness('witness.example.gov/race');
    expect(w2.run(['witness', 'add-log', log.vkey]).code).toBe(0);
    const s2 = await serve(w2);
    try {
      stampN(fork, 'more', 1);
      const bodies = [log, fork].flatMap((st) => [0, 1, 2, 3, 4].map((o) => request(st, o)));
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          post(s2.url, bodies[i % bodies.length]).then((r) => ({ r, body: bodies[i % bodies.length] })),
        ),
      );
      const cosigned = new Map<number, Set<string>>();
      for (const { r, body } of answers) {
        expect([200, 409, 422]).toContain(r.status);
        if (r.status !== 200) continue;
        const cp = parseCheckpointBody(parseNote(body.slice(body.indexOf('\n\n') + 2)).body);
        if (!cosigned.has(cp.size)) cosigned.set(cp.size, new Set());
        cosigned.get(cp.size)!.add(toBase64(cp.root));
      }
      expect(cosigned.size).toBeGreaterThan(0);
      for (const roots of cosigned.values()) expect(roots.size).toBe(1);
    } finally {
      await s2.stop();
    }
  });
});
