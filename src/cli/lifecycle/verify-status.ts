/**
 * `verify --status FILE` (docs/lifecycle.md §2): the signed revocation
 * status, checked with the same trusted keys as the receipts, applied to a
 * receipt that verified. Revoked: FAILED, step `revoked` (exit 1). A status
 * bound to a smaller history than the receipt's checkpoint is stale: it may
 * predate the stamping's revocation, so it is refused (exit 2, with a hint).
 */
import { parseCheckpoint } from '../../core/checkpoint.js';
import { fromHex } from '../../core/bytes.js';
import { nobleCrypto, type Crypto } from '../../core/crypto.js';
import { NotarError } from '../../core/errors.js';
import { parseNote, type Verifier } from '../../core/note.js';
import { MAX_STATUS_BYTES, openStatus, stampingLeaf, statusVerdict, type Status } from '../../core/revocation.js';
import type { VerifyResult } from '../../core/verify.js';
import { cryptoOf, readTextInput, type Opts } from '../common.js';

export function loadStatus(opts: Opts, trusted: readonly Verifier[]): Status | undefined {
  if (typeof opts.status !== 'string') return undefined;
  const file = opts.status;
  const text = readTextInput(file, MAX_STATUS_BYTES);
  try {
    return openStatus(text, trusted, cryptoOf(opts));
  } catch (e) {
    if (e instanceof NotarError)
      throw new NotarError(e.code, `${file}: ${e.message}`, {
        hint:
          e.code === 'FORMAT'
            ? 'a status file is written by `notar status`'
            : 'get the status from the office that stamped the document, and verify it with its published key',
      });
    throw e;
  }
}

/** The receipt's verdict with the status applied; `note` says "not revoked as of …" for an OK. */
export function applyStatus(
  result: VerifyResult,
  status: Status | undefined,
  digest: Uint8Array,
  c: Crypto = nobleCrypto,
): { result: VerifyResult; note?: string } {
  if (!status || !result.ok) return { result };
  const r = result.receipt;
  const cp = parseCheckpoint(parseNote(r.checkpoint).body);
  const leaf = stampingLeaf(fromHex(r.leaf.salt, 'leaf.salt', 32), digest, c);
  const v = statusVerdict(status, result.origin, leaf, cp.size, cp.root);
  switch (v.kind) {
    case 'stale':
      throw new NotarError(
        'USAGE',
        `the status file is stale: it is bound to history size ${v.statusSize}, older than the receipt's checkpoint (size ${v.receiptSize})`,
        {
          hint: 'get a newer status from the office (`notar status`), made after the receipt',
        },
      );
    case 'fork':
      throw new NotarError(
        'CHAIN_INVALID',
        `the status file and the receipt are for two different histories of size ${v.size} of ${result.origin}: the log forked`,
      );
    case 'revoked':
      return {
        result: {
          ok: false,
          step: 'revoked',
          reason: `REVOKED on ${v.revocation.time}: ${v.revocation.reason}`,
          receipt: r,
        },
      };
    case 'not-revoked':
      return { result, note: `not revoked as of ${v.time} (history size ${v.size})` };
  }
}
