/**
 * What the page says about a receipt checked under a baked-in tlog-policy
 * (issue 12): who vouched for the checkpoint and when, in plain words, and
 * why a receipt falls short of the quorum. Pure: the DOM side is render.ts.
 */
import type { Verifier } from '../core/note.js';
import type { Policy } from '../core/policy.js';
import type { Cosigned, PolicyVerifyResult } from '../core/policy-verify.js';
import type { VerifyResult } from '../core/verify.js';
import { describe, humanTime, type Verdict } from './verdict.js';

/** The quorum in words: "2 of these 3 witnesses", "all of …", nested groups named. */
export function quorumInWords(p: Policy, name = p.quorum): string {
  if (name === 'none') return 'no witness';
  const g = p.groups.find((x) => x.name === name);
  if (!g) return `the witness ${name}`;
  const k = g.k === g.members.length ? (g.k === 1 ? 'the' : 'all') : g.k === 1 ? 'any one' : `${g.k}`;
  const members = g.members.map((m) => (p.groups.some((x) => x.name === m) ? `(${quorumInWords(p, m)})` : m));
  return `${k} of ${members.join(', ')}`;
}

const list = (cs: Cosigned[]) => cs.map((c) => c.name).join(', ');

function witnessRows(cs: readonly Cosigned[]): Array<[string, string]> {
  return cs.map((c) => [
    `Witness ${c.name} (${c.key.name}, key ID ${c.key.keyId})`,
    c.status === 'valid'
      ? `vouched on ${humanTime(c.at!)}`
      : c.status === 'missing'
        ? 'did not vouch (no cosignature)'
        : 'INVALID cosignature (forged, damaged, or for another checkpoint)',
  ]);
}

export function describeWitnessed(
  result: PolicyVerifyResult,
  digest: Uint8Array,
  trusted: readonly Verifier[],
  p: Policy,
): Verdict {
  if (!result.ok && result.step !== 'witness') return describe(result as VerifyResult, digest, trusted);
  const base = describe(
    result.ok ? result : ({ ...result, ok: false, step: 'signature' } as VerifyResult),
    digest,
    trusted,
  );
  const cs = result.cosigners ?? [];
  const details = [...base.details.filter(([k]) => k !== 'Technical reason'), ...witnessRows(cs)];
  const valid = cs.filter((c) => c.status === 'valid');
  if (result.ok) {
    const who = valid.length
      ? ` Vouched for by ${valid.length} of ${cs.length} independent witness${cs.length === 1 ? '' : 'es'}: ${valid.map((c) => `${c.name} (on ${humanTime(c.at!)})`).join(', ')}.`
      : '';
    const existed = result.witnessedBy
      ? ` So the document existed no later than ${humanTime(result.witnessedBy)}, by the witnesses' clocks.`
      : '';
    const clock = result.clockWarning
      ? ` Warning: the notary's clock looks wrong (its stamp time is later than a witness saw it).`
      : '';
    return { ...base, message: base.message + who + existed + clock, details };
  }
  details.push(['Technical reason', `witness: ${result.reason}`]);
  const invalid = cs.filter((c) => c.status === 'invalid');
  const missing = cs.filter((c) => c.status === 'missing');
  const parts = [`This page requires ${quorumInWords(p)} to vouch that the notary showed everyone the same history.`];
  parts.push(valid.length ? `Vouched: ${list(valid)}.` : 'No witness vouched.');
  if (missing.length) parts.push(`Missing: ${list(missing)}. The notary can ask them again and refresh the receipt.`);
  if (invalid.length) parts.push(`Invalid (forged or damaged): ${list(invalid)}. Do not rely on this receipt.`);
  const title = invalid.length
    ? 'Not verified: a witness signature is forged or damaged'
    : 'Not verified: not enough witnesses';
  return {
    kind: 'failed',
    title,
    message: `The notary signed this receipt, but it falls short. ${parts.join(' ')}`,
    details,
  };
}
