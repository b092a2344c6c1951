/**
 * The notar store: one directory with the encrypted key, the chain file and
 * the stored leaves of every batch. Layout:
 *
 *   notar-store.json   {"format":"notar-store/1","origin":"…"}
 *   key.json           signer key, sealed (scrypt + AES-256-GCM), mode 0600
 *   key.pub            verifier key string (public)
 *   chain.jsonl        the chain file (FORMAT.md §6)
 *   leaves/<seq>.bin   each batch's digests, salts and names (leaves.ts)
 *   lock               present while a writer holds the store (lock.ts)
 *   tip.json           what this key signed last, authenticated (tip.ts)
 *   quarantine/        material a seal moved aside instead of overwriting it
 *   key-import.json    only while `key import` replaces both key files
 *   index/             the proof index, derived and never trusted (proof-index.ts)
 *
 * Sealing order gives the durability guarantees: leaves file (fsynced), then
 * the block line (fsynced); receipts only after that.
 */
import * as fs from 'node:fs';
import { buildPackedBatch, saltsFor, type Batch } from '../core/batch.js';
import { Block, formatTime, nextBlock } from '../core/block.js';
import { ChainRecord, formatChainRecord } from '../core/chain.js';
import { nobleCrypto, type Crypto } from '../core/crypto.js';
import { formatCheckpoint } from '../core/checkpoint.js';
import { equalBytes } from '../core/bytes.js';
import { NotarError } from '../core/errors.js';
import { checkKeys, expectString, parseJson } from '../core/json.js';
import { HASH_SIZE, MerkleTree } from '../core/merkle.js';
import { parseVerifierKey, sameKey, signNote, type Signer, type Verifier } from '../core/note.js';
import { buildReceipt, RECEIPT_FORMAT, type Receipt } from '../core/receipt.js';
import { blockHash } from '../core/block.js';
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import { ChainState, parseChain, readChainBytes } from './chainfile.js';
import { checkExtends, KEY_HINT, refuse, type ExtendCheck } from './extend.js';
import { appendBytes, checkFromVerified, rangeOf, type CheckedChain, type Verified } from './verified.js';
import { readTip, writeTip } from './tip.js';
import { keyHistory, type KeyHistory } from './key-history.js';
import { checkKeyInForce, finishRotation } from './rotate.js';
import { readRegularFile, readStoreText } from './capped-read.js';
import { appendDurable, fsyncDir, removeStaleTemps, writeFileAtomic } from './durable.js';
import { isKeyEncrypted, openKey, sealKey } from './keyfile.js';
import { decodeLeaves, leavesPieces, leafAt, RECORD, scanRecords, type LeafEntry, type LeavesFile } from './leaves.js';
import { acquireLock } from './lock.js';
import { readLeafRecords } from './leaf-records.js';
import { lookupDigest, readSubtrees, subtreeProver, updateProofIndex, type InclusionProver } from './proof-index.js';
import { osReason } from './errno.js';
import { leavesFile, StorePaths, storePaths } from './paths.js';

export const STORE_FORMAT = 'notar-store/1';

export interface SealResult {
  readonly record: ChainRecord;
  readonly batch: Batch;
  readonly state: ChainState;
  /** The new block's inclusion proof in the history tree of its own checkpoint (leaf to root). */
  readonly historyPath: Uint8Array[];
  /** What recovery did before sealing (stale lock, torn tail), for the user. */
  readonly recovered: string[];
}

export interface SealOptions {
  now?: Date;
  lockTimeoutMs?: number;
  /** Also signs the new checkpoint (the new key of a rotation). */
  cosigner?: Signer;
  /**
   * Called under the lock with the checked chain and the block about to be
   * sealed (its seq and batch root), before anything is written; may throw to refuse.
   */
  beforeSign?: (state: ChainState, next: { readonly seq: number; readonly root: Uint8Array }) => void;
}

/** Documents to seal: packed 32-byte digests, and optional informational names. */
export interface DocumentBatch {
  readonly digests: Uint8Array;
  readonly names: readonly (string | undefined)[];
  /** Entry leaves (docs/lifecycle.md §2) bring their deterministic salts; documents get fresh ones. */
  readonly salts?: Uint8Array;
}

export function storeIo(e: unknown, what: string, hint?: string): NotarError {
  return new NotarError('IO', `${what}: ${osReason(e)}`, { hint, cause: e });
}

