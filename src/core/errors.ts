/**
 * One error type for the whole toolkit. The `code` says what kind of failure it
 * is; only the CLI entry point turns codes into exit statuses (FORMAT.md §10).
 */
export type NotarErrorCode =
  // input that is not in the canonical wire form (exit 2)
  | 'FORMAT'
  | 'KEY_FORMAT'
  // a check that ran and failed (exit 1)
  | 'DIGEST_MISMATCH'
  | 'PROOF_INVALID'
  | 'SIGNATURE_INVALID'
  | 'UNTRUSTED'
  | 'NOT_FOUND'
  | 'CHAIN_INVALID'
  // operating problems (exit 2)
  | 'USAGE'
  | 'IO'
  | 'STORE'
  | 'LOCKED'
  | 'PASSPHRASE'
  | 'EXISTS';

export class NotarError extends Error {
  readonly code: NotarErrorCode;
  /** What the user can do about it; printed as `notar: hint: …`. */
  readonly hint?: string;

  constructor(code: NotarErrorCode, message: string, options?: { hint?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NotarError';
    this.code = code;
    this.hint = options?.hint;
  }
}

/** Codes that mean "the check ran and the answer is no" (exit status 1). */
export const CHECK_FAILED_CODES: ReadonlySet<NotarErrorCode> = new Set([
  'DIGEST_MISMATCH',
  'PROOF_INVALID',
  'SIGNATURE_INVALID',
  'UNTRUSTED',
  'NOT_FOUND',
  'CHAIN_INVALID',
]);

export function formatError(message: string): NotarError {
  return new NotarError('FORMAT', message);
}
