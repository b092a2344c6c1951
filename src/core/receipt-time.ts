/**
 * The v1.1 receipt member `timestamps` (docs/FORMAT.md, docs/timestamps.md):
 * RFC 3161 tokens over the body of the receipt's checkpoint. Checked after
 * the receipt itself verified, offline, against TSA certificates the
 * verifier chose (never ones named by the receipt). Shared by the CLI and
 * the verifier page.
 */
import { fromBase64 } from './bytes.js';
import { parseNote } from './note.js';
import type { Receipt } from './receipt.js';
import { uncheckedTime, type TimeVerdict } from './time-verdict.js';
import {
  checkpointImprint,
  TimestampError,
  verifyTimestampToken,
  type AttestedTime,
  type TsaCertificate,
} from './timestamp.js';

export { uncheckedTime, type TimeVerdict } from './time-verdict.js';

/**
 * At least one token must verify against `trusted`; a token signed by a TSA
 * that is not trusted is only counted (`unpinned`), but a token that is
 * altered, dates another checkpoint or precedes the block fails them all.
 */
export async function verifyReceiptTime(r: Receipt, trusted: readonly TsaCertificate[]): Promise<TimeVerdict> {
  if (r.timestamps === undefined || trusted.length === 0) return uncheckedTime(r);
  const imprint = checkpointImprint(parseNote(r.checkpoint).body);
  const attested: AttestedTime[] = [];
  let unpinned: TimestampError | undefined;
  let count = 0;
  for (const [i, text] of r.timestamps.entries()) {
    try {
      attested.push(
        await verifyTimestampToken(fromBase64(text, `timestamps[${i}]`), { imprint, trusted, notBefore: r.block.time }),
      );
    } catch (e) {
      if (!(e instanceof TimestampError) && !(e instanceof Error && 'code' in e)) throw e;
      const fault = e instanceof TimestampError ? e.fault : 'format';
      if (fault !== 'untrusted') return { state: 'failed', reason: `timestamp ${i + 1}: ${(e as Error).message}` };
      unpinned ??= e as TimestampError;
      count++;
    }
  }
  if (attested.length === 0)
    return { state: 'failed', reason: `no timestamp is by a trusted TSA: ${unpinned?.message ?? 'none'}` };
  return { state: 'attested', attested, unpinned: count };
}
