/**
 * `notar serve`: one store, one sequencer, one HTTP(S) listener. Sealed
 * blocks are published (tlog-tiles, src/publish/publish.ts) into the publish
 * directory in the background (publisher.ts), off the receipts' path.
 * Shutdown refuses new work, seals what was accepted, publishes, then closes.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { NotarError } from '../core/errors.js';
import type { MerkleTree } from '../core/merkle.js';
import type { Signer } from '../core/note.js';
import { publishLog } from '../publish/publish.js';
import type { Store } from '../store/store.js';
import { ClerkDirectory } from './clerks.js';
import { DEFAULT_LIMITS, handler, type ApiLimits } from './http.js';
import { Publisher } from './publisher.js';
import { Sequencer, type SequencerOptions } from './sequencer.js';

export interface ServeOptions {
  readonly host: string;
  readonly port: number;
  readonly windowMs: number;
  readonly maxDocs: number;
  readonly publishDir: string;
  readonly limits?: ApiLimits;
  readonly tls?: { cert: Buffer; key: Buffer };
  /** Witnesses and TSAs after each block (see SequencerOptions.endorse). */
  readonly endorse?: SequencerOptions['endorse'];
}

export interface RunningServer {
  readonly url: string;
  /** Graceful: refuse new work, seal what was accepted, close. */
  close(): Promise<void>;
}

export async function startServer(store: Store, signer: Signer, o: ServeOptions): Promise<RunningServer> {
  let size = store.readChain().records.length;
  if (size > 0) await publishLog(store, o.publishDir);
  const publisher = new Publisher(store, o.publishDir);
  const sequencer = new Sequencer(store, signer, {
    windowMs: o.windowMs,
    maxDocs: o.maxDocs,
    maxQueued: Math.max(10 * o.maxDocs, 100_000),
    endorse: o.endorse,
    afterSeal: (sealed) => {
      size = sealed.state.records.length;
      publisher.kick(sealed.state, sealed.record.seq, packedLeaves(sealed.batch.tree));
    },
  });
  const listener = handler({
    origin: store.origin,
    key: signer.text,
    sequencer,
    clerks: new ClerkDirectory(store.paths.dir),
    publishDir: o.publishDir,
    limits: o.limits ?? DEFAULT_LIMITS,
    size: () => size,
  });
  const server = o.tls
    ? https.createServer({ cert: o.tls.cert, key: o.tls.key }, listener)
    : http.createServer(listener);
  server.requestTimeout = 120_000;
  await listen(server, o.host, o.port);
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `${o.tls ? 'https' : 'http'}://${host}:${addr.port}`,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await sequencer.drain();
      await publisher.idle();
      // Receipts of the last block are being written: let them go, then close idle keep-alives.
      await new Promise((r) => setImmediate(r));
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), 5000);
      force.unref();
      await closed;
    },
  };
}

/** The batch tree's leaf hashes, packed (the tree has them; no hashing again). */
function packedLeaves(tree: MerkleTree): Uint8Array {
  const out = new Uint8Array(tree.size * 32);
  for (let i = 0; i < tree.size; i++) out.set(tree.leaf(i), i * 32);
  return out;
}

function listen(server: http.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      const why =
        e.code === 'EADDRINUSE' ? 'the address is in use' : e.code === 'EACCES' ? 'permission denied' : e.message;
      reject(
        new NotarError('IO', `cannot listen on ${host}:${port}: ${why}`, { hint: 'choose another --listen address' }),
      );
    });
    server.listen(port, host, () => resolve());
  });
}

export function readTls(certFile?: string, keyFile?: string): { cert: Buffer; key: Buffer } | undefined {
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) throw new NotarError('USAGE', '--tls-cert and --tls-key go together');
  const read = (f: string) => {
    try {
      return fs.readFileSync(f);
    } catch (e) {
      throw new NotarError('IO', `cannot read ${f}: ${(e as Error).message}`);
    }
  };
  return { cert: read(certFile), key: read(keyFile) };
}
