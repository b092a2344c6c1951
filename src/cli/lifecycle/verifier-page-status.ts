/**
 * `verifier-page --status FILE`: bakes a signed revocation status into the
 * page (docs/lifecycle.md §2). It is checked first with the page's keys: a
 * page must not carry a status its own visitors' check would refuse.
 */
import { NotarError } from '../../core/errors.js';
import type { Verifier } from '../../core/note.js';
import { MAX_STATUS_BYTES, openStatus } from '../../core/revocation.js';
import { cryptoOf, readTextInput, type Opts } from '../common.js';
import { scriptSafeJson } from '../commands/verifier-page.js';

const STATUS_PLACEHOLDER = '__NOTAR_STATUS__';

export function bakeableStatus(opts: Opts, keys: readonly Verifier[]): string | undefined {
  if (typeof opts.status !== 'string') return undefined;
  const text = readTextInput(opts.status, MAX_STATUS_BYTES);
  if (keys.length === 0)
    throw new NotarError('USAGE', '--status needs the trusted key (--key or --key-file) it is signed with');
  try {
    openStatus(text, keys, cryptoOf(opts));
  } catch (e) {
    if (e instanceof NotarError)
      throw new NotarError(e.code, `${opts.status}: ${e.message}`, {
        hint: 'bake in a status written by `notar status` of the office whose key the page trusts',
      });
    throw e;
  }
  return text;
}

/** The status (or null) into the page's second JSON data block. */
export function bakeStatus(html: string, status: string | undefined): string {
  const parts = html.split(STATUS_PLACEHOLDER);
  // Templates from before issue 13 have no status block: nothing to bake.
  if (parts.length === 1) {
    if (status !== undefined)
      throw new NotarError('IO', 'the verifier page template has no place for a status', {
        hint: 'rebuild (`npm run build`) or reinstall notar',
      });
    return html;
  }
  return parts.join(scriptSafeJson(status ?? null));
}
