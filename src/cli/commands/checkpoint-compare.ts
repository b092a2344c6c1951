/**
 * `notar checkpoint compare A B [--proof FILE]` (issue 12): can these two
 * signed checkpoints of one origin both be true? Same size: same root. Other
 * sizes: a consistency proof (given as base64 or hex lines, or computed from
 * this store when it holds that log). If not, exit 1 and both signed notes
 * are printed: that pair is evidence that the log forked.
 */
import { fromBase64, fromHex, equalBytes } from '../../core/bytes.js';
import type { Crypto } from '../../core/crypto.js';
import { NotarError } from '../../core/errors.js';
import { MerkleTree, verifyConsistency } from '../../core/merkle.js';
import { MAX_NOTE_BYTES, openNote, parseNote, type Verifier } from '../../core/note.js';
import { parseCheckpointBody, type CheckpointBody } from '../../core/witness-protocol.js';
import { openStore, type Store } from '../../store/store.js';
import { cryptoOf, readTextInput, storeDir, trustedKeys, type Opts } from '../common.js';

interface Side {
  readonly file: string;
  readonly note: string;
  readonly cp: CheckpointBody;
}

function readSide(file: string): Side {
  const note = readTextInput(file, MAX_NOTE_BYTES);
  try {
    return { file, note, cp: parseCheckpointBody(parseNote(note).body) };
  } catch (e) {
    throw new NotarError('FORMAT', `${file}: not a signed checkpoint: ${(e as Error).message}`);
  }
}

function tryStore(opts: Opts, origin: string): Store | undefined {
  try {
    const s = openStore(storeDir(opts), cryptoOf(opts));
    return s.origin === origin ? s : undefined;
  } catch {
    return undefined;
  }
}

/** Both must be signed by a trusted key of the origin: unsigned text proves nothing. */
function checkSigned(sides: Side[], keys: Verifier[], c: Crypto): void {
  for (const s of sides) {
    try {
      openNote(
        s.note,
        keys.filter((k) => k.name === s.cp.origin),
        c,
      );
    } catch (e) {
      throw new NotarError(
        (e as NotarError).code === 'SIGNATURE_INVALID' ? 'SIGNATURE_INVALID' : 'UNTRUSTED',
        `${s.file}: ${(e as Error).message}`,
      );
    }
  }
}

function readProof(file: string): Uint8Array[] {
  return readTextInput(file, 1 << 16)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l, i) =>
      /^[0-9a-f]{64}$/.test(l) ? fromHex(l, `proof line ${i + 1}`, 32) : fromBase64(l, `proof line ${i + 1}`, 32),
    );
}

/** Consistent, inconsistent, or undecided (no proof and no store to compute one). */
function decide(a: Side, b: Side, opts: Opts, store: Store | undefined): { ok: boolean; how: string } | undefined {
  const [m, n] = a.cp.size <= b.cp.size ? [a, b] : [b, a];
  if (m.cp.size === n.cp.size) return { ok: equalBytes(m.cp.root, n.cp.root), how: `both are of size ${m.cp.size}` };
  if (m.cp.size === 0) return { ok: true, how: 'the empty tree is a prefix of every tree' };
  if (typeof opts.proof === 'string') {
    try {
      verifyConsistency(m.cp.size, n.cp.size, m.cp.root, n.cp.root, readProof(opts.proof), cryptoOf(opts));
      return { ok: true, how: `the consistency proof from ${m.cp.size} to ${n.cp.size} verifies` };
    } catch (e) {
      if (e instanceof NotarError && e.code === 'FORMAT') throw e;
      return { ok: false, how: `the consistency proof from ${m.cp.size} to ${n.cp.size} does not verify` };
    }
  }
  if (!store) return undefined;
  const state = store.readChain();
  const tree = MerkleTree.fromLeafHashes(state.blockHashes, store.crypto);
  const bad = [m, n].filter((s) => s.cp.size > tree.size || !equalBytes(tree.rootAt(s.cp.size), s.cp.root));
  if (bad.length === 0) return { ok: true, how: `both are prefixes of this store's history (${tree.size} blocks)` };
  return {
    ok: false,
    how: `${bad.map((s) => s.file).join(' and ')} ${bad.length === 1 ? 'is' : 'are'} not part of this store's history`,
  };
}

export async function run(args: string[], opts: Opts): Promise<number> {
  if (args.length !== 3) throw new NotarError('USAGE', 'usage: notar checkpoint compare A B [--proof FILE]');
  const sides = [readSide(args[1]), readSide(args[2])];
  if (sides[0].cp.origin !== sides[1].cp.origin) {
    throw new NotarError(
      'USAGE',
      `${sides[0].file} is of ${sides[0].cp.origin} and ${sides[1].file} of ${sides[1].cp.origin}: compare checkpoints of one log`,
    );
  }
  const store = tryStore(opts, sides[0].cp.origin);
  const keys = [...trustedKeys(opts), ...(store ? [store.verifier()] : [])];
  if (keys.length === 0)
    throw new NotarError(
      'USAGE',
      'no trusted key for the log: give --key/--key-file, or run it where the log store is',
      { hint: 'unsigned checkpoints prove nothing' },
    );
  checkSigned(sides, keys, cryptoOf(opts));
  const verdict = decide(sides[0], sides[1], opts, store);
  if (!verdict)
    throw new NotarError('USAGE', 'the sizes differ and no consistency proof was given', {
      hint: 'give --proof FILE (from the log), or run it with the log store (--store)',
    });
  if (verdict.ok) {
    process.stdout.write(`CONSISTENT: ${verdict.how}\n`);
    return 0;
  }
  process.stdout.write(
    `FORK EVIDENCE: ${sides[0].cp.origin}: ${verdict.how}; both are validly signed:\n\n# ${sides[0].file}\n${sides[0].note}\n# ${sides[1].file}\n${sides[1].note}`,
  );
  return 1;
}
