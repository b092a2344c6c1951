/**
 * Receipt verification under a C2SP tlog-policy (FORMAT.md §12): the steps of
 * verifyReceipt with the policy's log keys as the trusted keys, then a last
 * step `witness`: every policy witness's cosignature on the receipt's
 * checkpoint is checked and the quorum must hold. Witness times are an
 * independent clock: the earliest is when the block existed at the latest.
 */
import type { CosignerVerifier } from './cosignature.js';
import { nobleCrypto, type Crypto } from './crypto.js';
import { NotarError } from './errors.js';
import { parseCheckpoint } from './checkpoint.js';
import { parseNote, sameKey, type Verifier } from './note.js';
import { checkCheckpoint, type Policy, type PolicyKeyRange } from './policy.js';
import { applyRotation, withSuccessors, type KeyLifecycle } from './key-lifecycle.js';
import type { Receipt } from './receipt.js';
import { verifyReceipt, type VerifiedReceipt, type VerifyResult, type VerifyStep } from './verify.js';

export type PolicyVerifyStep = VerifyStep | 'witness';

export interface Cosigned {
  /** Policy-local name and key of the witness. */
  readonly name: string;
  readonly key: CosignerVerifier;
  readonly status: 'valid' | 'missing' | 'invalid';
  /** POSIX seconds and the same as RFC 3339 (valid ones only). */
  readonly time?: number;
  readonly at?: string;
}

export interface PolicyVerified extends VerifiedReceipt {
  readonly quorum: string;
  readonly cosigners: Cosigned[];
  /** Earliest valid witness time: the block existed no later than this. */
  readonly witnessedBy?: string;
  /** Set when the block's own time is later than a witness saw its checkpoint. */
  readonly clockWarning?: string;
  /** Set when a successor key (rotation proof) signed: which rotation. */
  readonly rotationNote?: string;
}

export interface PolicyFailed {
  readonly ok: false;
  readonly step: PolicyVerifyStep;
  readonly reason: string;
  readonly receipt?: Receipt;
  readonly quorum?: string;
  readonly cosigners?: Cosigned[];
}

export type PolicyVerifyResult = PolicyVerified | PolicyFailed;

const NO_LIFECYCLE: KeyLifecycle = { successors: [], retired: [] };

/**
 * The policy with every proven successor of a policy log key added as a log
 * (docs/lifecycle.md §3): a policy naming the old key accepts the new one,
 * and applyRotation then bounds each key to its part of the history.
 */
export function policyWithSuccessors(policy: Policy, lifecycle: KeyLifecycle): Policy {
  const keys = withSuccessors(
    policy.logs.map((l) => l.key),
    lifecycle.successors,
  );
  return { ...policy, logs: [...policy.logs, ...keys.slice(policy.logs.length).map((key) => ({ key }))] };
}

/** Block times may run a little ahead of a witness's clock before it is called a wrong clock. */
export const CLOCK_TOLERANCE_SECONDS = 300;

