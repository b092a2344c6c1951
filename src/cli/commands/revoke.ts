/**
 * `notar revoke FILE... | --sha256 HEX | --digests --reason TEXT`: appends one
 * revocation entry block (docs/lifecycle.md §2) withdrawing every stamping
 * of each document in this store. Everything is checked first: a document
 * never stamped here (exit 1) or already revoked (exit 2) revokes nothing.
 */
import { formatTime } from '../../core/block.js';
import { toHex } from '../../core/bytes.js';
import { NotarError } from '../../core/errors.js';
import { checkReason, formatRevokeStatement, REVOKE_PREFIX, stampingLeaf } from '../../core/revocation.js';
import { readRevocations, writeEntries } from '../../store/entries.js';
import { resolveClerk, tryWriteRecord } from '../../store/records.js';
import { findAllStampings } from '../../store/stamped.js';
import type { Store } from '../../store/store.js';
import { openStoreFromOpts, type Opts } from '../common.js';
import { digestFile } from '../hashing/hashing.js';
import { notice } from '../output/io.js';
import { loadSigner } from '../passphrase.js';
import { parseDigestOption } from '../receipts/receipt-read.js';
import { digestInputs } from '../inputs.js';

interface Target {
  readonly display: string;
  readonly digest: Uint8Array;
}

async function targets(args: string[], opts: Opts): Promise<Target[]> {
  const given = [args.length > 0, opts.sha256 !== undefined, Boolean(opts.digests)].filter(Boolean).length;
  if (given !== 1)
    throw new NotarError(
      'USAGE',
      'revoke needs the documents: FILE..., --sha256 HEX, or --digests (sha256sum lines on stdin)',
      { hint: 'notar revoke deed.pdf --reason "issued by mistake"' },
    );
  if (opts.sha256 !== undefined)
    return [{ display: `sha256 ${opts.sha256}`, digest: parseDigestOption(String(opts.sha256)) }];
  if (args.length > 0) return args.map((f) => ({ display: f, digest: digestFile(f) }));
  const { digests, names } = await digestInputs();
  return names.map((n, i) => ({
    display: n ?? `sha256 ${toHex(digests.subarray(i * 32, i * 32 + 32))}`,
    digest: digests.slice(i * 32, i * 32 + 32),
  }));
}

/** One statement per stamping to revoke; refuses the whole run on the first problem. */
function statements(store: Store, list: Target[], reason: string, time: string): string[] {
  const state = store.readChain();
  const packed = new Uint8Array(list.length * 32);
  list.forEach((t, i) => packed.set(t.digest, i * 32));
  const found = findAllStampings(store.paths, state, packed);
  const revoked = readRevocations(store, state);
  const out: string[] = [];
  const seen = new Set<string>();
  list.forEach((t, i) => {
    const stampings = found.get(i);
    if (!stampings)
      throw new NotarError('NOT_FOUND', `${t.display} was never stamped in ${store.origin}: nothing to revoke`, {
        hint: 'check the document with `notar find`',
      });
    const leaves = stampings.map((s) => stampingLeaf(s.salt, t.digest, store.crypto)).filter((l) => !seen.has(l));
    const fresh = leaves.filter((l) => !revoked.has(l));
    if (fresh.length === 0 && leaves.length > 0) {
      const r = revoked.get(leaves[0])!;
      throw new NotarError(
        'EXISTS',
        `${t.display} is already revoked (block ${r.seq}, ${r.time}: ${r.reason}); nothing was revoked`,
      );
    }
    for (const leaf of fresh) {
      seen.add(leaf);
      out.push(formatRevokeStatement({ leaf, time, reason }));
    }
  });
  return out;
}

export async function run(args: string[], opts: Opts): Promise<number> {
  if (typeof opts.reason !== 'string')
    throw new NotarError('USAGE', 'revoke needs --reason TEXT (it is published in the status file)');
  const reason = checkReason(opts.reason);
  const clerk = resolveClerk(opts.clerk);
  const list = await targets(args, opts);
  const store = openStoreFromOpts(opts);
  const signer = await loadSigner(store, opts);
  const lines = statements(store, list, reason, formatTime(new Date()));
  if (lines.length === 0) throw new NotarError('USAGE', 'nothing to revoke');
  const batch = writeEntries(store.paths, lines, store.crypto);
  const sealed = await store.seal(
    { digests: batch.digests, salts: batch.salts, names: lines.map(() => REVOKE_PREFIX) },
    signer,
  );
  for (const msg of sealed.recovered) notice(`recovered: ${msg}`);
  const unrecorded = tryWriteRecord(store.paths, sealed.record, clerk, signer, store.crypto);
  if (unrecorded)
    notice(`warning: block ${sealed.record.seq} is sealed but who revoked was not recorded: ${unrecorded}`);
  process.stdout.write(
    `revoked ${lines.length} stamping${lines.length === 1 ? '' : 's'} of ${list.length} document${list.length === 1 ? '' : 's'} in block ${sealed.record.seq} of ${store.origin} at ${sealed.record.time}\n`,
  );
  return 0;
}
