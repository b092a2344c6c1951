/**
 * How `verify` reports a receipt's RFC 3161 tokens (receipt-time.ts): one
 * line after the verdict, a `time` member in --json, and the step `time`
 * (exit 1) for a token that does not check out. No ASN.1 code here.
 */
import { uncheckedTime, type TimeVerdict } from '../../core/time-verdict.js';
import type { Receipt } from '../../core/receipt.js';
import type { FailedReceipt, VerifyResult, VerifyStep } from '../../core/verify.js';

/** Checks a verified receipt's tokens (verify-tsa.ts makes one from --tsa-cert files). */
export type TimeCheck = (r: Receipt) => Promise<TimeVerdict>;

/** The verdict with the receipt's timestamps: checked by `time` if given, else only counted. */
export async function withTime(
  result: VerifyResult,
  time?: TimeCheck,
): Promise<{ result: VerifyResult; time?: TimeVerdict }> {
  if (!result.ok) return { result };
  const t = time ? await time(result.receipt) : uncheckedTime(result.receipt);
  return { result: t.state === 'failed' ? timeFailure(result.receipt, t.reason) : result, time: t };
}

/** A failed `time` check (FORMAT.md v1.1): the receipt verified, its timestamp did not. */
export function timeFailure(r: Receipt, reason: string): FailedReceipt {
  return { ok: false, step: 'time' as VerifyStep, reason, receipt: r };
}

export function timeLine(t: TimeVerdict | undefined): string | undefined {
  if (!t || t.state === 'none' || t.state === 'failed') return undefined;
  if (t.state === 'unchecked')
    return `time: ${t.count} timestamp${t.count === 1 ? '' : 's'} present but unchecked (give --tsa-cert FILE to check ${t.count === 1 ? 'it' : 'them'})\n`;
  const more = t.unpinned ? ` (and ${t.unpinned} by a TSA you did not trust)` : '';
  return (
    t.attested.map((a) => `time attested by ${a.tsa}: ${a.genTime}\n`).join('') +
    (more ? `time: ${more.slice(2, -1)}\n` : '')
  );
}

export function timeJson(t: TimeVerdict | undefined): Record<string, unknown> {
  if (!t || t.state === 'none') return {};
  if (t.state === 'unchecked') return { timestamps: { checked: false, count: t.count } };
  if (t.state === 'failed') return { timestamps: { checked: true, ok: false, reason: t.reason } };
  return {
    timestamps: {
      checked: true,
      ok: true,
      attested: t.attested.map((a) => ({
        tsa: a.tsa,
        genTime: a.genTime,
        anchor: a.anchor,
        serial: a.serial,
        policy: a.policy,
      })),
      unpinned: t.unpinned,
    },
  };
}