/** POSIX seconds as `YYYY-MM-DDTHH:MM:SSZ` (or `@<seconds>` beyond what Date can show). */
export function posixTime(t: number): string {
  return t * 1000 <= 8.64e15 ? new Date(t * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') : `@${t}`;
}

const names = (cs: Cosigned[], s: Cosigned['status']) => cs.filter((c) => c.status === s).map((c) => c.name);

function quorumReason(quorum: string, cs: Cosigned[]): string {
  const parts = [`valid: ${names(cs, 'valid').join(', ') || 'none'}`];
  if (names(cs, 'missing').length) parts.push(`missing: ${names(cs, 'missing').join(', ')}`);
  if (names(cs, 'invalid').length) parts.push(`invalid: ${names(cs, 'invalid').join(', ')}`);
  return `quorum ${quorum} not met (${parts.join('; ')})`;
}

/**
 * Verifies `receipt` for `digest` under `policy`; `lifecycle`: checked rotation
 * and retirement proofs for the policy's log keys (key-lifecycle.ts), applied
 * before the witness step. Never throws for bad input.
 */
export function verifyReceiptWithPolicy(
  receipt: string | Receipt,
  digest: Uint8Array,
  policy: Policy,
  lifecycle: KeyLifecycle = NO_LIFECYCLE,
  c: Crypto = nobleCrypto,
): PolicyVerifyResult {
  policy = policyWithSuccessors(policy, lifecycle);
  const rotated = applyRotation(
    verifyInRange(
      receipt,
      digest,
      policy.logs.map((l) => l.key),
      policy.keyRanges ?? [],
      c,
    ),
    lifecycle,
  );
  const base = rotated.result;
  if (!base.ok) return base;
  let check;
  try {
    check = checkCheckpoint(base.receipt.checkpoint, base.origin, policy, c);
  } catch (e) {
    if (e instanceof NotarError) return { ok: false, step: 'trust', reason: e.message, receipt: base.receipt };
    throw e;
  }
  const cosigners: Cosigned[] = check.cosigners.map((c) => ({
    ...c,
    at: c.time === undefined ? undefined : posixTime(c.time),
  }));
  const fail = (reason: string): PolicyFailed => ({
    ok: false,
    step: 'witness',
    reason,
    receipt: base.receipt,
    quorum: policy.quorum,
    cosigners,
  });
  // signed-note: a line matching a trusted key must verify; a forged cosignature is never just "missing".
  const invalid = names(cosigners, 'invalid');
  if (invalid.length)
    return fail(`cosignature by ${invalid.join(', ')} does not verify (forged, damaged, or over another checkpoint)`);
  if (!check.quorumMet) return fail(quorumReason(policy.quorum, cosigners));
  const rotationNote = rotated.note === undefined ? {} : { rotationNote: rotated.note };
  return { ...base, quorum: policy.quorum, cosigners, ...witnessTimes(base.time, cosigners), ...rotationNote };
}

/**
 * notar extension `#notar-key-until` (docs/lifecycle.md §3): a key counts only on
 * checkpoints up to its size; beyond it the receipt must verify by another log key
 * (e.g. a handover checkpoint signed by both), else it fails at `trust`.
 */
function verifyInRange(
  receipt: string | Receipt,
  digest: Uint8Array,
  keys: readonly Verifier[],
  ranges: readonly PolicyKeyRange[],
  c: Crypto,
): VerifyResult {
  const first = verifyReceipt(receipt, digest, keys, c);
  if (!first.ok || ranges.length === 0) return first;
  const size = parseCheckpoint(parseNote(first.receipt.checkpoint).body).size;
  const expired = ranges.filter((r) => size > r.until);
  const bad = expired.find((r) => sameKey(r.key, first.signer));
  if (!bad) return first;
  const others = keys.filter((k) => !expired.some((r) => sameKey(r.key, k)));
  const again = verifyReceipt(first.receipt, digest, others, c);
  if (again.ok) return again;
  return {
    ok: false,
    step: 'trust',
    reason: `checkpoint of size ${size} is signed by key ${bad.key.keyId}, which the policy trusts only up to history size ${bad.until} (retired as compromised): ask the office for a refreshed receipt`,
    receipt: first.receipt,
  };
}

function witnessTimes(blockTime: string, cs: Cosigned[]): { witnessedBy?: string; clockWarning?: string } {
  const times = cs.flatMap((c) => (c.time === undefined ? [] : [c.time]));
  if (times.length === 0) return {};
  const earliest = Math.min(...times);
  const block = Date.parse(blockTime) / 1000;
  const witnessedBy = posixTime(earliest);
  if (block <= earliest + CLOCK_TOLERANCE_SECONDS) return { witnessedBy };
  return {
    witnessedBy,
    clockWarning: `block time ${blockTime} is after a witness saw the checkpoint (${witnessedBy}): the notary's clock is wrong`,
  };
}
