/**
 * Trusted time on the page (docs/timestamps.md): the TSA certificates baked
 * in by `notar verifier-page --tsa-cert`, and what the page says about a
 * receipt's RFC 3161 tokens, in plain words. The check itself is the same
 * core code as `notar verify --tsa-cert` (receipt-time.ts).
 */
import { fromBase64 } from '../core/bytes.js';
import type { Receipt } from '../core/receipt.js';
import { verifyReceiptTime } from '../core/receipt-time.js';
import type { TimeVerdict } from '../core/time-verdict.js';
import { parseCertificates, type TsaCertificate } from '../core/timestamp.js';
import { humanTime, type Verdict } from './verdict.js';

export interface BakedTsa {
  readonly certs: TsaCertificate[];
  readonly errors: string[];
}

/** The baked certificates: a JSON array of base64 DER certificates. */
export function readBakedTsa(json: string): BakedTsa {
  try {
    const list: unknown = JSON.parse(json);
    if (!Array.isArray(list) || !list.every((c) => typeof c === 'string')) throw new Error('not a list');
    return { certs: list.flatMap((c: string) => parseCertificates(fromBase64(c, 'certificate'))), errors: [] };
  } catch {
    return {
      certs: [],
      errors: ['The time-stamping authorities built into this page are unreadable: the page is damaged.'],
    };
  }
}

/** "CN=Example TSA, O=Example" -> "Example TSA" (the whole subject if it has no CN). */
export function tsaName(subject: string): string {
  return /(?:^|, )CN=([^,]+)/.exec(subject)?.[1] ?? subject;
}

export async function checkTime(r: Receipt, certs: readonly TsaCertificate[]): Promise<TimeVerdict> {
  return verifyReceiptTime(r, certs);
}

/** The verdict of an authentic receipt, with what its timestamps say. */
export function withTime(v: Verdict, t: TimeVerdict): Verdict {
  if (v.kind !== 'authentic' || t.state === 'none') return v;
  if (t.state === 'unchecked') {
    return {
      ...v,
      details: [
        ...v.details,
        ['Timestamp', `present (${t.count}), but this page trusts no time-stamping authority, so it was not checked`],
      ],
    };
  }
  if (t.state === 'failed') {
    const message =
      "The document and the notary's signature check out, but the receipt's timestamp does not: it was altered, it is not for this receipt, or it is not from a time-stamping authority this page trusts. Do not rely on the date.";
    return {
      kind: 'failed',
      title: 'Not verified: time not confirmed',
      message,
      details: [...v.details, ['Technical reason', `time: ${t.reason}`]],
    };
  }
  const first = t.attested[0];
  const message = `${v.message} Time confirmed by ${tsaName(first.tsa)}: the document existed on ${humanTime(first.genTime)}.`;
  const rows = t.attested.map((a): [string, string] => [
    'Time confirmed by',
    `${a.tsa} at ${humanTime(a.genTime)} (trusted through ${a.anchor})`,
  ]);
  return { ...v, message, details: [...v.details, ...rows] };
}
