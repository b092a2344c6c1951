/**
 * Whether a receipt already in a document's receipt path anchors that
 * document in THIS store (issue 10, item 3): only then may `stamp` keep it
 * and say so. A receipt of another store, or a damaged one, counted as kept
 * told the clerk a document was stamped when `prove` then found nothing.
 *
 * The checks are FORMAT.md §8 with this store's key as the only trusted key,
 * plus: its block is this store's block at that seq, and its checkpoint's
 * root is this store's history root at that size. A re-run over a big batch
 * meets the same checkpoint in every receipt, so what depends only on the
 * checkpoint (signature included) is checked once and remembered.
 */
import { documentLeafHash } from '../../core/batch.js';
import { blockHash } from '../../core/block.js';
import { equalBytes } from '../../core/bytes.js';
import { parseCheckpoint, type Checkpoint } from '../../core/checkpoint.js';
import type { Crypto } from '../../core/crypto.js';
import { NotarError } from '../../core/errors.js';
import { MerkleTree, rootFromInclusionProof } from '../../core/merkle.js';
import { parseNote, type Verifier } from '../../core/note.js';
import type { Receipt } from '../../core/receipt.js';
import { verifyReceipt } from '../../core/verify.js';
import { allStoreKeys } from '../../store/key-history.js';
import type { ChainState } from '../../store/chainfile.js';
import type { Store } from '../../store/store.js';

interface Loaded {
  readonly state: ChainState;
  readonly history: MerkleTree;
  /** Every key this store signed with (key rotation: a kept receipt may be under an old key's checkpoint). */
  readonly verifiers: Verifier[];
}

/** What is known of receipts carrying one checkpoint (and key hint): why they fail, or its parsed body. */
type CheckpointVerdict = { readonly why: string } | { readonly cp: Checkpoint; readonly historyOk: Set<string> };

export class AnchorCheck {
  private loaded?: Loaded;
  private readonly byCheckpoint = new Map<string, CheckpointVerdict>();

  constructor(private readonly store: Store) {}

  /** The chain is read only when a receipt for the same digest is found (not on a first stamp). */
  private load(): Loaded {
    if (!this.loaded) {
      const state = this.store.readChain();
      this.loaded = {
        state,
        history: MerkleTree.fromLeafHashes(state.blockHashes, this.store.crypto),
        verifiers: allStoreKeys(this.store, state),
      };
    }
    return this.loaded;
  }

  /** undefined if `r` proves that the document of SHA-256 `digest` is in this store; else why not. */
  whyNot(r: Receipt, digest: Uint8Array): string | undefined {
    const key = `${r.checkpoint}\0${r.key ?? ''}`;
    const known = this.byCheckpoint.get(key);
    const verdict = known ?? this.checkpointVerdict(r.checkpoint);
    if ('why' in verdict) {
      this.byCheckpoint.set(key, verdict);
      return verdict.why;
    }
    const blockWhy = this.blockWhyNot(r);
    if (blockWhy !== undefined) return blockWhy;
    if (known) return proofsWhyNot(r, digest, verdict.cp, verdict.historyOk, this.store.crypto);
    // First receipt with this checkpoint: the whole of §8, signature included.
    const check = verifyReceipt(r, digest, this.load().verifiers, this.store.crypto);
    if (!check.ok) return `it does not verify against this store's key (${check.step}: ${check.reason})`;
    this.byCheckpoint.set(key, verdict);
    return undefined;
  }

  /** Its block must be this store's block at that seq, field for field (FORMAT.md §4). */
  private blockWhyNot(r: Receipt): string | undefined {
    const { records } = this.load().state;
    const seq = r.block.seq;
    const rec = records[seq];
    if (!rec)
      return `it is for block ${seq}, but this store has ${records.length} block${records.length === 1 ? '' : 's'}`;
    if (
      rec.time !== r.block.time ||
      rec.size !== r.block.size ||
      rec.root !== r.block.root ||
      rec.prev !== r.block.prev
    ) {
      return `its block ${seq} is not block ${seq} of this store`;
    }
    return undefined;
  }

  /** What depends on the checkpoint alone: its form, origin, and root in this store's history. */
  private checkpointVerdict(checkpoint: string): CheckpointVerdict {
    const { state, history } = this.load();
    let cp: Checkpoint;
    try {
      cp = parseCheckpoint(parseNote(checkpoint).body);
    } catch (e) {
      if (e instanceof NotarError) return { why: `its checkpoint is malformed (${e.message})` };
      throw e;
    }
    if (cp.origin !== this.store.origin)
      return { why: `it is a receipt of ${cp.origin}, not of this store (${this.store.origin})` };
    if (cp.size > state.records.length)
      return {
        why: `its checkpoint is for history size ${cp.size}, but this store has ${state.records.length} blocks`,
      };
    if (!equalBytes(history.rootAt(cp.size), cp.root))
      return { why: `its checkpoint (history size ${cp.size}) does not match this store's history` };
    return { cp, historyOk: new Set() };
  }
}

/** Hex to bytes, natively (the core's portable decoder is per byte; a re-run meets 17 per receipt). */
const hexBytes = (hex: string) => Buffer.from(hex, 'hex');

/**
 * §8.2 and §8.3 for a receipt whose checkpoint (and signature on it) already
 * checked out. The history proof is the same for every receipt of a block:
 * `historyOk` remembers the ones that led to the checkpoint's root.
 */
function proofsWhyNot(
  r: Receipt,
  digest: Uint8Array,
  cp: Checkpoint,
  historyOk: Set<string>,
  c: Crypto,
): string | undefined {
  if (cp.size !== r.history.size)
    return `its checkpoint is for history size ${cp.size}, the receipt says ${r.history.size}`;
  const leaf = documentLeafHash(hexBytes(r.leaf.salt), digest, c);
  if (!leadsTo(r.leaf.index, r.block.size, leaf, r.leaf.path, hexBytes(r.block.root), c)) {
    return `its batch proof does not lead to the root of block ${r.block.seq}`;
  }
  const history = `${r.block.seq} ${r.history.path.join(' ')}`;
  if (historyOk.has(history)) return undefined;
  if (!leadsTo(r.block.seq, r.history.size, blockHash(r.block, c), r.history.path, cp.root, c)) {
    return `its history proof for block ${r.block.seq} does not lead to its checkpoint's root`;
  }
  historyOk.add(history);
  return undefined;
}

function leadsTo(index: number, size: number, leaf: Uint8Array, path: string[], root: Uint8Array, c: Crypto): boolean {
  try {
    return equalBytes(rootFromInclusionProof(index, size, leaf, path.map(hexBytes), c), root);
  } catch (e) {
    if (e instanceof NotarError) return false;
    throw e;
  }
}
