/**
 * Entries (docs/lifecycle.md §2): blocks whose leaves commit to one-line
 * statements, kept in `entries/<batch root hex>.txt`, one statement per line
 * in leaf order. Named by the batch root, which the deterministic entry
 * salts make computable before sealing: the file is written (durably)
 * before its block, so a sealed entry block never lacks its statements; a
 * file whose root is no block's (a revoke killed before sealing) is ignored.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildPackedBatch } from '../core/batch.js';
import { equalBytes, toHex } from '../core/bytes.js';
import { nobleCrypto, type Crypto } from '../core/crypto.js';
import { NotarError } from '../core/errors.js';
import { entryLeaf, parseRevokeStatement, REVOKE_PREFIX, type Revocation } from '../core/revocation.js';
import type { ChainState } from './chainfile.js';
import { fsyncDir, writeFileAtomic } from './durable.js';
import type { StorePaths } from './paths.js';
import type { Store } from './store.js';

export function entriesDir(paths: StorePaths): string {
  return path.join(paths.dir, 'entries');
}

export interface EntryBatch {
  readonly digests: Uint8Array;
  readonly salts: Uint8Array;
  readonly root: string;
}

/** Leaves of an entry block for `statements`. */
export function entryBatch(statements: readonly string[], c: Crypto = nobleCrypto): EntryBatch {
  const digests = new Uint8Array(statements.length * 32);
  const salts = new Uint8Array(statements.length * 32);
  statements.forEach((s, i) => {
    const { digest, salt } = entryLeaf(s, c);
    digests.set(digest, i * 32);
    salts.set(salt, i * 32);
  });
  return { digests, salts, root: toHex(buildPackedBatch(digests, salts, c).root) };
}

/** Writes the statements durably before their block is sealed. */
export function writeEntries(paths: StorePaths, statements: readonly string[], c: Crypto = nobleCrypto): EntryBatch {
  for (const s of statements) if (s.includes('\n')) throw new NotarError('USAGE', 'a statement is one line');
  const batch = entryBatch(statements, c);
  const dir = entriesDir(paths);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileAtomic(path.join(dir, `${batch.root}.txt`), statements.join('\n') + '\n');
  fsyncDir(dir);
  return batch;
}

export interface Entry {
  readonly seq: number;
  readonly statements: string[];
}

/**
 * Every entry block of the chain with its statements, each checked against
 * the block's stored leaves (digest and deterministic salt, in order).
 */
export function readEntries(
  store: Store,
  state: ChainState,
  only: (statement: string) => boolean = () => true,
): Entry[] {
  let names: string[];
  try {
    names = fs.readdirSync(entriesDir(store.paths));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const byRoot = new Map<string, number>();
  for (const r of state.records) byRoot.set(r.root, r.seq);
  const out: Entry[] = [];
  for (const name of names) {
    const seq = /^[0-9a-f]{64}\.txt$/.test(name) ? byRoot.get(name.slice(0, 64)) : undefined;
    if (seq === undefined) continue;
    const file = path.join(entriesDir(store.paths), name);
    const text = fs.readFileSync(file, 'utf8');
    // Only the kind asked for is checked against its leaves (a seal needs the rotations alone).
    if (!only(text)) continue;
    out.push({ seq, statements: checkedStatements(store, seq, file, text) });
  }
  return out.sort((a, b) => a.seq - b.seq);
}

function checkedStatements(store: Store, seq: number, file: string, text: string): string[] {
  const statements = text.replace(/\n$/, '').split('\n');
  const leaves = store.readLeaves(seq);
  const bad = new NotarError('CHAIN_INVALID', `${file}: the statements do not match the leaves of block ${seq}`, {
    hint: 'run `notar chain verify`; restore entries/ from a backup',
  });
  if (statements.length !== leaves.count) throw bad;
  statements.forEach((s, i) => {
    const { digest, salt } = entryLeaf(s, store.crypto);
    const rec = leaves.records.subarray(i * 64, i * 64 + 64);
    if (!equalBytes(rec.subarray(0, 32), digest) || !equalBytes(rec.subarray(32), salt)) throw bad;
  });
  return statements;
}

export interface StoredRevocation extends Revocation {
  /** The entry block that recorded it. */
  readonly seq: number;
}

/** Every revocation in the chain, by revoked leaf hash (the first, if one were repeated). */
export function readRevocations(store: Store, state: ChainState = store.readChain()): Map<string, StoredRevocation> {
  const out = new Map<string, StoredRevocation>();
  for (const e of readEntries(store, state)) {
    for (const s of e.statements) {
      if (!s.startsWith(REVOKE_PREFIX + ' ')) continue;
      const r = parseRevokeStatement(s);
      if (!out.has(r.leaf)) out.set(r.leaf, { ...r, seq: e.seq });
    }
  }
  return out;
}
