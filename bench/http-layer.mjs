#!/usr/bin/env node
/**
 * The HTTP layer alone, for choosing it (issue 15): node:http vs fastify for
 * notar's request shape — POST of 1,000 {"sha256"} as JSON, reply of 1,000
 * NDJSON lines of ~2 KB (a receipt's size) — with no sealing at all.
 * 16 clients × 20 requests, alternating servers, three rounds each.
 *
 *   npm install --no-save fastify@5 && node bench/http-layer.mjs
 *
 * fastify is not a dependency of notar; this script is how the choice was measured.
 */
import * as http from 'node:http';
import * as crypto from 'node:crypto';
let Fastify;
try {
  ({ default: Fastify } = await import('fastify'));
} catch {
  process.stderr.write('bench/http-layer.mjs needs fastify: npm install --no-save fastify@5\n');
  process.exit(2);
}
const line = JSON.stringify({ pad: 'x'.repeat(1900) }) + '\n';
const reply = (n) => Buffer.from(line.repeat(n));
function parse(body) {
  const items = JSON.parse(body);
  for (const it of items) if (!/^[0-9a-f]{64}$/.test(it.sha256)) throw new Error('bad');
  return items.length;
}
async function nodeServer() {
  const srv = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const n = parse(Buffer.concat(chunks).toString());
      const b = reply(n);
      res.writeHead(200, { 'content-type': 'application/x-ndjson', 'content-length': b.length });
      res.end(b);
    });
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${srv.address().port}`, close: () => srv.close() };
}
async function fastifyServer() {
  const app = Fastify({ bodyLimit: 16 << 20 });
  app.post('/v1/stamp', async (req, rep) => {
    let n = 0;
    for (const it of req.body) {
      if (!/^[0-9a-f]{64}$/.test(it.sha256)) throw new Error('bad');
      n++;
    }
    rep.header('content-type', 'application/x-ndjson');
    return reply(n);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { url: `http://127.0.0.1:${app.server.address().port}`, close: () => app.close() };
}
const body = JSON.stringify(
  Array.from({ length: 1000 }, (_, i) => ({ sha256: crypto.createHash('sha256').update(String(i)).digest('hex') })),
);
async function load(url) {
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let r = 0; r < 20; r++) {
        const res = await fetch(url + '/v1/stamp', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        await res.arrayBuffer();
      }
    }),
  );
  return performance.now() - t0;
}
for (const [name, make] of [
  ['node:http', nodeServer],
  ['fastify', fastifyServer],
  ['node:http', nodeServer],
  ['fastify', fastifyServer],
  ['node:http', nodeServer],
  ['fastify', fastifyServer],
]) {
  const s = await make();
  await load(s.url); // warm-up
  const ms = await load(s.url);
  console.log(
    `${name}: 320 requests × 1,000 digests in ${ms.toFixed(0)} ms = ${(320000 / (ms / 1000)).toFixed(0)} documents/s (HTTP + JSON only)`,
  );
  await s.close();
}
