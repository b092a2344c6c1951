/**
 * Stamping a document already stamped in this store says so and skips it,
 * unless --again (issue 13 §3): re-running into a new --out, or stamping
 * stdin twice, used to make new blocks silently. `--force` (replace
 * receipts) also stamps again, as it always did.
 */
import { toHex } from '../../core/bytes.js';
import type { Store } from '../../store/store.js';
import { findStamped } from '../../store/stamped.js';
import { notice } from '../output/io.js';
import type { Opts } from '../common.js';

/** What stamp.ts collected, as far as skipping needs it. */
export interface Skippable<P> {
  digests: Uint8Array;
  count: number;
  names: (string | undefined)[];
  plan(i: number): P;
}

/** At most this many skipped documents are named one per line. */
const MAX_LISTED = 20;

/** Drops the documents already stamped here (unless --again/--force); returns how many. */
export function skipStamped<P extends { readonly display: string }, C extends Skippable<P>>(
  c: C,
  store: Store,
  opts: Opts,
): number {
  if (opts.again || opts.force || c.count === 0) return 0;
  let found: Map<number, { seq: number; index: number }>;
  try {
    found = findStamped(store.paths, store.readChain(), c.digests);
  } catch {
    // A damaged chain or leaves: the seal that follows refuses it with the full story (extend.ts).
    return 0;
  }
  if (found.size === 0) return 0;
  const keep: number[] = [];
  let listed = 0;
  for (let i = 0; i < c.count; i++) {
    const s = found.get(i);
    if (s === undefined) {
      keep.push(i);
      continue;
    }
    if (listed++ < MAX_LISTED)
      notice(
        `already stamped: ${c.plan(i).display} (sha256 ${toHex(c.digests.subarray(i * 32, i * 32 + 8))}…, block ${s.seq}, leaf ${s.index}); skipped`,
      );
  }
  if (listed > MAX_LISTED) notice(`(and ${listed - MAX_LISTED} more already stamped)`);
  notice(`hint: \`notar prove\` rebuilds their receipts; use --again to stamp them again`);
  compact(c, keep);
  return found.size;
}

function compact<P>(c: Skippable<P>, keep: number[]): void {
  const digests = new Uint8Array(keep.length * 32);
  keep.forEach((src, dst) => digests.set(c.digests.subarray(src * 32, src * 32 + 32), dst * 32));
  const plan = c.plan.bind(c);
  const names = c.names;
  c.digests = digests;
  c.names = keep.map((i) => names[i]);
  c.count = keep.length;
  c.plan = (i) => plan(keep[i]);
}
