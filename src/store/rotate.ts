/**
 * `notar key rotate` in the store (docs/lifecycle.md §3), crash-safe: the key
 * in force is the old one until the rotation block is durably in the chain,
 * and the new one from then on, never neither.
 *
 *   1. the statement goes to entries/<root>.txt (entries.ts; harmless alone);
 *   2. under the seal's lock, before signing: the journal key-rotate.json
 *      (the new key, sealed as key.json will hold it, and the block's root);
 *   3. the rotation block, its checkpoint signed by the old and the new key;
 *   4. key.json and key.pub replaced from the journal, which is removed.
 *
 * A kill before 3 completes leaves a journal whose root is no block's: the
 * next seal (under the lock, so no rotation is in progress) removes it and
 * the old key stays. A kill after 3 leaves a journal whose block exists: the
 * next openStore applies it (finishRotation), so the new key is in force.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatTime } from '../core/block.js';
import { NotarError } from '../core/errors.js';
import { checkKeys, expectString, parseJson } from '../core/json.js';
import { parseVerifierKey, sameKey, type Signer, type Verifier } from '../core/note.js';
import {
  formatRotateStatement,
  formatRotationProof,
  isRotateStatement,
  parseRotateStatement,
  ROTATE_PREFIX,
} from '../core/rotation.js';
import { readTextIfPresent } from './capped-read.js';
import { readChainBytes, type ChainState } from './chainfile.js';
import { sha256Hex, writeTip } from './tip.js';
import { fsyncDir, writeFileAtomic } from './durable.js';
import { writeEntries } from './entries.js';
import type { KeyHistory } from './key-history.js';
import { sealKey } from './keyfile.js';
import type { Store } from './store.js';
import { ReceiptBuilder, storedBatchTree } from './store.js';

const JOURNAL_FORMAT = 'notar-key-rotate/1';

export function journalFile(store: Store): string {
  return path.join(store.paths.dir, 'key-rotate.json');
}

export function rotationsDir(store: Store): string {
  return path.join(store.paths.dir, 'rotations');
}

interface Journal {
  readonly key: string;
  readonly pub: string;
  readonly root: string;
}

function readJournal(store: Store): Journal | undefined {
  const text = readTextIfPresent(journalFile(store));
  if (text === undefined) return undefined;
  try {
    const j = checkKeys(parseJson(text, 'key rotation journal', 1 << 16), 'key rotation journal', [
      'format',
      'key',
      'pub',
      'root',
    ]);
    if (j.format !== JOURNAL_FORMAT) throw new Error(`unknown format (expected ${JOURNAL_FORMAT})`);
    const pub = expectString(j.pub, 'pub', 1024);
    if (parseVerifierKey(pub.trim()).name !== store.origin) throw new Error(`the key is not for ${store.origin}`);
    return { key: expectString(j.key, 'key', 1 << 15), pub, root: expectString(j.root, 'root', 64) };
  } catch (e) {
    throw new NotarError('STORE', `${journalFile(store)} is damaged: ${(e as Error).message}`, {
      hint: 'it is left by an interrupted `notar key rotate`; restore the store from a backup',
    });
  }
}

/** Called by openStore: applies a journal whose rotation block is sealed. Returns a note for the user. */
export function finishRotation(store: Store): string | undefined {
  const j = readJournal(store);
  if (!j) return undefined;
  if (!store.readChain().records.some((r) => r.root === j.root)) return undefined; // not sealed (yet): the old key stays
  // Only the rotation the journal was written for: its statement names this very key as the new one.
  let statement = '';
  try {
    statement = fs.readFileSync(path.join(store.paths.dir, 'entries', `${j.root}.txt`), 'utf8').trim();
  } catch {
    /* no statement: not a rotation */
  }
  if (!isRotateStatement(statement) || parseRotateStatement(statement).next.text !== j.pub.trim()) {
    throw new NotarError(
      'STORE',
      `${journalFile(store)} names block root ${j.root.slice(0, 16)}…, which is not a rotation to its key`,
      { hint: 'it was not written by `notar key rotate`: move it out of the store' },
    );
  }
  applyJournal(store, j);
  return `finished an interrupted \`notar key rotate\`: the new key ${parseVerifierKey(j.pub.trim()).keyId} is now in force`;
}

