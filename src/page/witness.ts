/** The page's side of policies (issue 12): reading the baked policy, showing it, verifying under it. */
import { parsePolicy, type Policy } from '../core/policy.js';
import { verifyReceiptWithPolicy } from '../core/policy-verify.js';
import type { Verifier } from '../core/note.js';
import { byId, showKeys } from './render.js';
import type { Verdict } from './verdict.js';
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

/** Trusted log keys = the policy's logs plus any other trusted keys (baked with --key, or pasted). */
export function verifyUnderPolicy(
  p: Policy,
  receipt: string,
  digest: Uint8Array,
  trusted: readonly Verifier[],
): Verdict {
  const logs = [
    ...p.logs,
    ...trusted.filter((k) => !p.logs.some((l) => l.key.text === k.text)).map((key) => ({ key })),
  ];
  const policy = { ...p, logs };
  return describeWitnessed(verifyReceiptWithPolicy(receipt, digest, policy), digest, trusted, policy);
}
