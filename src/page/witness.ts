/** The page's side of policies (issue 12): reading the baked policy, showing it, verifying under it. */
import { parsePolicy, type Policy } from '../core/policy.js';
import { verifyReceiptWithPolicy } from '../core/policy-verify.js';
import type { Verifier } from '../core/note.js';
import { withSuccessors, type KeyLifecycle } from '../core/key-lifecycle.js';
import { byId, showKeys } from './render.js';
import { applyPageStatus, withStatus } from './status.js';
import { describe, type Verdict } from './verdict.js';
import { describeWitnessed, quorumInWords } from './witness-verdict.js';

/** The JSON data block holds null or the policy text. */
export function readBakedPolicy(json: string): { policy?: Policy; error?: string } {
  let text: unknown;
  try {
    text = JSON.parse(json);
  } catch {
    return { error: 'The witness policy built into this page is unreadable: the page is damaged.' };
  }
  if (text === null) return {};
  try {
    return { policy: parsePolicy(String(text)) };
  } catch (e) {
    return { error: `The witness policy built into this page is invalid: ${(e as Error).message}` };
  }
}

export function showPolicy(p: Policy): void {
  byId('trust-policy').hidden = false;
  byId('trust-policy-text').textContent =
    p.quorum === 'none'
      ? 'No witness is required.'
      : `A receipt counts only if ${quorumInWords(p)} also vouched that the notary kept a single history. Witnesses:`;
  showKeys(
    'trust-policy-list',
    p.witnesses.map((w) => ({ ...w.key, name: `${w.name}: ${w.key.name}` })),
  );
}

/** What the visitor's rotation proofs establish (pageLifecycle) and the revocation status text, if any. */
export interface PageLifecycle {
  readonly lifecycle: KeyLifecycle;
  /** Why the proofs could not be used. */
  readonly problem?: string;
  readonly status?: string;
}

const NO_LIFECYCLE: PageLifecycle = { lifecycle: { successors: [], retired: [] } };

/**
 * Trusted log keys = the policy's logs plus any other trusted keys (baked with --key, or pasted).
 * The lifecycle applies as without a policy (docs/lifecycle.md §3, "Under a policy"): rotation
 * proofs checked with those keys admit a proven successor after the handover, and the status
 * (checked with the keys and their successors) turns an OK into "Revoked".
 */
export function verifyUnderPolicy(
  p: Policy,
  receipt: string,
  digest: Uint8Array,
  trusted: readonly Verifier[],
  life: PageLifecycle = NO_LIFECYCLE,
): Verdict {
  const logs = [
    ...p.logs,
    ...trusted.filter((k) => !p.logs.some((l) => l.key.text === k.text)).map((key) => ({ key })),
  ];
  const policy = { ...p, logs };
  const keys = withSuccessors(trusted, life.lifecycle.successors);
  const result = verifyReceiptWithPolicy(receipt, digest, policy, life.lifecycle);
  const checked = result.ok ? applyPageStatus(result, digest, life.status, keys) : undefined;
  const base =
    checked && !checked.result.ok
      ? describe(checked.result, digest, keys)
      : describeWitnessed(result, digest, keys, policy);
  const rotation = { note: result.ok ? result.rotationNote : undefined, problem: life.problem };
  return withStatus(withStatus(base, rotation, 'Key rotation'), checked ?? {});
}
