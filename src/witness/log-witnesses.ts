/**
 * The witnesses a log store asks, and the cosignatures they returned.
 *
 *   <store>/witnesses            one witness a line: `<witness vkey> [<url>]`
 *   <store>/witness-sizes.json   {"<name>+<key ID>": size last cosigned}: where the next proof starts
 *   <store>/cosigs/<seq>.txt     cosignature lines for the checkpoint of block <seq>
 *
 * The chain file line of a block is never rewritten (FORMAT.md §12): a
 * cosignature is verified, then appended durably to cosigs/<seq>.txt, and
 * merged into receipts' checkpoint when they are written or refreshed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChainRecord } from '../core/chain.js';
import { parseCosignerKey, verifyCosignature, type CosignerVerifier } from '../core/cosignature.js';
import { nobleCrypto, type Crypto } from '../core/crypto.js';
import { NotarError } from '../core/errors.js';
import { MAX_SIGNATURES, parseNote, type NoteSignature } from '../core/note.js';
import { parseCosignatureResponse, signatureLinesOf } from '../core/witness-protocol.js';
import { appendDurable, writeFileAtomic } from '../store/durable.js';

export interface LogWitness {
  readonly key: CosignerVerifier;
  readonly url?: string;
}

const idOf = (k: CosignerVerifier) => `${k.name}+${k.keyId}`;
const file = (dir: string, name: string) => path.join(dir, name);

function readOptional(f: string): string | undefined {
  try {
    return fs.readFileSync(f, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new NotarError('IO', `cannot read ${f}: ${(e as Error).message}`);
  }
}

export function readWitnesses(storeDir: string): LogWitness[] {
  const text = readOptional(file(storeDir, 'witnesses')) ?? '';
  return text
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l, i) => {
      const [vkey, url] = l.trim().split(/\s+/);
      try {
        return { key: parseCosignerKey(vkey), url };
      } catch (e) {
        throw new NotarError('STORE', `${file(storeDir, 'witnesses')} line ${i + 1}: ${(e as Error).message}`);
      }
    });
}

function writeWitnesses(storeDir: string, ws: LogWitness[]): void {
  writeFileAtomic(file(storeDir, 'witnesses'), ws.map((w) => `${w.key.text}${w.url ? ' ' + w.url : ''}\n`).join(''));
}

export function addWitness(storeDir: string, key: CosignerVerifier, url?: string): void {
  if (url !== undefined && !/^https?:\/\/[^\s]+$/.test(url))
    throw new NotarError('USAGE', `--url ${JSON.stringify(url)} is not an http(s) URL`, {
      hint: 'the witness submission prefix, e.g. http://127.0.0.1:7380',
    });
  const ws = readWitnesses(storeDir);
  if (ws.some((w) => w.key.name === key.name))
    throw new NotarError('EXISTS', `a witness named ${key.name} is already configured`, {
      hint: 'remove it first with `notar witnesses remove`',
    });
  writeWitnesses(storeDir, [...ws, { key, url: url?.replace(/\/+$/, '') }]);
}

export function removeWitness(storeDir: string, name: string): void {
  const ws = readWitnesses(storeDir);
  if (!ws.some((w) => w.key.name === name)) throw new NotarError('NOT_FOUND', `no witness named ${name} is configured`);
  writeWitnesses(
    storeDir,
    ws.filter((w) => w.key.name !== name),
  );
}

export function readSizes(storeDir: string): Record<string, number> {
  const text = readOptional(file(storeDir, 'witness-sizes.json'));
  if (!text) return {};
  try {
    const obj = JSON.parse(text) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(obj).filter(([, v]) => Number.isSafeInteger(v)) as [string, number][]);
  } catch {
    return {}; // only a hint: a 409 tells the real size
  }
}

/** Records the size a witness last cosigned (or reported in a 409). Only a hint for the next proof. */
export function recordSize(storeDir: string, key: CosignerVerifier, size: number): void {
  const sizes = readSizes(storeDir);
  sizes[idOf(key)] = size;
  // Atomic but not fsynced: a size lost in a crash only costs one 409 and a retry.
  writeFileAtomic(file(storeDir, 'witness-sizes.json'), JSON.stringify(sizes, null, 2) + '\n', { durable: false });
}

