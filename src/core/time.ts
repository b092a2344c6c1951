/**
 * `notar/time`: RFC 3161 trusted time for receipts (docs/timestamps.md),
 * a separate entry point so that users of the main core do not load the
 * ASN.1/CMS code. Browser-safe; verification is async (Web Crypto).
 */
export * from './timestamp.js';
export { verifyReceiptTime } from './receipt-time.js';
export * from './time-verdict.js';
export { TimestampError, parseCertificate, type TimestampFault, type TsaCertificate } from './tsa-cert.js';
