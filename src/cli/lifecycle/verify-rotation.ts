/**
 * `verify --rotation FILE` (docs/lifecycle.md §3): rotation proofs let a
 * verifier that trusts only an old key accept receipts signed by its
 * successor. Each proof is checked with the keys already trusted (the given
 * keys, then successors proven so far: chained rotations in any order). A
 * successor announced in block N is trusted only for checkpoints of history
 * size > N: it never signed anything older.
 */
import { parseCheckpoint } from '../../core/checkpoint.js';
import { lifecycleFromProofs, type KeyLifecycle } from '../../core/key-lifecycle.js';
import { parseNote, type Verifier } from '../../core/note.js';
import { cryptoOf, readTextInput, type Opts } from '../common.js';

export { applyRotation, withSuccessors, type KeyLifecycle } from '../../core/key-lifecycle.js';

export function loadRotations(opts: Opts, trusted: readonly Verifier[]): KeyLifecycle {
  const files = (opts.rotation as string[] | undefined) ?? [];
  return lifecycleFromProofs(
    files.map((f) => ({ f, text: readTextInput(f, 1 << 20) })),
    trusted,
    cryptoOf(opts),
  );
}

/**
 * Appended to "not signed by a key you trust … may be forged" when the
 * checkpoint bears a trusted key's name under another key ID: after a key
 * rotation that is exactly what a new receipt looks like to an old key.
 */
export function rotationHint(checkpoint: string, trusted: readonly Verifier[]): string {
  try {
    const origin = parseCheckpoint(parseNote(checkpoint).body).origin;
    if (!trusted.some((k) => k.name === origin)) return '';
    return `, or signed by a successor key if ${origin} rotated its key: verify with the office's rotation proof (--rotation FILE), or update your key or page`;
  } catch {
    return '';
  }
}
