/**
 * `notar verify … --tsa-cert FILE` (repeatable): verify.ts with the receipt's
 * RFC 3161 tokens checked against these certificates (a TSA's own, or the CA
 * that issues it). A separate module so that the ASN.1 code loads only for
 * such lines: fast-main.ts (verify's CommonJS fast path) never reaches it.
 */
import type { Receipt } from '../../core/receipt.js';
import type { TimeVerdict } from '../../core/receipt-time.js';
import { readCertFile } from '../time/cert-file.js';
import type { Opts } from '../common.js';
import { run as verify } from './verify.js';

async function timeCheck(files: string[]): Promise<(r: Receipt) => Promise<TimeVerdict>> {
  const { verifyReceiptTime } = await import('../../core/receipt-time.js');
  const trusted = (await Promise.all(files.map(readCertFile))).flat();
  return (r) => verifyReceiptTime(r, trusted);
}

export async function run(args: string[], opts: Opts): Promise<number> {
  const files = (opts.tsaCert as string[] | undefined) ?? [];
  return verify(args, opts, files.length ? await timeCheck(files) : undefined);
}
