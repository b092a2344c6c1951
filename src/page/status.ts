/**
 * The revocation status on the page (docs/lifecycle.md §2): baked in by
 * `notar verifier-page --status`, or a status file the visitor adds. Checked
 * with the page's trusted keys, like the receipt. Pure: no DOM.
 */
import { fromHex } from '../core/bytes.js';
import { parseCheckpoint } from '../core/checkpoint.js';
import { NotarError } from '../core/errors.js';
import { parseNote, type Verifier } from '../core/note.js';
import { openStatus, stampingLeaf, statusVerdict, STATUS_FORMAT } from '../core/revocation.js';
import type { VerifyResult } from '../core/verify.js';
import { humanTime, type Verdict } from './verdict.js';

export const STATUS_ELEMENT_ID = 'notar-status';

/** What the status adds: a changed result (revoked), a line for the visitor, or why it could not be used. */
export interface StatusOutcome {
  readonly result: VerifyResult;
  readonly note?: string;
  readonly problem?: string;
}

/** A file is a status file if it starts with the format line. */
export async function isStatusFile(file: Blob): Promise<boolean> {
  return (await file.slice(0, STATUS_FORMAT.length + 1).text()) === STATUS_FORMAT + '\n';
}

/** The baked status text (a JSON string), or undefined when none was baked in. */
export function readBakedStatus(json: string): string | undefined {
  try {
    const v = JSON.parse(json);
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

export function applyPageStatus(
  result: VerifyResult,
  digest: Uint8Array,
  text: string | undefined,
  trusted: readonly Verifier[],
): StatusOutcome {
  if (text === undefined || !result.ok) return { result };
  try {
    const status = openStatus(text, trusted);
    const cp = parseCheckpoint(parseNote(result.receipt.checkpoint).body);
    const v = statusVerdict(
      status,
      result.origin,
      stampingLeaf(fromHex(result.receipt.leaf.salt, 'salt', 32), digest),
      cp.size,
      cp.root,
    );
    if (v.kind === 'revoked')
      return {
        result: {
          ok: false,
          step: 'revoked',
          reason: `Revoked on ${humanTime(v.revocation.time)}. Reason given: ${v.revocation.reason}`,
          receipt: result.receipt,
        },
      };
    if (v.kind === 'not-revoked')
      return { result, note: `Not revoked as of ${humanTime(v.time)} (revocation status checked).` };
    if (v.kind === 'stale')
      return {
        result,
        problem:
          'The revocation status is older than this receipt, so it cannot say whether the document was revoked. Get a newer status from the office.',
      };
    return {
      result,
      problem:
        'The revocation status and the receipt describe two different histories of the log. Ask the office; do not rely on this receipt.',
    };
  } catch (e) {
    const why = e instanceof NotarError ? e.message : 'it could not be read';
    return { result, problem: `The revocation status could not be used: ${why}.` };
  }
}

/** The verdict with the status's note or problem added. */
export function withStatus(v: Verdict, o: { note?: string; problem?: string }, label = 'Revocation status'): Verdict {
  const text = o.note ?? o.problem;
  if (!text) return v;
  return { ...v, message: `${v.message} ${text}`, details: [...v.details, [label, text]] };
}
