/**
 * `notar checkpoint`: the latest signed checkpoint (FORMAT.md §5), exactly as
 * signed, for publishing. Anyone holding it can later ask for a consistency
 * proof (`notar consistency --from`).
 */
import { NotarError } from '../../core/errors.js';
import { openStoreFromOpts, type Opts } from '../common.js';
import { reportTornTail } from './log.js';

export async function run(args: string[], opts: Opts): Promise<number> {
  // Witness hooks (issue 12): --request / compare live in their own modules.
  if (opts.request) return (await import('./checkpoint-request.js')).run(args, opts);
  if (args[0] === 'compare') return (await import('./checkpoint-compare.js')).run(args, opts);
  if (args.length)
    throw new NotarError('USAGE', `unknown checkpoint action ${JSON.stringify(args[0])}`, {
      hint: 'notar checkpoint, notar checkpoint --request, or notar checkpoint compare A B',
    });
  const store = openStoreFromOpts(opts);
  const state = store.readChain();
  reportTornTail(state);
  const latest = state.records[state.records.length - 1];
  if (!latest)
    throw new NotarError('NOT_FOUND', `no checkpoint yet: nothing has been stamped in ${store.origin}`, {
      hint: 'stamp a document first: notar stamp FILE',
    });
  // With the witness cosignatures stored for it (none: exactly the chain's checkpoint).
  process.stdout.write(
    (await import('../../witness/log-witnesses.js')).cosignedCheckpoint(store.paths.dir, latest, store.crypto),
  );
  return 0;
}
