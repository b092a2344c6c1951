/**
 * `notar log` filters and detail (issue 13 §3): --since/--until DATE,
 * --clerk NAME, --documents. Block times are canonical UTC
 * (`YYYY-MM-DDTHH:MM:SSZ`, FORMAT.md §4), so comparing strings compares times.
 */
import type { ChainRecord } from '../../core/chain.js';
import { toHex } from '../../core/bytes.js';
import { NotarError } from '../../core/errors.js';
import type { Verifier } from '../../core/note.js';
import type { ChainState } from '../../store/chainfile.js';
import { clerkLabel, readRecord, type RecordState } from '../../store/records.js';
import type { Store } from '../../store/store.js';
import type { Opts } from '../common.js';
import { allStoreKeys } from '../../store/key-history.js';
import { readEntries } from '../../store/entries.js';
import { isRotateStatement, parseRotateStatement } from '../../core/rotation.js';
import { REVOKE_PREFIX } from '../../core/revocation.js';

export interface LoggedBlock {
  readonly rec: ChainRecord;
  readonly record: RecordState;
  readonly clerk: string;
  /** An entry block (docs/lifecycle.md §2): what it records. */
  readonly entry?: string;
}

const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const TIME = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\dZ$/;

/** DATE as the first (`since`) or last (`until`) second it covers, in block-time form. */
export function parseDateBound(value: unknown, option: string, end: boolean): string | undefined {
  if (value === undefined) return undefined;
  const v = String(value);
  if (DAY.test(v)) return end ? `${v}T23:59:59Z` : `${v}T00:00:00Z`;
  if (TIME.test(v)) return v;
  throw new NotarError('USAGE', `${option} ${v}: expected a date YYYY-MM-DD or a UTC time YYYY-MM-DDTHH:MM:SSZ`);
}

/** The blocks `log` shows, with their clerks, oldest first. */
export function selectBlocks(store: Store, state: ChainState, opts: Opts): LoggedBlock[] {
  const since = parseDateBound(opts.since, '--since', false);
  const until = parseDateBound(opts.until, '--until', true);
  const clerk = opts.clerk === undefined ? undefined : String(opts.clerk);
  const keys = storeKeys(store, state);
  const entries = entryKinds(store, state);
  const out: LoggedBlock[] = [];
  for (const rec of state.records) {
    if ((since !== undefined && rec.time < since) || (until !== undefined && rec.time > until)) continue;
    const record = readRecord(store.paths, rec, keys, store.crypto);
    const label = clerkLabel(record);
    if (clerk !== undefined && (record.kind !== 'ok' || label !== clerk)) continue;
    out.push({ rec, record, clerk: label, entry: entries.get(rec.seq) });
  }
  return out;
}

/** Keys whose signatures on store records count: every key the store signed with. */
export function storeKeys(store: Store, state?: ChainState): Verifier[] {
  try {
    return allStoreKeys(store, state);
  } catch {
    return [];
  }
}

/** seq -> "key rotation: 1a2b3c4d -> 5e6f7a8b" / "revocation of N stampings", for entry blocks. */
function entryKinds(store: Store, state: ChainState): Map<number, string> {
  const out = new Map<number, string>();
  try {
    for (const e of readEntries(store, state)) {
      const first = e.statements[0];
      if (isRotateStatement(first)) {
        const r = parseRotateStatement(first);
        out.set(e.seq, `key rotation: ${r.old.keyId} -> ${r.next.keyId}`);
      } else if (first.startsWith(REVOKE_PREFIX + ' '))
        out.set(e.seq, `revocation of ${e.statements.length} stamping${e.statements.length === 1 ? '' : 's'}`);
    }
  } catch {
    /* `chain verify` reports damaged entries; the log still lists the blocks */
  }
  return out;
}

export interface LoggedDocument {
  readonly index: number;
  readonly sha256: string;
  readonly name: string | null;
}

/** Block `seq`'s documents from its stored leaves. */
export function blockDocuments(store: Store, seq: number): LoggedDocument[] {
  const leaves = store.readLeaves(seq);
  const docs: LoggedDocument[] = [];
  for (let i = 0; i < leaves.count; i++)
    docs.push({ index: i, sha256: toHex(leaves.records.subarray(i * 64, i * 64 + 32)), name: leaves.names[i] ?? null });
  return docs;
}
