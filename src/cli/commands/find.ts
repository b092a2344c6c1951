/**
 * `notar find NAME-GLOB | --sha256 HEX`: every stamping of a document (block,
 * leaf, time, clerk, revoked or not), from the store alone (issue 13 §3).
 * Names are the informational names kept in the leaves (the file's base
 * name); the glob knows `*`, `?` and `[...]`, and matches the whole name.
 */
import { fromHex, toHex } from '../../core/bytes.js';
import { NotarError } from '../../core/errors.js';
import { readRecord, clerkLabel } from '../../store/records.js';
import type { Store } from '../../store/store.js';
import { openStoreFromOpts, type Opts } from '../common.js';
import { storeKeys } from '../lifecycle/log-filter.js';
import { revocationLookup, type RevokedLookup } from '../lifecycle/revocation-lookup.js';

export interface Found {
  readonly seq: number;
  readonly index: number;
  readonly time: string;
  readonly clerk: string | null;
  readonly sha256: string;
  readonly name: string | null;
  readonly revoked: { time: string; reason: string } | null;
}

/** A shell-style glob as an anchored regular expression. */
export function globRegex(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let body = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += `[${body}]`;
        i = end;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'su');
}

export async function run(args: string[], opts: Opts): Promise<number> {
  if ((args.length === 1) === (opts.sha256 !== undefined)) {
    throw new NotarError('USAGE', 'find needs one NAME-GLOB or --sha256 HEX', { hint: "e.g. notar find 'deed-*.pdf'" });
  }
  const store = openStoreFromOpts(opts);
  const found = opts.sha256 !== undefined ? byDigest(store, String(opts.sha256)) : byName(store, globRegex(args[0]));
  if (found.length === 0) {
    throw new NotarError(
      'NOT_FOUND',
      `no stamping of ${opts.sha256 !== undefined ? `sha256 ${opts.sha256}` : JSON.stringify(args[0])} in ${store.origin}`,
    );
  }
  const out = found.map((f) => (opts.json ? JSON.stringify(f) + '\n' : humanLine(f)));
  process.stdout.write(out.join(''));
  return 0;
}

function humanLine(f: Found): string {
  const revoked = f.revoked ? `  REVOKED on ${f.revoked.time}: ${f.revoked.reason}` : '';
  return `block ${f.seq}  leaf ${f.index}  ${f.time}  ${f.clerk ?? '?'}  ${f.sha256}  ${f.name === null ? '-' : JSON.stringify(f.name)}${revoked}\n`;
}

function byDigest(store: Store, hex: string): Found[] {
  let digest: Uint8Array;
  try {
    digest = fromHex(hex.toLowerCase(), '--sha256', 32);
  } catch (e) {
    throw new NotarError('USAGE', `--sha256 ${hex}: ${(e as Error).message}`, {
      hint: 'give the 64 hex digits sha256sum prints',
    });
  }
  const state = store.readChain();
  const describe = describer(store, state.records);
  return store.findDocument(digest, state).map((h) => describe(h.seq, h.index, h.leaves.records, h.leaves.names));
}

function byName(store: Store, re: RegExp): Found[] {
  const state = store.readChain();
  const describe = describer(store, state.records);
  const found: Found[] = [];
  for (const rec of state.records) {
    const leaves = store.readLeaves(rec.seq);
    for (let i = 0; i < leaves.count; i++) {
      const name = leaves.names[i];
      if (name !== undefined && re.test(name)) found.push(describe(rec.seq, i, leaves.records, leaves.names));
    }
  }
  return found;
}

function describer(
  store: Store,
  records: readonly { seq: number; time: string; root: string; size: number; prev: string; checkpoint: string }[],
) {
  const keys = storeKeys(store);
  const clerks = new Map<number, string | null>();
  const revoked: RevokedLookup = revocationLookup(store);
  return (seq: number, index: number, recs: Uint8Array, names: (string | undefined)[]): Found => {
    const rec = records[seq];
    if (!clerks.has(seq)) {
      const r = readRecord(store.paths, rec, keys, store.crypto);
      clerks.set(seq, r.kind === 'ok' ? clerkLabel(r) : null);
    }
    const digest = recs.subarray(index * 64, index * 64 + 32);
    const salt = recs.subarray(index * 64 + 32, index * 64 + 64);
    return {
      seq,
      index,
      time: rec.time,
      clerk: clerks.get(seq)!,
      sha256: toHex(digest),
      name: names[index] ?? null,
      revoked: revoked(digest, salt),
    };
  };
}