export function initStore(dir: string, signer: Signer, passphrase: string | null, c: Crypto = nobleCrypto): Store {
  const paths = storePaths(dir);
  if (fs.existsSync(paths.config)) {
    throw new NotarError('EXISTS', `a notar store already exists at ${dir}`, {
      hint: 'use another --store, or keep using this one',
    });
  }
  try {
    fs.mkdirSync(paths.leaves, { recursive: true, mode: 0o700 });
    writeFileAtomic(paths.key, sealKey(signer, passphrase), { mode: 0o600 });
    writeFileAtomic(paths.verifierKey, signer.text + '\n');
    writeFileAtomic(paths.config, JSON.stringify({ format: STORE_FORMAT, origin: signer.name }) + '\n');
    fsyncDir(dir);
  } catch (e) {
    throw storeIo(e, `cannot create the store at ${dir}`, 'choose a writable directory with --store');
  }
  return new Store(paths, signer.name, c);
}

/** Opens the store at `dir`; it computes with `c` (the CLI passes node:crypto, core/crypto.ts). */
export function openStore(dir: string, c: Crypto = nobleCrypto): Store {
  const paths = storePaths(dir);
  let text: string;
  try {
    text = readStoreText(paths.config, 4096);
  } catch (e) {
    if (e instanceof NotarError) throw new NotarError('STORE', `${paths.config}: ${e.message}`, { hint: e.hint });
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new NotarError('STORE', `no notar store at ${dir}`, {
        hint: 'create one with `notar init --name <origin>`, or point --store / NOTAR_STORE at yours',
      });
    }
    throw storeIo(e, `cannot read ${paths.config}`);
  }
  let origin: string;
  try {
    const cfg = checkKeys(parseJson(text, 'store config', 4096), 'store config', ['format', 'origin']);
    if (cfg.format !== STORE_FORMAT) throw new Error(`unknown format (expected ${STORE_FORMAT})`);
    origin = expectString(cfg.origin, 'origin', 256);
  } catch (e) {
    throw new NotarError('STORE', `${paths.config} is damaged: ${(e as Error).message}`);
  }
  const store = new Store(paths, origin, c);
  store.finishKeyImport();
  const rotated = finishRotation(store);
  if (rotated) store.keyImportFinished = rotated;
  return store;
}

const KEY_IMPORT_FORMAT = 'notar-key-import/1';

/** Test hook: called after each step of a key import (to simulate a kill between them). */
export type KeyImportStep = (step: 'journal' | 'key.json' | 'key.pub') => void;

export class Store {
  /** What this object's last seal established (verified.ts); the next seal by the same key starts from it. */
  private verified: Verified | undefined;
  /** How the last seal checked the chain: all of it, or only what changed since this object's previous seal. */
  lastCheck: 'full' | 'incremental' | undefined;

  constructor(
    readonly paths: StorePaths,
    readonly origin: string,
    /** The SHA-256 and Ed25519 the store computes with (given to openStore). */
    readonly crypto: Crypto = nobleCrypto,
  ) {}

  verifier(): Verifier {
    try {
      return parseVerifierKey(readStoreText(this.paths.verifierKey, 4096).trim());
    } catch (e) {
      if (e instanceof NotarError) throw new NotarError('STORE', `${this.paths.verifierKey}: ${e.message}`);
      throw storeIo(e, `cannot read ${this.paths.verifierKey}`);
    }
  }

  keyEncrypted(): boolean {
    try {
      return isKeyEncrypted(readStoreText(this.paths.key, 1 << 16));
    } catch (e) {
      if (e instanceof NotarError) throw new NotarError('STORE', `${this.paths.key}: ${e.message}`, { hint: e.hint });
      throw storeIo(e, `cannot read the signing key ${this.paths.key}`);
    }
  }

