/**
 * Key rotation and retirement proofs on the page (docs/lifecycle.md §3): a
 * visitor whose page trusts only an office's old key adds the office's proof
 * (rotations/<block>.json) and the page accepts receipts signed by the
 * successor key, after the handover only. Pure but for reading the File.
 */
import { NotarError } from '../core/errors.js';
import { lifecycleFromProofs, type KeyLifecycle } from '../core/key-lifecycle.js';
import type { Verifier } from '../core/note.js';
import { ROTATION_PROOF_FORMAT } from '../core/rotation.js';

const MAX_PROOF_BYTES = 1 << 20;
const NONE: KeyLifecycle = { successors: [], retired: [] };

/** The proof's text if `file` is a rotation or retirement proof, else undefined. */
export async function readProofFile(file: Blob): Promise<string | undefined> {
  if (file.size > MAX_PROOF_BYTES || file.size < 2) return undefined;
  const text = await file.text();
  try {
    const j = JSON.parse(text);
    return j !== null && typeof j === 'object' && j.format === ROTATION_PROOF_FORMAT ? text : undefined;
  } catch {
    return undefined;
  }
}

/** What the added proofs establish with the page's keys; a proof that does not hold is a problem, not a verdict. */
export function pageLifecycle(
  proofs: readonly { name: string; text: string }[],
  trusted: readonly Verifier[],
): { lifecycle: KeyLifecycle; problem?: string } {
  if (proofs.length === 0) return { lifecycle: NONE };
  try {
    return {
      lifecycle: lifecycleFromProofs(
        proofs.map((p) => ({ f: p.name, text: p.text })),
        trusted,
      ),
    };
  } catch (e) {
    return {
      lifecycle: NONE,
      problem: `The key rotation proof could not be used: ${e instanceof NotarError ? e.message : 'it could not be read'}.`,
    };
  }
}
