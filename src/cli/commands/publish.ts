/**
 * `notar publish --out DIR`: writes what is new in the log as C2SP
 * tlog-tiles static files (src/publish/publish.ts), for any web server,
 * object store or CDN to serve. Prints what it published.
 */
import { NotarError } from '../../core/errors.js';
import { publishLog } from '../../publish/publish.js';
import { openStoreFromOpts, type Opts } from '../common.js';
import { reportTornTail } from './log.js';

export async function run(_args: string[], opts: Opts): Promise<number> {
  const out = opts.out as string | undefined;
  if (!out) throw new NotarError('USAGE', 'publish needs --out DIR');
  const store = openStoreFromOpts(opts);
  const state = store.readChain();
  reportTornTail(state);
  const r = await publishLog(store, out, { state });
  const what =
    r.from === r.to
      ? `nothing new (checkpoint of ${r.to} blocks${r.files ? ', rewritten' : ''})`
      : `blocks ${r.from}..${r.to - 1} (${r.files} files)`;
  if (opts.json)
    process.stdout.write(JSON.stringify({ origin: store.origin, from: r.from, to: r.to, files: r.files }) + '\n');
  else process.stdout.write(`published ${what} of ${store.origin} to ${out}\n`);
  return 0;
}