  /** Opens the signing key; `passphrase` is called only if it is encrypted. */
  signer(passphrase: () => string): Signer {
    let text: string;
    try {
      text = readStoreText(this.paths.key, 1 << 16);
    } catch (e) {
      if (e instanceof NotarError) throw new NotarError('STORE', `${this.paths.key}: ${e.message}`, { hint: e.hint });
      throw storeIo(e, `cannot read the signing key ${this.paths.key}`);
    }
    let signer: Signer;
    try {
      signer = openKey(text, passphrase, this.crypto);
    } catch (e) {
      // Name the file: "signer key must look like …" alone does not say where.
      if (e instanceof NotarError && e.code === 'KEY_FORMAT')
        throw new NotarError('STORE', `${this.paths.key}: ${e.message}`, {
          hint: 'restore key.json from your backup, or import the key with `notar key import`',
        });
      throw e;
    }
    if (signer.name !== this.origin) {
      throw new NotarError('STORE', `the signing key is named ${signer.name} but the store's origin is ${this.origin}`);
    }
    return signer;
  }

  /**
   * Replaces the signing key (key import), atomically as a whole: both files
   * go into one journal (key-import.json, written atomically: the commit
   * point), then key.json and key.pub are replaced from it and it is removed.
   * A process killed after the journal is in place leaves it for the next
   * openStore to finish (finishKeyImport), so no reader ever works with a
   * key.json and a key.pub of different keys for longer than that.
   */
  replaceKey(signer: Signer, passphrase: string | null, step: KeyImportStep = () => {}): void {
    if (signer.name !== this.origin) {
      throw new NotarError('KEY_FORMAT', `key is named ${signer.name}; this store's origin is ${this.origin}`, {
        hint: 'a store keeps one origin; create a new store for another name',
      });
    }
    const journal =
      JSON.stringify({ format: KEY_IMPORT_FORMAT, key: sealKey(signer, passphrase), pub: signer.text + '\n' }) + '\n';
    writeFileAtomic(this.paths.keyImport, journal, { mode: 0o600 });
    step('journal');
    this.applyKeyImport(journal, step);
  }

