/**
 * The key in force at each block (docs/lifecycle.md §3), from the store's
 * rotation entries. Each rotation block's checkpoint must carry valid
 * signatures by both its old and its new key, and each rotation must hand
 * over from the key the previous one handed to: anything else is
 * CHAIN_INVALID.
 */
import { NotarError } from '../core/errors.js';
import { openNote, sameKey, type Verifier } from '../core/note.js';
import { isRotateStatement, parseRotateStatement } from '../core/rotation.js';
import type { ChainState } from './chainfile.js';
import { readEntries } from './entries.js';
import type { Store } from './store.js';

export interface KeyRotation {
  /** The rotation block: its checkpoint is the handover, signed by both keys. */
  readonly seq: number;
  readonly old: Verifier;
  readonly next: Verifier;
  readonly time: string;
}

export interface KeyHistory {
  readonly rotations: KeyRotation[];
  /** The key whose signature checkpoint `seq` must carry (for a rotation block: the old one; it also carries the new). */
  keyAt(seq: number): Verifier | undefined;
}

const NONE: KeyHistory = { rotations: [], keyAt: () => undefined };

export function keyHistory(store: Store, state: ChainState): KeyHistory {
  const rotations: KeyRotation[] = [];
  for (const e of readEntries(store, state, isRotateStatement)) {
    if (e.statements.length !== 1 || !isRotateStatement(e.statements[0])) continue;
    const r = parseRotateStatement(e.statements[0]);
    const prev = rotations[rotations.length - 1];
    const bad = (why: string) =>
      new NotarError('CHAIN_INVALID', `block ${e.seq}: key rotation ${why}`, { hint: 'run `notar chain verify`' });
    if (r.old.name !== store.origin) throw bad(`is for ${r.old.name}, not ${store.origin}`);
    if (prev && !sameKey(prev.next, r.old))
      throw bad(`hands over from key ${r.old.keyId}, but key ${prev.next.keyId} was in force`);
    for (const k of [r.old, r.next]) {
      try {
        openNote(state.records[e.seq].checkpoint, [k], store.crypto);
      } catch {
        throw bad(`checkpoint is not signed by key ${k.keyId} (a handover needs both keys' signatures)`);
      }
    }
    rotations.push({ seq: e.seq, ...r });
  }
  if (rotations.length === 0) return NONE;
  return {
    rotations,
    keyAt(seq) {
      for (const r of rotations) if (seq <= r.seq) return r.old;
      return rotations[rotations.length - 1].next;
    },
  };
}

/** Every key the store has signed with, oldest first (just the current one without rotations). */
export function allStoreKeys(store: Store, state: ChainState = store.readChain()): Verifier[] {
  const h = keyHistory(store, state);
  if (h.rotations.length === 0) return [store.verifier()];
  return [h.rotations[0].old, ...h.rotations.map((r) => r.next)];
}
