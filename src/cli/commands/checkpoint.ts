/**
 * `notar checkpoint`: the latest signed checkpoint (FORMAT.md §5), exactly as
 * signed, for publishing. Anyone holding it can later ask for a consistency
 * proof (`notar consistency --from`).
 */
import { NotarError } from '../../core/errors.js';
import { openStoreFromOpts, type Opts } from '../common.js';
import { reportTornTail } from './log.js';

export async function run(_args: string[], opts: Opts): Promise<number> {
  const store = openStoreFromOpts(opts);
  const state = store.readChain();
  reportTornTail(state);
  const latest = state.records[state.records.length - 1];
  if (!latest) throw new NotarError('NOT_FOUND', `no checkpoint yet: nothing has been stamped in ${store.origin}`, { hint: 'stamp a document first: notar stamp FILE' });
  process.stdout.write(latest.checkpoint);
  return 0;
}