  /** Finishes a key import interrupted after its journal was written (called by openStore). */
  finishKeyImport(): void {
    let text: string;
    try {
      text = fs.readFileSync(this.paths.keyImport, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw storeIo(e, `cannot read ${this.paths.keyImport}`);
    }
    try {
      this.applyKeyImport(text);
    } catch (e) {
      if (e instanceof NotarError) throw e;
      throw storeIo(
        e,
        `cannot finish the interrupted key import (${this.paths.keyImport})`,
        'run notar once with write access to the store',
      );
    }
    this.keyImportFinished = `finished an interrupted \`notar key import\`: key.json and key.pub now both hold key ${this.verifier().keyId}`;
  }

  /** Set when openStore finished an interrupted key import; reported by the next seal. */
  keyImportFinished?: string;

  private applyKeyImport(text: string, step: KeyImportStep = () => {}): void {
    let key: string;
    let pub: string;
    try {
      const j = checkKeys(parseJson(text, 'key import journal', 1 << 16), 'key import journal', [
        'format',
        'key',
        'pub',
      ]);
      if (j.format !== KEY_IMPORT_FORMAT) throw new Error(`unknown format (expected ${KEY_IMPORT_FORMAT})`);
      key = expectString(j.key, 'key', 1 << 15);
      pub = expectString(j.pub, 'pub', 1024);
      if (parseVerifierKey(pub.trim()).name !== this.origin) throw new Error(`the key is not for ${this.origin}`);
    } catch (e) {
      throw new NotarError('STORE', `${this.paths.keyImport} is damaged: ${(e as Error).message}`, {
        hint: 'it is left by an interrupted `notar key import`: run the import again, or remove it if you did not import a key',
      });
    }
    writeFileAtomic(this.paths.key, key, { mode: 0o600 });
    step('key.json');
    writeFileAtomic(this.paths.verifierKey, pub);
    step('key.pub');
    fs.rmSync(this.paths.keyImport, { force: true });
    fsyncDir(this.paths.dir);
  }

  readChain(): ChainState {
    let data: Buffer;
    try {
      data = readChainBytes(this.paths.chain);
    } catch (e) {
      throw storeIo(e, `cannot read ${this.paths.chain}`);
    }
    return parseChain(data, this.paths.chain, this.crypto);
  }

  private leavesMissing(file: string, seq: number): NotarError {
    return new NotarError('CHAIN_INVALID', `${file}: the leaves of block ${seq} are missing`, {
      hint: 'restore the store from a backup',
    });
  }

  readLeaves(seq: number, verifier?: Verifier): LeavesFile {
    const file = leavesFile(this.paths, seq);
    let data: Buffer;
    try {
      data = readRegularFile(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw this.leavesMissing(file, seq);
      throw storeIo(e, `cannot read ${file}`);
    }
    const leaves = decodeLeaves(data, file, verifier, this.crypto);
    if (leaves.seq !== seq)
      throw new NotarError('CHAIN_INVALID', `${file}: holds the leaves of block ${leaves.seq}, not ${seq}`);
    return leaves;
  }

  /** Seals one batch: leaves, block, signed checkpoint, durably, under the lock. */
  async seal(docs: DocumentBatch, signer: Signer, opts: SealOptions = {}): Promise<SealResult> {
    let lock;
    try {
      lock = await acquireLock(this.paths.dir, opts.lockTimeoutMs ?? 120_000);
    } catch (e) {
      if (e instanceof NotarError) throw e;
      throw storeIo(e, `cannot lock the store at ${this.paths.dir}`, 'stamping needs a writable store');
    }
    try {
      const recovered = lock.recovered ? [lock.recovered] : [];
      if (this.keyImportFinished) recovered.push(this.keyImportFinished);
      const sealed = this.sealLocked(docs, signer, opts.now ?? new Date(), recovered, opts);
      this.updateIndex(sealed);
      // Leaves temp files are only written under the lock, so they can be abandoned only when a
      // holder died (a stale lock or a torn tail just recovered): scan leaves/ only then.
      const crashed = recovered.length > 0;
      const temps =
        removeStaleTemps(this.paths.dir) +
        (crashed ? removeStaleTemps(this.paths.leaves, { minAgeMs: 0, anyPid: true }) : 0);
      if (temps) recovered.push(`removed ${temps} temporary file${temps === 1 ? '' : 's'} left by interrupted writes`);
      return { ...sealed, recovered };
    } catch (e) {
      if (e instanceof NotarError) throw e;
      throw storeIo(e, `cannot write to the store at ${this.paths.dir}`);
    } finally {
      lock.release();
    }
  }

  /** key.json must hold the key published as key.pub: a wrong backup or a mixed import would sign blocks no audit accepts. */
  private checkSigner(signer: Signer): void {
    let published: Verifier;
    try {
      published = this.verifier();
    } catch (e) {
      if (!(e instanceof NotarError)) throw e;
      throw new NotarError(e.code, e.message, {
        hint: 'nothing was stamped: the signing key is checked against key.pub first; restore key.pub (the verifier key you published) from your backup',
      });
    }
    if (!sameKey(published, signer)) {
      throw refuse(
        `key.json holds key ${signer.keyId}, but key.pub (the published verifier key) is key ${published.keyId}: they are not the same key`,
        KEY_HINT,
      );
    }
  }

  /**
   * Everything that extends the chain: first establish (extend.ts, or
   * verified.ts from this process's last seal) that the chain is what this
   * key signed last, before writing anything; then recover the tail, write
   * the leaves, the tip's pending line, the block line, and the tip.
   */
  private sealLocked(
    docs: DocumentBatch,
    signer: Signer,
    now: Date,
    recovered: string[],
    opts: SealOptions,
  ): Omit<SealResult, 'recovered'> {
    this.checkSigner(signer);
    const data = this.chainBytes();
    // A snapshot only ever says "these bytes were checked, signed by this key": a refused or
    // failed seal leaves it as true as it was, so it is replaced only by a completed seal.
    const checked = this.checkChain(data, signer, this.verified);
    const { check } = checked;
    recovered.push(...checkKeyInForce(this, check.state, checked.keys, signer));
    const { state } = check;
    const last = state.records[state.records.length - 1];
    const seq = last ? last.seq + 1 : 0;
    const salts = docs.salts ?? saltsFor(docs.digests);
    const batch = buildPackedBatch(docs.digests, salts, this.crypto);
    opts.beforeSign?.(state, { seq, root: batch.root });
    recovered.push(...check.notes);
    this.applyTail(check, data, recovered);
    // Block times never go backwards, even if the clock does.
    const time = last && formatTime(now) < last.time ? last.time : formatTime(now);
    const block = nextBlock(last, batch.count, batch.root, time, this.crypto);
    const newHash = blockHash(block, this.crypto);
    // The new block's inclusion proof at its own checkpoint is the compact range, smallest subtree first.
    const historyPath = checked.history.hashes().reverse();
    checked.history.append(newHash);
    // A key rotation's handover checkpoint is signed by both keys (docs/lifecycle.md §3).
    const checkpoint = signNote(
      formatCheckpoint({ origin: this.origin, size: block.seq + 1, root: checked.history.root() }),
      opts.cosigner ? [signer, opts.cosigner] : signer,
      this.crypto,
    );
    const record: ChainRecord = { ...block, checkpoint };
    const line = formatChainRecord(record);
    const length = this.writeBlock(seq, line, check, checked.hash, { docs, salts, signer, recovered });
    const sealedState: ChainState = {
      records: [...state.records, record],
      blockHashes: appendBytes(state.blockHashes, newHash),
    };
    this.remember(signer, checked, sealedState, length, opts.cosigner !== undefined);
    return { record, batch, state: sealedState, historyPath };
  }

  /**
   * Keeps what this seal established for the next one (verified.ts): the chain's new `length`
   * (undefined: the tip could not be committed) and SHA-256, its blocks and history range.
   * A rotation changes the key in force: its next seal checks in full.
   */
  private remember(
    signer: Signer,
    checked: CheckedChain,
    state: ChainState,
    length: number | undefined,
    rotation: boolean,
  ): void {
    if (rotation) this.verified = undefined;
    else if (length !== undefined) {
      const { history, keys } = checked;
      this.verified = { keyId: signer.keyId, length, sha256: checked.hash.digest('hex'), state, history, keys };
    }
  }

  /** The chain file's bytes, as an IO error naming it if it cannot be read. */
  private chainBytes(): Buffer {
    try {
      return readChainBytes(this.paths.chain);
    } catch (e) {
      throw storeIo(e, `cannot read ${this.paths.chain}`);
    }
  }

  /** The cheap check from this process's last seal if it applies (verified.ts), else extend.ts's full one. */
  private checkChain(data: Buffer, signer: Signer, verified: Verified | undefined): CheckedChain {
    const tip = readTip(this.paths.tip, this.origin, signer.seed);
    const keysOf = (state: ChainState) => keyHistory(this, state);
    const quick =
      verified && checkFromVerified(verified, data, this.paths.chain, this.origin, signer, tip, keysOf, this.crypto);
    this.lastCheck = quick ? 'incremental' : 'full';
    if (quick) return quick;
    let keys: KeyHistory | undefined;
    const check = checkExtends(
      data,
      this.paths.chain,
      this.origin,
      signer,
      tip,
      (state) => (keys = keysOf(state)).keyAt,
      this.crypto,
    );
    const hash = crypto.createHash('sha256').update(check.bytes);
    return {
      check,
      keys,
      history: rangeOf(check.state.blockHashes, this.crypto),
      hash,
      linesChecked: check.state.records.length,
    };
  }

  /**
   * Writes block `seq`: the tip's pending line, the leaves, the line, the
   * tip. `hash` holds the SHA-256 of check.bytes and is updated with the
   * line. Returns the chain's new length, or undefined if the tip could not
   * be committed (the block is sealed all the same).
   */
  private writeBlock(
    seq: number,
    line: string,
    check: ExtendCheck,
    hash: crypto.Hash,
    w: { docs: DocumentBatch; salts: Uint8Array; signer: Signer; recovered: string[] },
  ): number | undefined {
    const { signer } = w;
    // The pending line goes into the tip before the leaves and the line: after a kill, the next
    // seal knows leaves/<seq>.bin and any torn bytes are this interrupted write, nothing else.
    writeTip(
      this.paths.tip,
      { size: seq, length: check.bytes.length, sha256: hash.copy().digest('hex'), pending: line },
      this.origin,
      signer.seed,
    );
    fs.mkdirSync(this.paths.leaves, { recursive: true, mode: 0o700 });
    this.clearLeavesSlot(seq, check.interrupted, signer, w.recovered);
    // The leaves file (written in 1 MiB pieces: 66 MB at 10^6 documents never
    // in memory whole); leaves before the block line, as before.
    writeFileAtomic(
      leavesFile(this.paths, seq),
      leavesPieces(
        seq,
        { count: w.salts.length / 32, digests: w.docs.digests, salts: w.salts },
        w.docs.names,
        signer,
        this.crypto,
      ),
    );
    appendDurable(this.paths.chain, line + '\n');
    const appended = Buffer.from(line + '\n', 'utf8');
    const length = check.bytes.length + appended.length;
    hash.update(appended);
    try {
      writeTip(this.paths.tip, { size: seq + 1, length, sha256: hash.copy().digest('hex') }, this.origin, signer.seed);
      return length;
    } catch {
      // The block is sealed: its receipts must still be written. Without the pending tip the
      // next seal checks the new line in full and treats leftovers as suspect (clearLeavesSlot).
      try {
        fs.rmSync(this.paths.tip, { force: true });
      } catch {
        /* nothing more can be done here; the receipts come first */
      }
      return undefined;
    }
  }

  /**
   * Applies extend.ts's plan for bytes after the last newline. Bytes that are
   * not provably this key's own interrupted write are never just dropped:
   * they are copied to quarantine/ first, and the message says where.
   */
  private applyTail(check: ExtendCheck, data: Buffer, recovered: string[]): void {
    const { tail } = check;
    if (tail.kind === 'none') return;
    const seq = check.state.records.length - (tail.kind === 'complete' ? 1 : 0);
    if (tail.kind === 'complete') {
      appendDurable(this.paths.chain, '\n');
      recovered.push(`completed block ${seq}, whose final newline was lost in an interrupted stamp`);
      return;
    }
    let kept = '';
    if (!tail.ours)
      kept = ` (not the line this key was writing, so kept in ${this.quarantineWrite(`chain-tail-${seq}.bin`, data.subarray(tail.offset))})`;
    const fd = fs.openSync(this.paths.chain, 'r+');
    try {
      fs.ftruncateSync(fd, tail.offset);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    recovered.push(`removed ${tail.length} bytes of an incomplete block line left by an interrupted stamp${kept}`);
  }

  /**
   * Only this key's own interrupted seal may overwrite leaves/<seq>.bin: the
   * tip names its pending line and the chain ends before it, so no receipt
   * was ever written from it (receipts come after the tip is committed, and a
   * failed commit removes the tip). Any other file there may be the signed
   * leaves of a block whose line was removed (receipts may exist): it is moved
   * to quarantine/, and the message says so loudly.
   */
  private clearLeavesSlot(seq: number, interrupted: boolean, signer: Signer, recovered: string[]): void {
    const file = leavesFile(this.paths, seq);
    if (interrupted || fs.lstatSync(file, { throwIfNoEntry: false }) === undefined) return;
    const rel = path.relative(this.paths.dir, file);
    let signed = false;
    try {
      signed = this.readLeaves(seq, signer).seq === seq;
    } catch {
      /* not leaves this key signed for seq */
    }
    const dest = this.quarantineMove(file, path.basename(file));
    if (signed)
      recovered.push(
        `WARNING: ${rel} holds leaves this key signed for block ${seq}, but chain.jsonl has no block ${seq} (its line was removed, or an older notar was interrupted): moved it to ${dest} instead of overwriting it; run \`notar chain verify\``,
      );
    else
      recovered.push(
        `WARNING: ${rel} was in the way and is not leaves this key signed for block ${seq}: moved it to ${dest}`,
      );
  }

  /** quarantine/<UTC time>-<pid>-<name>, relative to the store, for messages. */
  private quarantineName(name: string): string {
    fs.mkdirSync(this.paths.quarantine, { recursive: true, mode: 0o700 });
    // A symlink planted there would make this process write where someone else chose.
    if (!fs.lstatSync(this.paths.quarantine).isDirectory()) {
      throw new NotarError('STORE', `${this.paths.quarantine} is not a directory (a symbolic link?)`, {
        hint: 'nothing was stamped; remove it, then stamp again',
      });
    }
    const stamp = new Date()
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    return path.join(this.paths.quarantine, `${stamp}-${process.pid}-${name}`);
  }

  private quarantineMove(file: string, name: string): string {
    const dest = this.quarantineName(name);
    fs.renameSync(file, dest);
    fsyncDir(this.paths.quarantine);
    fsyncDir(path.dirname(file));
    return path.relative(this.paths.dir, dest);
  }

  private quarantineWrite(name: string, bytes: Uint8Array): string {
    const dest = this.quarantineName(name);
    writeFileAtomic(dest, bytes, { mode: 0o600 });
    return path.relative(this.paths.dir, dest);
  }

  /**
   * The proof index (proof-index.ts) brought up to the block just sealed. It is
   * only an accelerator: the block is sealed and its receipts are due, so a
   * failure here leaves the index behind (readers then scan) and is not an error.
   */
  private updateIndex(sealed: Omit<SealResult, 'recovered'>): void {
    const { batch, record } = sealed;
    try {
      const block = { seq: record.seq, digests: batch.digests, stride: 32 as const, tree: batch.tree };
      updateProofIndex(this.paths, sealed.state.records, block, (seq) =>
        Uint8Array.prototype.slice.call(this.leafRecords(seq)),
      );
    } catch {
      /* behind, not wrong: see above */
    }
  }

  /** Every (seq, index) whose document digest is `digest`, oldest first. */
  findDocument(
    digest: Uint8Array,
    state: ChainState = this.readChain(),
  ): { seq: number; index: number; leaves: LeavesFile }[] {
    const n = state.records.length;
    const indexed = lookupDigest(this.paths, state.records, digest);
    if (indexed) {
      // The index covers blocks [0, blocks); later ones are scanned. Every hit is
      // checked against its leaves file, and a miss is confirmed by a full scan.
      const found = this.checkedHits(indexed.hits, digest, n);
      if (found && found.length > 0) return [...found, ...this.scanFrom(indexed.blocks, digest, state)];
    }
    return this.scanFrom(0, digest, state);
  }

  /** The index's hits as leaves, or undefined if any is not what the leaves file holds. */
  private checkedHits(hits: { seq: number; index: number }[], digest: Uint8Array, blocks: number) {
    const found: { seq: number; index: number; leaves: LeavesFile }[] = [];
    const read = new Map<number, LeavesFile>();
    for (const { seq, index } of hits) {
      if (seq >= blocks) return undefined;
      let leaves = read.get(seq);
      if (!leaves) read.set(seq, (leaves = this.readLeaves(seq)));
      if (index >= leaves.count || !equalBytes(leafAt(leaves, index).digest, digest)) return undefined;
      found.push({ seq, index, leaves });
    }
    return found.sort((a, b) => a.seq - b.seq || a.index - b.index);
  }

  /** Scans the leaves files of blocks `from` onwards for `digest`. */
  private scanFrom(from: number, digest: Uint8Array, state: ChainState) {
    const found: { seq: number; index: number; leaves: LeavesFile }[] = [];
    for (const rec of state.records.slice(from)) {
      // Scan only the raw records first; decode (names and all) only a batch that holds the digest.
      const hits = scanRecords(this.leafRecords(rec.seq), digest);
      if (hits.length === 0) continue;
      const leaves = this.readLeaves(rec.seq);
      for (const index of hits) found.push({ seq: rec.seq, index, leaves });
    }
    return found;
  }

  /**
   * Inclusion proofs for a stored batch whose signed root is `root`: from the
   * index's subtree roots when they rebuild that root, else the whole tree.
   */
  batchProver(leaves: LeavesFile, root: Uint8Array): InclusionProver {
    const c = this.crypto;
    const whole = () => storedBatchTree(leaves, c);
    const roots = readSubtrees(this.paths, leaves.seq, leaves.count);
    const hashes = (a: number, b: number) => storedLeafHashes(leaves, a, b, c);
    const fast = roots && subtreeProver(roots, root, hashes, leaves.count, whole, c);
    return fast ?? whole();
  }

  /**
   * Block `seq`'s raw (digest || salt) records, in a buffer reused by the next
   * call: only the records, not the names, so a scan reads 64 bytes a leaf.
   */
  private leafRecords(seq: number): Buffer {
    const file = leavesFile(this.paths, seq);
    const records = readLeafRecords(file);
    if (!records) throw this.leavesMissing(file, seq);
    return records;
  }
}

/** Receipts for leaves of one block, against the latest checkpoint in `state`. */
export class ReceiptBuilder {
  private tree?: MerkleTree;
  private readonly latest: ChainRecord;

  /**
   * `latestPath`: the newest block's history path if known (SealResult.historyPath):
   * receipts for that block then need no history tree (O(blocks) hashing per block).
   */
  constructor(
    private readonly state: ChainState,
    private readonly key?: string,
    private readonly crypto: Crypto = nobleCrypto,
    private readonly latestPath?: Uint8Array[],
  ) {
    if (state.records.length === 0) throw new NotarError('NOT_FOUND', 'the chain is empty');
    this.latest = state.records[state.records.length - 1];
  }

  /** Block `seq`'s inclusion proof in the history tree of the latest checkpoint. */
  private historyPath(seq: number): Uint8Array[] {
    if (this.latestPath && seq === this.state.records.length - 1) return this.latestPath;
    return (this.tree ??= MerkleTree.fromLeafHashes(this.state.blockHashes, this.crypto)).inclusionProof(seq);
  }

  forBlock(seq: number, batchTree: InclusionProver, leaf: (i: number) => LeafEntry): (index: number) => Receipt {
    const rec = this.state.records[seq];
    const block: Block = { seq: rec.seq, time: rec.time, size: rec.size, root: rec.root, prev: rec.prev };
    const historyPath = this.historyPath(seq);
    return (index) => {
      const e = leaf(index);
      return buildReceipt({
        digest: e.digest,
        salt: e.salt,
        index,
        leafPath: batchTree.inclusionProof(index),
        block,
        historySize: this.state.records.length,
        historyPath,
        checkpoint: this.latest.checkpoint,
        name: e.name,
        key: this.key,
      });
    };
  }

  /** Receipt builder for a stored batch. */
  forStoredBlock(leaves: LeavesFile): (index: number) => Receipt {
    return this.forBlock(leaves.seq, storedBatchTree(leaves, this.crypto), (i) => leafAt(leaves, i));
  }

  /**
   * Receipt builder for a batch just sealed: the same receipts as forBlock
   * would build (buildReceipt's fields, in its order), but every hex string is
   * cut from one native encoding of the digests, the salts and each tree level:
   * `stamp` writes up to a million receipts, and per-hash encoding dominated.
   */
  forBatch(seq: number, batch: Batch, names: readonly (string | undefined)[]): (index: number) => Receipt {
    const rec = this.state.records[seq];
    const block: Block = { seq: rec.seq, time: rec.time, size: rec.size, root: rec.root, prev: rec.prev };
    const history = { size: this.state.records.length, path: this.historyPath(seq).map(bulkHex) };
    const digests = bulkHex(batch.digests);
    const salts = bulkHex(batch.salts);
    const { checkpoint } = this.latest;
    const key = this.key;
    return (index): Receipt => {
      const sha256 = digests.slice(index * 64, index * 64 + 64);
      const name = names[index];
      const document = name === undefined ? { sha256 } : { sha256, name };
      const salt = salts.slice(index * 64, index * 64 + 64);
      const leaf = { salt, index, path: batch.tree.inclusionProofHex(index, bulkHex) };
      // Two literals, not a spread: no copy of every receipt.
      return key === undefined
        ? { format: RECEIPT_FORMAT, document, leaf, block, history, checkpoint }
        : { format: RECEIPT_FORMAT, document, leaf, block, history, checkpoint, key };
    };
  }
}

/** Lowercase hex of many bytes at once (native; the core's toHex works per byte). */
function bulkHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** The batch tree rebuilt from stored leaves (its root must equal the block's). */
export function storedBatchTree(leaves: LeavesFile, c: Crypto = nobleCrypto): MerkleTree {
  return MerkleTree.fromLeafHashes(storedLeafHashes(leaves, 0, leaves.count, c), c);
}

/** Leaf hashes of leaves [start, end), packed. */
function storedLeafHashes(leaves: LeavesFile, start: number, end: number, c: Crypto): Uint8Array {
  // One reused leaf input, 0x00 || salt || d (RFC 6962 leaf, FORMAT.md §2),
  // filled straight from the stored records (d || salt) and hashed in place.
  const packed = new Uint8Array((end - start) * HASH_SIZE);
  const input = new Uint8Array(1 + 64);
  const recs = leaves.records;
  const sha256Into = c.sha256.sha256Into;
  for (let i = start, off = start * RECORD; i < end; i++, off += RECORD) {
    input.set(recs.subarray(off + 32, off + 64), 1);
    input.set(recs.subarray(off, off + 32), 33);
    sha256Into(input, packed, (i - start) * HASH_SIZE);
  }
  return packed;
}