function applyJournal(store: Store, j: Journal): void {
  writeFileAtomic(store.paths.key, j.key, { mode: 0o600 });
  writeFileAtomic(store.paths.verifierKey, j.pub);
  fs.rmSync(journalFile(store), { force: true });
  fsyncDir(store.paths.dir);
}

/**
 * Under the seal's lock: a journal whose block is not in the chain is from a
 * rotation killed before its block was sealed (none can be in progress: we
 * hold the lock): removed. And the signer must be the key in force.
 */
export function checkKeyInForce(
  store: Store,
  state: ChainState,
  history: KeyHistory | undefined,
  signer: Verifier,
): string[] {
  const notes: string[] = [];
  const j = readJournal(store);
  if (j && !state.records.some((r) => r.root === j.root)) {
    fs.rmSync(journalFile(store), { force: true });
    notes.push(
      'removed the journal of a `notar key rotate` interrupted before its block was sealed: the old key stays in force',
    );
  }
  const inForce = history?.keyAt(state.records.length);
  if (inForce && !sameKey(inForce, signer)) {
    const last = history!.rotations[history!.rotations.length - 1];
    throw new NotarError(
      'CHAIN_INVALID',
      `refusing to sign: the key in force since block ${last.seq} is ${inForce.keyId}, but key.json holds key ${signer.keyId}`,
      {
        hint: 'a retired key never signs again; restore key.json and key.pub of the key in force',
      },
    );
  }
  return notes;
}

/** Seals the rotation; returns the rotation block's seq and the proof's path. */
export async function rotateKey(
  store: Store,
  old: Signer,
  next: Signer,
  passphrase: string | null,
  step: (s: 'sealed') => void = () => {},
): Promise<{ seq: number; proof: string }> {
  if (next.name !== store.origin)
    throw new NotarError('KEY_FORMAT', `the new key is named ${next.name}; this store's origin is ${store.origin}`);
  if (sameKey(old, next)) throw new NotarError('USAGE', 'the new key is the key already in force');
  const statement = formatRotateStatement({ old, next, time: formatTime(new Date()) });
  const batch = writeEntries(store.paths, [statement], store.crypto);
  const sealedKey = sealKey(next, passphrase);
  const journal =
    JSON.stringify({ format: JOURNAL_FORMAT, key: sealedKey, pub: next.text + '\n', root: batch.root }) + '\n';
  const sealed = await store.seal({ digests: batch.digests, salts: batch.salts, names: [ROTATE_PREFIX] }, old, {
    cosigner: next,
    beforeSign: () => writeFileAtomic(journalFile(store), journal, { mode: 0o600 }),
  });
  step('sealed');
  // What the new key signed last is the chain as it is now (an old-key seal is refused from here on).
  const bytes = readChainBytes(store.paths.chain);
  writeTip(
    store.paths.tip,
    { size: sealed.state.records.length, length: bytes.length, sha256: sha256Hex(bytes) },
    store.origin,
    next.seed,
  );
  applyJournal(store, { key: sealedKey, pub: next.text + '\n', root: batch.root });
  const proof = writeProof(store, sealed.state, sealed.record.seq, statement);
  return { seq: sealed.record.seq, proof };
}

/**
 * rotations/<seq>.json: the statement of entry block `seq` and its receipt
 * under that block's checkpoint (a rotation's handover checkpoint; also used
 * for a retirement, retire.ts).
 */
export function writeProof(store: Store, state: ChainState, seq: number, statement: string): string {
  const upTo: ChainState = {
    records: state.records.slice(0, seq + 1),
    blockHashes: state.blockHashes.subarray(0, (seq + 1) * 32),
  };
  const leaves = store.readLeaves(seq);
  const receipt = new ReceiptBuilder(upTo, undefined, store.crypto).forBlock(
    seq,
    storedBatchTree(leaves, store.crypto),
    () => ({
      digest: leaves.records.slice(0, 32),
      salt: leaves.records.slice(32, 64),
    }),
  )(0);
  fs.mkdirSync(rotationsDir(store), { recursive: true });
  const file = path.join(rotationsDir(store), `${String(seq).padStart(10, '0')}.json`);
  writeFileAtomic(file, formatRotationProof(statement, receipt));
  return file;
}
