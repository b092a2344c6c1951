/**
 * `notar key retire --compromised` in the store (docs/lifecycle.md §3): an
 * entry sealed by the key in force saying that an earlier key's signatures
 * count only on checkpoints of history size <= AFTER. Only a key already
 * handed over can be retired: a compromised key in force is rotated first.
 */
import { formatTime } from '../core/block.js';
import { NotarError } from '../core/errors.js';
import { sameKey, type Signer, type Verifier } from '../core/note.js';
import { formatRetireStatement, parseRetireStatement, RETIRE_PREFIX } from '../core/rotation.js';
import type { ChainState } from './chainfile.js';
import { readEntries, writeEntries } from './entries.js';
import { keyHistory } from './key-history.js';
import { writeProof } from './rotate.js';
import type { Store } from './store.js';

/** Retirements recorded in the chain, oldest first. */
export function readRetirements(
  store: Store,
  state: ChainState,
): { seq: number; key: Verifier; after: number; time: string }[] {
  const out = [];
  for (const e of readEntries(store, state)) {
    if (e.statements.length === 1 && e.statements[0].startsWith(RETIRE_PREFIX + ' '))
      out.push({ seq: e.seq, ...parseRetireStatement(e.statements[0]) });
  }
  return out;
}

/** Retires the key handed over in the last rotation; `after` defaults to its handover checkpoint's size. */
export async function retireKey(
  store: Store,
  signer: Signer,
  after: number | undefined,
): Promise<{ seq: number; key: Verifier; after: number; proof: string }> {
  const state = store.readChain();
  const h = keyHistory(store, state);
  const last = h.rotations[h.rotations.length - 1];
  if (!last)
    throw new NotarError(
      'USAGE',
      'there is no earlier key to retire: rotate first (`notar key rotate`), then retire the old key',
      { hint: 'a compromised key in force must be replaced before it is retired' },
    );
  const handover = last.seq + 1;
  const upTo = after ?? handover;
  if (!Number.isSafeInteger(upTo) || upTo < 0 || upTo > handover)
    throw new NotarError(
      'USAGE',
      `--after must be a history size from 0 to ${handover} (the handover checkpoint of block ${last.seq})`,
    );
  if (readRetirements(store, state).some((r) => sameKey(r.key, last.old)))
    throw new NotarError('EXISTS', `key ${last.old.keyId} is already retired`);
  const statement = formatRetireStatement({ key: last.old, after: upTo, time: formatTime(new Date()) });
  const batch = writeEntries(store.paths, [statement], store.crypto);
  const sealed = await store.seal({ digests: batch.digests, salts: batch.salts, names: [RETIRE_PREFIX] }, signer);
  const seq = sealed.record.seq;
  const proof = writeProof(store, sealed.state, seq, statement);
  return { seq, key: last.old, after: upTo, proof };
}
