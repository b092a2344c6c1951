/**
 * The HTTP API of `notar serve` (docs/server.md), on node:http(s):
 *
 *   POST /v1/stamp      bearer token; JSON array or NDJSON of {sha256, name?};
 *                       replies NDJSON receipts, one per document in order,
 *                       only once their block is durably sealed
 *   GET  /v1/health     {"status","origin","key","size","pending"}
 *   GET  /checkpoint, /tile/..., /notar/leaves/...   the published log (C2SP
 *                       tlog-tiles), from the publish directory
 *
 * Errors are JSON: {"error":{"code":"…","message":"…"}} with an HTTP status.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { NotarError } from '../core/errors.js';
import { isPlainObject } from '../core/json.js';
import { parseTilePath } from '../core/tiles.js';
import type { ClerkDirectory } from './clerks.js';
import type { SubmissionReceipts } from '../store/receipt-lines.js';
import { ServiceError, type Sequencer } from './sequencer.js';

export interface ApiLimits {
  /** Request body bytes. */
  readonly maxBody: number;
  /** Documents per request. */
  readonly maxDocs: number;
}

export const DEFAULT_LIMITS: ApiLimits = { maxBody: 16 << 20, maxDocs: 100_000 };
/** A name is informational (FORMAT.md §7); leaves keep at most 4096 bytes of it. */
const MAX_NAME = 1024;

export interface ApiContext {
  readonly origin: string;
  /** The verifier key string (public): clients check receipts against it. */
  readonly key: string;
  readonly sequencer: Sequencer;
  readonly clerks: ClerkDirectory;
  readonly publishDir: string;
  readonly limits: ApiLimits;
  /** Current history size, for health. */
  size(): number;
}

