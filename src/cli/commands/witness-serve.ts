/** `notar witness serve --listen HOST:PORT`: the witness over HTTP (C2SP tlog-witness). */
import { NotarError } from '../../core/errors.js';
import { createWitnessServer } from '../../witness/server.js';
import type { Opts } from '../common.js';
import { notice } from '../output/io.js';
import { loadCosigner, openWitness } from './witness-admin.js';

function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):)?([0-9]{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535)
    throw new NotarError('USAGE', `--listen ${JSON.stringify(text)} is not HOST:PORT`, {
      hint: 'for example --listen 127.0.0.1:7380',
    });
  return { host: (m[1] ?? '127.0.0.1').replace(/^\[|\]$/g, ''), port };
}

export async function run(_args: string[], opts: Opts): Promise<number> {
  const { host, port } = parseListen(String(opts.listen ?? '127.0.0.1:7380'));
  const readTimeoutMs = Math.round(Number(opts.readTimeout ?? 10) * 1000);
  if (!(readTimeoutMs >= 100)) throw new NotarError('USAGE', '--read-timeout must be at least 0.1 seconds');
  const store = openWitness(opts);
  const cosigner = await loadCosigner(store, opts);
  const server = createWitnessServer(store, cosigner, {
    host,
    port,
    readTimeoutMs,
    log: (l) => notice(`witness: ${l}`),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new NotarError('IO', `cannot listen on ${host}:${port}: ${e.code ?? e.message}`)),
    );
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  const actual = typeof addr === 'object' && addr ? addr.port : port;
  notice(
    `witness ${store.name} listening on http://${host.includes(':') ? `[${host}]` : host}:${actual}/add-checkpoint`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      server.close(() => resolve());
      server.closeIdleConnections();
      // A client still sending gets cut off soon after: no cosignature is half-given (state is saved first).
      setTimeout(() => server.closeAllConnections(), 1000).unref();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  return 0;
}