export const lastSize = (storeDir: string, key: CosignerVerifier): number => readSizes(storeDir)[idOf(key)] ?? 0;

function cosigFile(storeDir: string, seq: number): string {
  return path.join(storeDir, 'cosigs', `${String(seq).padStart(10, '0')}.txt`);
}

/** The stored cosignature lines of block `seq`'s checkpoint (as written, one per line). */
export function storedCosignatures(storeDir: string, seq: number): NoteSignature[] {
  const text = readOptional(cosigFile(storeDir, seq));
  if (!text) return [];
  // A torn last line (a crash mid-append) is ignored: every complete line was verified when stored.
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  return complete ? parseCosignatureResponse(complete) : [];
}

/**
 * Verifies `lines` (a witness's 200 body, or lines from a file) against the
 * checkpoint of `rec` and the configured witnesses; stores the valid ones
 * durably. Returns the witnesses whose cosignature was stored.
 */
export function storeCosignatures(
  storeDir: string,
  rec: ChainRecord,
  lines: NoteSignature[],
  witnesses: LogWitness[],
  c: Crypto = nobleCrypto,
): LogWitness[] {
  const body = parseNote(rec.checkpoint).body;
  const have = storedCosignatures(storeDir, rec.seq);
  const added: LogWitness[] = [];
  const keep: NoteSignature[] = [];
  for (const sig of lines) {
    const w = witnesses.find((x) => x.key.name === sig.name && x.key.keyId === sig.keyId);
    if (!w || verifyCosignature(body, sig, w.key, c) === undefined) continue;
    if ([...have, ...keep].some((s) => s.name === sig.name && s.keyId === sig.keyId)) continue; // keep the earliest
    keep.push(sig);
    added.push(w);
  }
  if (keep.length) {
    fs.mkdirSync(path.dirname(cosigFile(storeDir, rec.seq)), { recursive: true });
    appendDurable(
      cosigFile(storeDir, rec.seq),
      signatureLinesOf({ body, signatures: keep }, () => true),
    );
  }
  return added;
}

/**
 * The checkpoint of `rec` with its stored cosignatures appended (within the
 * 100-signature cap of a note). Each is verified again against the configured
 * witnesses before it goes into a receipt or the published checkpoint: the
 * file was verified when written, but anyone who can write the store could
 * have added a bad line since, and one bad line by a policy witness would make
 * every receipt carrying it fail (a cheap denial of service). Such lines are
 * left out, as are those of witnesses no longer configured.
 */
export function cosignedCheckpoint(storeDir: string, rec: ChainRecord, c: Crypto = nobleCrypto): string {
  const note = parseNote(rec.checkpoint);
  const room = MAX_SIGNATURES - note.signatures.length;
  const witnesses = readWitnesses(storeDir);
  const valid = (s: NoteSignature) => witnesses.some((w) => verifyCosignature(note.body, s, w.key, c) !== undefined);
  const seen = new Set<string>();
  const unique = storedCosignatures(storeDir, rec.seq).filter(
    (s) => !seen.has(`${s.name}+${s.keyId}`) && valid(s) && Boolean(seen.add(`${s.name}+${s.keyId}`)),
  );
  const extra = unique.slice(0, Math.max(0, room));
  return rec.checkpoint + signatureLinesOf({ body: note.body, signatures: extra }, () => true);
}

/** How many cosignatures are stored for block `seq`'s checkpoint. */
export const cosignatureCount = (storeDir: string, seq: number): number => storedCosignatures(storeDir, seq).length;

/**
 * The checkpoint a receipt of block `seq` should carry: among the checkpoints
 * that contain the block, the one with the most stored cosignatures, the
 * latest on a tie (with no witness configured: simply the latest).
 */
export function bestCheckpointFor(
  storeDir: string,
  records: readonly ChainRecord[],
  seq: number,
  c: Crypto = nobleCrypto,
): { record: ChainRecord; checkpoint: string } {
  let best = records[records.length - 1];
  let bestCount = cosignatureCount(storeDir, best.seq);
  for (let i = records.length - 2; i >= seq && bestCount < MAX_SIGNATURES; i--) {
    const n = cosignatureCount(storeDir, i);
    if (n > bestCount) [best, bestCount] = [records[i], n];
  }
  return { record: best, checkpoint: bestCount ? cosignedCheckpoint(storeDir, best, c) : best.checkpoint };
}