function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: http.OutgoingHttpHeaders = {},
): void {
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

export function sendError(
  res: http.ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: http.OutgoingHttpHeaders = {},
): void {
  sendJson(res, status, { error: { code, message } }, headers);
}

export function handler(ctx: ApiContext): http.RequestListener {
  return (req, res) => {
    route(ctx, req, res).catch((e) => {
      if (res.headersSent) return res.destroy();
      if (e instanceof ServiceError)
        sendError(res, e.status, e.code, e.message, e.status === 429 || e.status === 503 ? { 'retry-after': '1' } : {});
      // A malformed request is the client's fault; anything else (a damaged clerks.json) is the server's.
      else if (e instanceof NotarError && e.code === 'FORMAT') sendError(res, 400, 'BAD_REQUEST', e.message);
      else if (e instanceof NotarError) sendError(res, 500, 'STORE', e.message);
      else sendError(res, 500, 'INTERNAL', 'unexpected server error');
    });
  };
}

async function route(ctx: ApiContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = (req.url ?? '/').split('?')[0];
  if (url === '/v1/stamp') {
    if (req.method !== 'POST') return sendError(res, 405, 'METHOD', 'use POST', { allow: 'POST' });
    return stamp(ctx, req, res);
  }
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return sendError(res, 405, 'METHOD', 'use GET', { allow: 'GET, HEAD' });
  if (url === '/v1/health') {
    return sendJson(res, 200, {
      status: ctx.sequencer.isDraining ? 'draining' : 'ok',
      origin: ctx.origin,
      key: ctx.key,
      size: ctx.size(),
      pending: ctx.sequencer.pending,
    });
  }
  return serveLog(ctx, url.slice(1), req, res);
}

async function stamp(ctx: ApiContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const auth = req.headers.authorization ?? '';
  const clerk = auth.startsWith('Bearer ') ? ctx.clerks.lookup(auth.slice(7).trim()) : undefined;
  if (!clerk)
    return sendError(res, 401, 'UNAUTHORIZED', 'a valid clerk token is needed (Authorization: Bearer <token>)', {
      'www-authenticate': 'Bearer',
    });
  if (ctx.sequencer.isDraining)
    throw new ServiceError(503, 'SHUTTING_DOWN', 'the server is shutting down; try again shortly');
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json' && type !== 'application/x-ndjson')
    return sendError(res, 415, 'MEDIA_TYPE', 'send application/json (an array) or application/x-ndjson');
  const body = await readBody(req, ctx.limits.maxBody);
  if (body === undefined)
    return sendError(
      res,
      413,
      'TOO_LARGE',
      `the request body is over ${ctx.limits.maxBody} bytes; send fewer documents per request`,
      { connection: 'close' },
    );
  const docs = parseDocuments(body, type === 'application/x-ndjson', ctx.limits.maxDocs);
  if (docs === 'too-many')
    return sendError(res, 413, 'TOO_MANY', `more than ${ctx.limits.maxDocs} documents in one request`);
  const receipts = await ctx.sequencer.submit({ clerk, ...docs });
  sendReceipts(res, receipts);
}

/** The body, or undefined as soon as it exceeds `max` bytes (not read to the end). */
function readBody(req: http.IncomingMessage, max: number): Promise<string | undefined> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max) {
    req.resume();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.removeAllListeners('data');
        req.resume();
        resolve(undefined);
      } else chunks.push(c);
    });
    req.on('end', () => resolve(size > max ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const HEX64 = /^[0-9a-f]{64}$/;

/** {sha256, name?} objects, strictly: anything else is a 400 naming the document. */
export function parseDocuments(
  body: string,
  ndjson: boolean,
  maxDocs: number,
): { digests: Uint8Array; names: (string | undefined)[] } | 'too-many' {
  let items: unknown[];
  try {
    items = ndjson
      ? body
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((l) => JSON.parse(l))
      : JSON.parse(body);
  } catch {
    throw new NotarError('FORMAT', `the body is not valid ${ndjson ? 'NDJSON' : 'JSON'}`);
  }
  if (!Array.isArray(items))
    throw new NotarError('FORMAT', 'the JSON body must be an array of {"sha256": …, "name": …}');
  if (items.length === 0) throw new NotarError('FORMAT', 'no documents in the request');
  if (items.length > maxDocs) return 'too-many';
  const digests = Buffer.alloc(items.length * 32);
  const names: (string | undefined)[] = [];
  items.forEach((it, i) => {
    if (!isPlainObject(it) || Object.keys(it).some((k) => k !== 'sha256' && k !== 'name'))
      throw new NotarError('FORMAT', `document ${i}: must be {"sha256": "<hex>", "name": "<optional>"}`);
    if (typeof it.sha256 !== 'string' || !HEX64.test(it.sha256))
      throw new NotarError('FORMAT', `document ${i}: sha256 must be 64 lowercase hex digits`);
    if (it.name !== undefined && (typeof it.name !== 'string' || it.name.length > MAX_NAME))
      throw new NotarError('FORMAT', `document ${i}: name must be a string of at most ${MAX_NAME} characters`);
    digests.write(it.sha256, i * 32, 32, 'hex');
    names.push(it.name as string | undefined);
  });
  return { digests, names };
}

/** NDJSON receipts (store/receipt-lines.ts encodes them straight into byte buffers). */
function sendReceipts(res: http.ServerResponse, receipts: SubmissionReceipts): void {
  const pieces = receipts.ndjson();
  res.writeHead(200, {
    'content-type': 'application/x-ndjson',
    'content-length': pieces.reduce((n, p) => n + p.length, 0),
    'cache-control': 'no-store',
  });
  for (const p of pieces) res.write(p);
  res.end();
}

const LEAVES_RE = /^notar\/leaves\/(?:x[0-9]{3}\/)*[0-9]{3}$/;

/** The published log: checkpoint uncached, everything else immutable (tlog-tiles). */
function serveLog(ctx: ApiContext, rel: string, req: http.IncomingMessage, res: http.ServerResponse): void {
  const isCheckpoint = rel === 'checkpoint';
  if (!isCheckpoint && !parseTilePath(rel) && !LEAVES_RE.test(rel))
    return sendError(res, 404, 'NOT_FOUND', 'no such resource');
  let data: Buffer;
  try {
    data = fs.readFileSync(path.join(ctx.publishDir, rel));
  } catch {
    return sendError(res, 404, 'NOT_FOUND', 'no such resource');
  }
  res.writeHead(200, {
    'content-type': isCheckpoint ? 'text/plain; charset=utf-8' : 'application/octet-stream',
    'content-length': data.length,
    'cache-control': isCheckpoint ? 'no-cache' : 'public, max-age=31536000, immutable',
  });
  res.end(req.method === 'HEAD' ? undefined : data);
}
