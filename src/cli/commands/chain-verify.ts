/**
 * `notar chain verify`: the full audit of the store (src/store/audit.ts).
 * Clean: one summary line on stdout, exit 0. Otherwise the first bad block
 * and the kind of fault, one line on stderr, exit 1 (FORMAT.md §10:
 * tampered). Leftovers of interrupted stamps are notices, not faults.
 * --key/--key-file audit against a published key instead of the store's own
 * key.pub, which whoever can edit the store could also replace.
 */
import { NotarError } from '../../core/errors.js';
import { sameKey, type Verifier } from '../../core/note.js';
import { auditStore, type AuditReport } from '../../store/audit.js';
import type { Store } from '../../store/store.js';
import { readRetirements } from '../../store/retire.js';
import { openStoreFromOpts, requireTrustedKeys, type Opts } from '../common.js';
import { notice, writeOut } from '../output/io.js';

export async function run(_args: string[], opts: Opts): Promise<number> {
  const store = openStoreFromOpts(opts);
  const keys = opts.key || opts.keyFile ? requireTrustedKeys(opts) : undefined;
  if (keys) compareStoreKey(store, keys);
  const report = auditStore(store, keys);
  for (const n of report.notices) notice(n);
  if (opts.json) writeOut(JSON.stringify(toJson(report)) + '\n');
  if (report.firstBad) throw new NotarError('CHAIN_INVALID', report.firstBad.message);
  if (!opts.json) writeOut(summary(report) + rotationLines(report) + retirementLines(store));
  return 0;
}

function summary(r: AuditReport): string {
  const docs = `${r.blocks} block${r.blocks === 1 ? '' : 's'}, ${r.documents} document${r.documents === 1 ? '' : 's'}`;
  if (!r.checkpoint) return `chain OK: ${docs} (nothing stamped yet)\n`;
  return `chain OK: ${docs}, latest checkpoint size ${r.checkpoint.size}, root ${r.checkpoint.root}\n`;
}

function toJson(r: AuditReport): Record<string, unknown> {
  const rotations = (r.rotations ?? []).map((x) => ({ seq: x.seq, old: x.old.text, new: x.next.text, time: x.time }));
  return {
    ok: r.ok,
    blocks: r.blocks,
    documents: r.documents,
    ...(r.checkpoint ? { checkpoint: r.checkpoint } : {}),
    ...(r.firstBad ? { firstBad: r.firstBad } : {}),
    notices: r.notices,
    ...(rotations.length ? { rotations } : {}),
  };
}

/** One line per key retired as compromised (docs/lifecycle.md §3). */
function retirementLines(store: Store): string {
  try {
    return readRetirements(store, store.readChain())
      .map(
        (r) =>
          `key ${r.key.keyId} retired as compromised in block ${r.seq} (${r.time}): its checkpoints count only up to history size ${r.after}\n`,
      )
      .join('');
  } catch {
    return '';
  }
}

/** One line per key rotation (docs/lifecycle.md §3). */
function rotationLines(r: AuditReport): string {
  return (r.rotations ?? [])
    .map((x) => `key rotation in block ${x.seq} (${x.time}): key ${x.old.keyId} handed over to key ${x.next.keyId}\n`)
    .join('');
}

/** A replaced key.pub is worth saying even when the audit passes against the given key. */
function compareStoreKey(store: Store, keys: Verifier[]): void {
  let own: Verifier;
  try {
    own = store.verifier();
  } catch (e) {
    notice(`the store's key.pub cannot be read (${(e as Error).message}); auditing against the given key only`);
    return;
  }
  if (!keys.some((k) => sameKey(k, own))) notice(`the store's key.pub (${own.text}) is not among the given keys`);
}
