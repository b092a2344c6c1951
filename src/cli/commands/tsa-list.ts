/** `notar tsa list [--json]`: the store's TSAs, their pinned certificates, and how many checkpoints they dated. */
import { listTokens, readAuthorities } from '../../store/tsa-store.js';
import { openStoreFromOpts, type Opts } from '../common.js';
import { pinnedCerts } from '../time/tsa-client.js';

export async function run(_args: string[], opts: Opts): Promise<number> {
  const store = openStoreFromOpts(opts);
  const tokens = listTokens(store);
  const rows = readAuthorities(store).map((a) => ({
    name: a.name,
    url: a.url,
    timeoutSeconds: a.timeoutMs / 1000,
    pinned: pinnedCerts(a).map((c) => c.subject),
    tokens: tokens.filter((t) => t.name === a.name).length,
  }));
  if (opts.json) process.stdout.write(rows.map((r) => JSON.stringify(r) + '\n').join(''));
  else if (rows.length === 0)
    process.stdout.write('no TSA configured (add one with `notar tsa add URL --cert FILE`)\n');
  else
    for (const r of rows)
      process.stdout.write(`${r.name}\t${r.url}\tpinned: ${r.pinned.join('; ')}\ttokens: ${r.tokens}\n`);
  return 0;
}
