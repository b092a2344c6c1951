/**
 * `notar status [--out FILE]`: the signed revocation status
 * (docs/lifecycle.md §2): every revoked stamping's leaf hash with date and
 * reason, bound to the latest checkpoint (size, root) and signed by the
 * store key. Checked offline by `verify --status` and the verifier page.
 */
import { NotarError } from '../../core/errors.js';
import { parseCheckpoint } from '../../core/checkpoint.js';
import { parseNote } from '../../core/note.js';
import { signStatus } from '../../core/revocation.js';
import { writeFileAtomic } from '../../store/durable.js';
import { readRevocations } from '../../store/entries.js';
import { openStoreFromOpts, type Opts } from '../common.js';
import { notice } from '../output/io.js';
import { loadSigner } from '../passphrase.js';

export async function run(_args: string[], opts: Opts): Promise<number> {
  const store = openStoreFromOpts(opts);
  const state = store.readChain();
  const last = state.records[state.records.length - 1];
  if (!last)
    throw new NotarError(
      'NOT_FOUND',
      `the chain of ${store.origin} is empty: there is no checkpoint to bind a status to`,
    );
  const signer = await loadSigner(store, opts);
  const cp = parseCheckpoint(parseNote(last.checkpoint).body);
  const revoked = [...readRevocations(store, state).values()].map(({ leaf, time, reason }) => ({ leaf, time, reason }));
  const text = signStatus(
    { origin: store.origin, size: cp.size, root: cp.root, time: last.time, revoked },
    signer,
    store.crypto,
  );
  if (typeof opts.out === 'string') {
    writeFileAtomic(opts.out, text);
    notice(
      `wrote the status of ${store.origin} as of block ${last.seq} (${last.time}): ${revoked.length} revoked stamping${revoked.length === 1 ? '' : 's'}`,
    );
  } else process.stdout.write(text);
  return 0;
}
