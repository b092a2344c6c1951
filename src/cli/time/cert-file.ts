/**
 * Reading TSA certificate files the user names (`tsa add --cert`, `verify
 * --tsa-cert`, `verifier-page --tsa-cert`): PEM (one or more certificates)
 * or one DER certificate, at most 1 MiB, one clear error naming the file.
 */
import * as fs from 'node:fs';
import { NotarError } from '../../core/errors.js';
import type { TsaCertificate } from '../../core/timestamp.js';
import { inputError } from '../reading.js';

const MAX_CERT_FILE = 1 << 20;

export async function readCertFile(file: string): Promise<TsaCertificate[]> {
  let data: Buffer;
  try {
    const st = fs.statSync(file);
    if (!st.isFile())
      throw Object.assign(new Error('not a regular file'), { code: st.isDirectory() ? 'EISDIR' : 'EINVAL' });
    if (st.size > MAX_CERT_FILE)
      throw new NotarError('FORMAT', `${file} is too large (${st.size} bytes) to be a certificate file`);
    data = fs.readFileSync(file);
  } catch (e) {
    if (e instanceof NotarError) throw e;
    throw inputError(e, file);
  }
  const { parseCertificates } = await import('../../core/timestamp.js');
  try {
    return parseCertificates(new Uint8Array(data), file);
  } catch (e) {
    throw new NotarError('FORMAT', `${file}: ${(e as Error).message}`, {
      hint: 'give the TSA certificate (or the CA certificate that issues it) as PEM or DER',
    });
  }
}

/** PEM text for certificates, 64 columns (how the store and the page keep them). */
export function toPem(certs: readonly TsaCertificate[]): string {
  return certs
    .map(
      (c) =>
        `-----BEGIN CERTIFICATE-----\n${Buffer.from(c.der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`,
    )
    .join('');
}
