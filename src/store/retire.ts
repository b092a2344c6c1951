/**
 * `notar key retire --compromised` in the store (docs/lifecycle.md §3): an
 * entry sealed by the key in force saying that an earlier key's signatures
 * count only on checkpoints of history size <= AFTER. Only a key already
 * handed over can be retired: a compromised key in force is rotated first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatTime } from '../core/block.js';
import { NotarError } from '../core/errors.js';
import { sameKey, type Signer, type Verifier } from '../core/note.js';
import { formatRetireStatement, formatRotationProof, parseRetireStatement, RETIRE_PREFIX } from '../core/rotation.js';
import type { ChainState } from './chainfile.js';
import { writeFileAtomic } from './durable.js';
import { readEntries, writeEntries } from './entries.js';
import { keyHistory } from './key-history.js';
import { rotationsDir } from './rotate.js';
import { ReceiptBuilder, storedBatchTree, type Store } from './store.js';

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
  const leaves = store.readLeaves(seq);
  const receipt = new ReceiptBuilder(sealed.state, undefined, store.crypto).forBlock(
    seq,
    storedBatchTree(leaves, store.crypto),
    () => ({
      digest: leaves.records.slice(0, 32),
      salt: leaves.records.slice(32, 64),
    }),
  )(0);
  fs.mkdirSync(rotationsDir(store), { recursive: true });
  const proof = path.join(rotationsDir(store), `${String(seq).padStart(10, '0')}.json`);
  writeFileAtomic(proof, formatRotationProof(statement, receipt));
  return { seq, key: last.old, after: upTo, proof };
}
