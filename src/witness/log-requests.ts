/**
 * Log side of tlog-witness: the add-checkpoint body for a witness that last
 * cosigned `oldSize` (0: never), from this store's chain.
 */
import { nobleCrypto, type Crypto } from '../core/crypto.js';
import { MerkleTree } from '../core/merkle.js';
import { NotarError } from '../core/errors.js';
import { formatAddCheckpointRequest } from '../core/witness-protocol.js';
import type { ChainRecord } from '../core/chain.js';

export interface ChainView {
  readonly records: readonly ChainRecord[];
  readonly blockHashes: Uint8Array;
}

/** The body asking a witness to cosign the checkpoint of `size` (default: latest), from `oldSize`. */
export function addCheckpointBody(
  chain: ChainView,
  oldSize: number,
  checkpoint?: string,
  size = chain.records.length,
  c: Crypto = nobleCrypto,
): string {
  if (size === 0)
    throw new NotarError('NOT_FOUND', 'no checkpoint yet: nothing has been stamped', {
      hint: 'stamp a document first: notar stamp FILE',
    });
  if (!Number.isSafeInteger(oldSize) || oldSize < 0 || oldSize > size) {
    throw new NotarError('USAGE', `--old ${oldSize} is not a size from 0 to ${size}`, {
      hint: 'give the size the witness last cosigned (0 if never)',
    });
  }
  const proof =
    oldSize === 0 || oldSize === size
      ? []
      : MerkleTree.fromLeafHashes(chain.blockHashes.subarray(0, size * 32), c).consistencyProof(oldSize, size);
  return formatAddCheckpointRequest({ oldSize, proof, checkpoint: checkpoint ?? chain.records[size - 1].checkpoint });
}
