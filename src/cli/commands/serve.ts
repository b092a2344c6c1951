/**
 * `notar serve --listen HOST:PORT`: the notary server for many clerks
 * (src/server/). Runs until SIGTERM or SIGINT, then finishes the block being
 * sealed, refuses new work and exits 0.
 */
import * as path from 'node:path';
import { NotarError } from '../../core/errors.js';
import { readTls, startServer } from '../../server/server.js';
import { openStoreFromOpts, type Opts } from '../common.js';
import { notice } from '../output/io.js';
import { loadSigner } from '../passphrase.js';
import { afterSeal } from '../post-seal.js';

function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):([0-9]{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new NotarError('USAGE', `--listen ${text}: expected HOST:PORT, e.g. 127.0.0.1:7300`);
  return { host: m[1] ?? m[2], port };
}

function positive(v: unknown, what: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new NotarError('USAGE', `${what} must be a whole number >= 1`);
  return n;
}

export async function run(_args: string[], opts: Opts): Promise<number> {
  const { host, port } = parseListen(String(opts.listen ?? '127.0.0.1:7300'));
  const store = openStoreFromOpts(opts);
  const signer = await loadSigner(store, opts);
  const publishDir = path.resolve(String(opts.publishDir ?? path.join(store.paths.dir, 'tlog')));
  const server = await startServer(store, signer, {
    host,
    port,
    windowMs: positive(opts.windowMs, '--window-ms', 250),
    maxDocs: positive(opts.maxDocs, '--max-docs', 10_000),
    publishDir,
    limits: {
      maxBody: positive(opts.maxBody, '--max-body', 16 << 20),
      maxDocs: positive(opts.maxRequestDocs, '--max-request-docs', 100_000),
    },
    tls: readTls(opts.tlsCert as string | undefined, opts.tlsKey as string | undefined),
    // As local stamp does (stamp.ts): witnesses first, then trusted time, each under its deadline.
    endorse: async (sealed) => {
      const state = await (await import('./stamp-witness.js')).witnessSealed(store, sealed.state, opts);
      const { timestamps } = await afterSeal(store, sealed.record, opts);
      return { state, timestamps };
    },
  });
  notice(`serving ${store.origin} at ${server.url} (log published in ${publishDir})`);
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      notice(`${sig}: finishing the current block, refusing new work`);
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await server.close();
  notice('stopped');
  return 0;
}
