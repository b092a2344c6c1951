/**
 * What rotation and retirement proofs establish for a verifier (docs/
 * lifecycle.md §3), shared by `verify --rotation` and the verifier page.
 * Each proof is checked with the keys already trusted (the given keys, then
 * successors proven so far: chained rotations in any order). A successor
 * announced in block N is trusted only for checkpoints of history size > N;
 * a handed-over key only up to its handover checkpoint (size N + 1); a key
 * retired as compromised only up to the size its retirement names.
 */
import { parseCheckpoint } from './checkpoint.js';
import { nobleCrypto, type Crypto } from './crypto.js';
import { NotarError } from './errors.js';
import { parseNote, sameKey, type Verifier } from './note.js';
import {
  checkRetirementProof,
  checkRotationProof,
  isRetirementProof,
  type ProvenSuccessor,
  type Retirement,
} from './rotation.js';
import type { VerifyResult } from './verify.js';

/** What the proofs given establish: successor keys, and keys retired as compromised. */
export interface KeyLifecycle {
  readonly successors: ProvenSuccessor[];
  readonly retired: (Retirement & { seq: number })[];
}

/** Checks rotation and retirement proofs (`f`: a name for messages) against the trusted keys. */
export function lifecycleFromProofs(
  texts: readonly { f: string; text: string }[],
  trusted: readonly Verifier[],
  c: Crypto = nobleCrypto,
): KeyLifecycle {
  const retirements = texts.filter((t) => isRetirementProof(t.text));
  const successors = provenSuccessors(
    texts.filter((t) => !retirements.includes(t)),
    trusted,
    c,
  );
  const keys = withSuccessors(trusted, successors);
  const retired = retirements.map((t) => {
    try {
      return checkRetirementProof(t.text, keys, c);
    } catch (e) {
      if (e instanceof NotarError) throw new NotarError(e.code, `${t.f}: ${e.message}`);
      throw e;
    }
  });
  return { successors, retired };
}

function provenSuccessors(
  texts: readonly { f: string; text: string }[],
  trusted: readonly Verifier[],
  c: Crypto,
): ProvenSuccessor[] {
  const proven: ProvenSuccessor[] = [];
  let pending = texts;
  while (pending.length > 0) {
    const keys = [...trusted, ...proven.map((p) => p.next)];
    const left: { f: string; text: string }[] = [];
    let lastError: NotarError | undefined;
    for (const t of pending) {
      try {
        proven.push(checkRotationProof(t.text, keys, c));
      } catch (e) {
        if (!(e instanceof NotarError)) throw e;
        if (e.code === 'FORMAT')
          throw new NotarError('FORMAT', `${t.f}: ${e.message}`, {
            hint: 'a rotation proof is rotations/<block>.json from the store of the office that rotated its key',
          });
        lastError = new NotarError(e.code, `${t.f}: ${e.message}`);
        left.push(t);
      }
    }
    if (left.length === pending.length) throw lastError!;
    pending = left;
  }
  return proven;
}

/** The keys to verify with: the trusted ones and every proven successor. */
export function withSuccessors(trusted: readonly Verifier[], proven: readonly ProvenSuccessor[]): Verifier[] {
  return [...trusted, ...proven.map((p) => p.next).filter((k) => !trusted.some((t) => sameKey(t, k)))];
}

/** A receipt verified by a successor key: only for checkpoints after the handover; says which rotation. */
export function applyRotation(result: VerifyResult, lifecycle: KeyLifecycle): { result: VerifyResult; note?: string } {
  if (!result.ok) return { result };
  const proven = lifecycle.successors;
  const size = parseCheckpoint(parseNote(result.receipt.checkpoint).body).size;
  // A key retired as compromised counts only up to the size its retirement names.
  const compromised = lifecycle.retired.find((x) => sameKey(x.key, result.signer) && size > x.after);
  if (compromised) {
    return {
      result: {
        ok: false,
        step: 'trust',
        reason: `checkpoint of size ${size} is signed by key ${compromised.key.keyId}, retired as compromised in block ${compromised.seq}: its signatures count only up to history size ${compromised.after}; ask the office for a refreshed receipt`,
        receipt: result.receipt,
      },
    };
  }
  // A retired key's signature counts only up to its handover checkpoint (size seq + 1, signed by both):
  // anything later under it alone is what a leaked old key could forge.
  const retired = proven.find((x) => sameKey(x.old, result.signer) && size > x.seq + 1);
  if (retired) {
    return {
      result: {
        ok: false,
        step: 'trust',
        reason: `checkpoint of size ${size} is signed by key ${retired.old.keyId}, which handed over to key ${retired.next.keyId} in block ${retired.seq}: a retired key signs nothing later`,
        receipt: result.receipt,
      },
    };
  }
  const p = proven.find((x) => sameKey(x.next, result.signer));
  if (!p) return { result };
  if (size <= p.seq) {
    return {
      result: {
        ok: false,
        step: 'trust',
        reason: `checkpoint of size ${size} is signed by key ${p.next.keyId}, which took over only in block ${p.seq}`,
        receipt: result.receipt,
      },
    };
  }
  return {
    result,
    note: `signed by the successor key ${p.next.keyId} announced in block ${p.seq} (rotation proof checked with key ${p.old.keyId})`,
  };
}
