/**
 * What `notar stamp` does after a block is sealed and before its receipts
 * are written, in this order (commands/stamp.ts, localSealer):
 *
 *   1. witnesses (issue 12, commands/stamp-witness.ts): cosignatures on the
 *      new checkpoint;
 *   2. timestamps (issue 14, here; docs/timestamps.md): one RFC 3161 token
 *      per configured TSA over the checkpoint body (cosignatures are
 *      signature lines, not body, so step 1 never invalidates step 2).
 *
 * The block is already durable: nothing here can block or undo it. A TSA
 * that is down, slow or wrong costs a warning, and `notar timestamp` (then
 * `notar refresh`) completes the receipts later.
 */
import type { ChainRecord } from '../core/chain.js';
import { NotarError } from '../core/errors.js';
import type { Store } from '../store/store.js';
import { hasAuthorities, readAuthorities } from '../store/tsa-store.js';
import type { Opts } from './common.js';
import { notice } from './output/io.js';

export interface AfterSeal {
  /** The receipt member `timestamps` for this block's checkpoint, if any token came. */
  readonly timestamps?: string[];
}

export async function afterSeal(store: Store, record: ChainRecord, opts: Opts): Promise<AfterSeal> {
  return { timestamps: await neverFatal('timestamp', () => timestampAfterSeal(store, record, opts)) };
}

/** The block is sealed: from here on a failure (a damaged TSA list, say) is a warning, never an exit. */
async function neverFatal<T>(what: string, step: () => Promise<T | undefined>): Promise<T | undefined> {
  try {
    return await step();
  } catch (e) {
    notice(`warning: no ${what}: ${e instanceof Error ? e.message : String(e)}`);
    notice(
      `hint: the documents are sealed and their receipts are written; fix the problem, then run \`notar ${what}\``,
    );
    return undefined;
  }
}

async function timestampAfterSeal(store: Store, record: ChainRecord, opts: Opts): Promise<string[] | undefined> {
  if (opts.timestamp === false || !hasAuthorities(store)) return undefined;
  const online = readAuthorities(store).filter((a) => /^https?:\/\//.test(a.url));
  if (online.length === 0) return undefined;
  const { stampCheckpoint, timestampsMember } = await import('./time/tsa-client.js');
  const results = await Promise.allSettled(online.map((a) => stampCheckpoint(store, record, a)));
  const tokens: Uint8Array[] = [];
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') {
      tokens.push(r.value.token);
      notice(`time attested by ${r.value.attested.tsa}: ${r.value.attested.genTime}`);
    } else {
      const why = r.reason instanceof NotarError ? r.reason.message : String(r.reason);
      notice(`warning: no timestamp from TSA ${online[i].name}: ${why}`);
      notice(
        'hint: the documents are sealed; their receipts carry no timestamp yet: run `notar timestamp` later, then `notar refresh` the receipts',
      );
    }
  });
  return timestampsMember(tokens);
}
