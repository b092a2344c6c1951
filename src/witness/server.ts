/**
 * The witness over HTTP (C2SP tlog-witness): `POST /add-checkpoint`, and the
 * optional monitoring `GET /<sha256(origin) hex>/checkpoint`. Bodies are
 * capped while they arrive (413 and the connection closed), slow clients time
 * out (408), anything else is a 4xx; one bad request never touches another.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { fromUtf8 } from '../core/bytes.js';
import type { Cosigner } from '../core/cosignature.js';
import type { ForkEvidence, WitnessAnswer } from '../core/witness.js';
import { requestOrigin } from '../core/witness.js';
import { MAX_REQUEST_BYTES } from '../core/witness-protocol.js';
import type { WitnessStore } from './store.js';

export interface ServeOptions {
  readonly host: string;
  readonly port: number;
  /** Whole request (headers and body) must arrive within this (ms). */
  readonly readTimeoutMs: number;
  readonly log: (line: string) => void;
}

const TEXT = 'text/plain; charset=utf-8';

function send(
  res: http.ServerResponse,
  status: number,
  body: string,
  contentType = TEXT,
  extra: http.OutgoingHttpHeaders = {},
): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

/** Reads the body, refusing more than `max` bytes as soon as they arrive. */
function readBody(req: http.IncomingMessage, max: number): Promise<Buffer | 'too large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > max) return resolve('too large');
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.removeAllListeners('data');
        resolve('too large');
      } else parts.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

export function createWitnessServer(store: WitnessStore, cosigner: Cosigner, opts: ServeOptions): http.Server {
  const onEvidence = (file: string, e: ForkEvidence) =>
    opts.log(`FORK EVIDENCE for ${e.origin}: ${e.reason} (kept in ${file})`);
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = (req.url ?? '/').split('?')[0];
    if (url === '/add-checkpoint') {
      if (req.method !== 'POST') return send(res, 405, 'add-checkpoint takes POST\n', TEXT, { Allow: 'POST' });
      const body = await readBody(req, MAX_REQUEST_BYTES);
      if (body === 'too large')
        return send(res, 413, `request body over ${MAX_REQUEST_BYTES} bytes\n`, TEXT, { Connection: 'close' });
      let text: string;
      try {
        text = fromUtf8(body, 'request body');
      } catch {
        return send(res, 400, 'request body is not UTF-8\n');
      }
      const a: WitnessAnswer = await store.addCheckpoint(
        text,
        requestOrigin(text),
        cosigner,
        () => Math.floor(Date.now() / 1000),
        onEvidence,
      );
      opts.log(
        `${a.status} ${a.origin ?? '-'}${a.state ? ` size ${a.state.size}` : ''}${a.status === 200 ? '' : `: ${a.body.trim().slice(0, 200)}`}`,
      );
      return send(res, a.status, a.body, a.contentType);
    }
    const m = /^\/([0-9a-f]{64})\/checkpoint$/.exec(url);
    if (m) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'GET only\n', TEXT, { Allow: 'GET' });
      let note: string;
      try {
        note = fs.readFileSync(path.join(store.dir, 'logs', m[1], 'state'), 'utf8');
      } catch {
        return send(res, 404, 'never cosigned a checkpoint of that log\n');
      }
      return send(res, 200, note);
    }
    return send(res, 404, 'not found (a witness serves POST /add-checkpoint)\n');
  };
  // Slow clients: the whole request must arrive in time, or it is answered 408 and closed;
  // node checks every connectionsCheckingInterval, so keep that well below the timeout.
  const timing = {
    requestTimeout: opts.readTimeoutMs,
    headersTimeout: Math.min(opts.readTimeoutMs, 60_000),
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(opts.readTimeoutMs / 4))),
    keepAliveTimeout: 5_000,
  };
  const server = http.createServer(timing, (req, res) => {
    handle(req, res).catch((e) => {
      opts.log(`500: ${(e as Error).message}`);
      send(res, 500, 'internal error; nothing was cosigned\n');
    });
  });
  server.maxHeadersCount = 64;
  // Many idle or slow connections cannot exhaust the process (each also times out, above).
  server.maxConnections = 512;
  server.on('clientError', (e: NodeJS.ErrnoException, socket) => {
    const status =
      e.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? '408 Request Timeout'
        : e.code === 'HPE_HEADER_OVERFLOW'
          ? '431 Request Header Fields Too Large'
          : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    else socket.destroy();
  });
  return server;
}
