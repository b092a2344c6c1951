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
 *
 * Sealing order gives the durability guarantees: leaves file (fsynced), then
 * the block line (fsynced); receipts only after that.
 */
import * as fs from 'node:fs';
import { buildPackedBatch, saltsFor, type Batch } from '../core/batch.js';
import { Block, formatTime, nextBlock } from '../core/block.js';
import { ChainRecord, formatChainRecord } from '../core/chain.js';
import { formatCheckpoint } from '../core/checkpoint.js';
import { NotarError } from '../core/errors.js';
import { checkKeys, expectString, parseJson } from '../core/json.js';
import { sha256Into } from '../core/hash.js';
import { HASH_SIZE, MerkleTree } from '../core/merkle.js';
import { parseVerifierKey, signNote, type Signer, type Verifier } from '../core/note.js';
import { buildReceipt, RECEIPT_FORMAT, type Receipt } from '../core/receipt.js';
import { blockHash } from '../core/block.js';
import { readRegularFile, readStoreText } from './capped-read.js';
import { ChainState, classifyTail, countLines, parseChain, readChainBytes } from './chainfile.js';
import { appendDurable, fsyncDir, removeStaleTemps, writeFileAtomic } from './durable.js';
import { isKeyEncrypted, openKey, sealKey } from './keyfile.js';
import { decodeLeaves, leavesPieces, leafAt, LEAVES_HEADER_SIZE, RECORD, recordsExtent, scanRecords, type LeafEntry, type LeavesFile } from './leaves.js';
import { acquireLock } from './lock.js';
import { osReason } from './errno.js';
import { leavesFile, StorePaths, storePaths } from './paths.js';

export const STORE_FORMAT = 'notar-store/1';

/** Reused by findDocument across batches: scanning a million leaves allocates once. */
let scanBuffer = Buffer.alloc(0);

export interface SealResult {
  readonly record: ChainRecord;
  readonly batch: Batch;
  readonly state: ChainState;
  /** What recovery did before sealing (stale lock, torn tail), for the user. */
  readonly recovered: string[];
}

/** Documents to seal: packed 32-byte digests, and optional informational names. */
export interface DocumentBatch {
  readonly digests: Uint8Array;
  readonly names: readonly (string | undefined)[];
}

export function storeIo(e: unknown, what: string, hint?: string): NotarError {
  return new NotarError('IO', `${what}: ${osReason(e)}`, { hint, cause: e });
}

export function initStore(dir: string, signer: Signer, passphrase: string | null): Store {
  const paths = storePaths(dir);
  if (fs.existsSync(paths.config)) {
    throw new NotarError('EXISTS', `a notar store already exists at ${dir}`, { hint: 'use another --store, or keep using this one' });
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
  return new Store(paths, signer.name);
}

export function openStore(dir: string): Store {
  const paths = storePaths(dir);
  let text: string;
  try {
    text = readStoreText(paths.config, 4096);
  } catch (e) {
    if (e instanceof NotarError) throw new NotarError('STORE', `${paths.config}: ${e.message}`, { hint: e.hint });
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new NotarError('STORE', `no notar store at ${dir}`, { hint: 'create one with `notar init --name <origin>`, or point --store / NOTAR_STORE at yours' });
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
  return new Store(paths, origin);
}

export class Store {
  constructor(
    readonly paths: StorePaths,
    readonly origin: string,
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
      signer = openKey(text, passphrase);
    } catch (e) {
      // Name the file: "signer key must look like …" alone does not say where.
      if (e instanceof NotarError && e.code === 'KEY_FORMAT') throw new NotarError('STORE', `${this.paths.key}: ${e.message}`, { hint: 'restore key.json from your backup, or import the key with `notar key import`' });
      throw e;
    }
    if (signer.name !== this.origin) {
      throw new NotarError('STORE', `the signing key is named ${signer.name} but the store's origin is ${this.origin}`);
    }
    return signer;
  }

  /** Replaces the signing key (key import). */
  replaceKey(signer: Signer, passphrase: string | null): void {
    if (signer.name !== this.origin) {
      throw new NotarError('KEY_FORMAT', `key is named ${signer.name}; this store's origin is ${this.origin}`, { hint: 'a store keeps one origin; create a new store for another name' });
    }
    writeFileAtomic(this.paths.key, sealKey(signer, passphrase), { mode: 0o600 });
    writeFileAtomic(this.paths.verifierKey, signer.text + '\n');
  }

  readChain(): ChainState {
    let data: Buffer;
    try {
      data = readChainBytes(this.paths.chain);
    } catch (e) {
      throw storeIo(e, `cannot read ${this.paths.chain}`);
    }
    return parseChain(data, this.paths.chain);
  }

  private leavesMissing(file: string, seq: number): NotarError {
    return new NotarError('CHAIN_INVALID', `${file}: the leaves of block ${seq} are missing`, { hint: 'restore the store from a backup' });
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
    const leaves = decodeLeaves(data, file, verifier);
    if (leaves.seq !== seq) throw new NotarError('CHAIN_INVALID', `${file}: holds the leaves of block ${leaves.seq}, not ${seq}`);
    return leaves;
  }

  /**
   * A torn last line is removed unless it is a complete, valid next block
   * missing only its newline (complete blocks are never dropped).
   */
  private recoverTail(): string | undefined {
    const data = readChainBytes(this.paths.chain);
    const end = data.lastIndexOf(0x0a) + 1;
    if (end === data.length) return undefined;
    const nextSeq = countLines(data, end);
    const kind = classifyTail(data.subarray(end), nextSeq);
    if (kind === 'complete') {
      appendDurable(this.paths.chain, '\n');
      return `completed block ${nextSeq}, whose final newline was lost in an interrupted stamp`;
    }
    if (kind === 'damaged') {
      // A whole block line is there: it may have receipts, so it is never thrown away.
      throw new NotarError('CHAIN_INVALID', `${this.paths.chain}: the last line holds a complete block but is damaged (it does not end in a newline)`, {
        hint: 'run `notar chain verify`; restore the chain from a backup',
      });
    }
    const fd = fs.openSync(this.paths.chain, 'r+');
    try {
      fs.ftruncateSync(fd, end);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    return `removed ${data.length - end} bytes of an incomplete block line left by an interrupted stamp`;
  }

  /** Seals one batch: leaves, block, signed checkpoint, durably, under the lock. */
  async seal(docs: DocumentBatch, signer: Signer, opts: { now?: Date; lockTimeoutMs?: number } = {}): Promise<SealResult> {
    let lock;
    try {
      lock = await acquireLock(this.paths.dir, opts.lockTimeoutMs ?? 120_000);
    } catch (e) {
      if (e instanceof NotarError) throw e;
      throw storeIo(e, `cannot lock the store at ${this.paths.dir}`, 'stamping needs a writable store');
    }
    try {
      const recovered = lock.recovered ? [lock.recovered] : [];
      const tail = this.recoverTail();
      if (tail) recovered.push(tail);
      const sealed = this.sealLocked(docs, signer, opts.now ?? new Date());
      // Leaves temp files are only written under the lock, so they can be abandoned only when a
      // holder died (a stale lock or a torn tail just recovered): scan leaves/ only then.
      const crashed = recovered.length > 0;
      const temps = removeStaleTemps(this.paths.dir) + (crashed ? removeStaleTemps(this.paths.leaves, { minAgeMs: 0, anyPid: true }) : 0);
      if (temps) recovered.push(`removed ${temps} temporary file${temps === 1 ? '' : 's'} left by interrupted writes`);
      return { ...sealed, recovered };
    } catch (e) {
      if (e instanceof NotarError) throw e;
      throw storeIo(e, `cannot write to the store at ${this.paths.dir}`);
    } finally {
      lock.release();
    }
  }

  private sealLocked(docs: DocumentBatch, signer: Signer, now: Date): Omit<SealResult, 'recovered'> {
    const state = this.readChain();
    const last = state.records[state.records.length - 1];
    const salts = saltsFor(docs.digests);
    const seq = last ? last.seq + 1 : 0;
    fs.mkdirSync(this.paths.leaves, { recursive: true, mode: 0o700 });
    // The leaves file (written in 1 MiB pieces: 66 MB at 10^6 documents never
    // in memory whole), then the tree; the order of the durable writes is unchanged.
    writeFileAtomic(leavesFile(this.paths, seq), leavesPieces(seq, { count: salts.length / 32, digests: docs.digests, salts }, docs.names, signer));
    const batch = buildPackedBatch(docs.digests, salts);
    // Block times never go backwards, even if the clock does.
    const time = last && formatTime(now) < last.time ? last.time : formatTime(now);
    const block = nextBlock(last, batch.count, batch.root, time);
    const blockHashes = new Uint8Array(state.blockHashes.length + HASH_SIZE);
    blockHashes.set(state.blockHashes);
    blockHashes.set(blockHash(block), state.blockHashes.length);
    const history = MerkleTree.fromLeafHashes(blockHashes);
    const checkpoint = signNote(formatCheckpoint({ origin: this.origin, size: block.seq + 1, root: history.root() }), signer);
    const record: ChainRecord = { ...block, checkpoint };
    appendDurable(this.paths.chain, formatChainRecord(record) + '\n');
    return { record, batch, state: { records: [...state.records, record], blockHashes } };
  }

  /** Every (seq, index) whose document digest is `digest`, oldest first. */
  findDocument(digest: Uint8Array, state: ChainState = this.readChain()): { seq: number; index: number; leaves: LeavesFile }[] {
    const found: { seq: number; index: number; leaves: LeavesFile }[] = [];
    for (const rec of state.records) {
      // Scan only the raw records first; decode (names and all) only a batch that holds the digest.
      const hits = this.scanLeaves(rec.seq, digest);
      if (hits.length === 0) continue;
      const leaves = this.readLeaves(rec.seq);
      for (const index of hits) found.push({ seq: rec.seq, index, leaves });
    }
    return found;
  }

  /** Reads just the records of block `seq`'s leaves into a reused buffer and scans them. */
  private scanLeaves(seq: number, digest: Uint8Array): number[] {
    const file = leavesFile(this.paths, seq);
    let fd: number;
    try {
      // Non-blocking: a FIFO in its place must not hang the open (its size 0 is then refused).
      fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw this.leavesMissing(file, seq);
      throw storeIo(e, `cannot read ${file}`);
    }
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile()) throw storeIo(new Error('not a regular file (a device, FIFO or socket is in its place)'), `cannot read ${file}`);
      const header = Buffer.alloc(LEAVES_HEADER_SIZE);
      fs.readSync(fd, header, 0, header.length, 0);
      const { offset, count } = recordsExtent(header, st.size, file);
      const len = count * RECORD;
      if (scanBuffer.length < len) scanBuffer = Buffer.allocUnsafe(len);
      const records = scanBuffer.subarray(0, len);
      if (fs.readSync(fd, records, 0, len, offset) !== len) throw storeIo(new Error('short read'), `cannot read ${file}`);
      return scanRecords(records, digest);
    } finally {
      fs.closeSync(fd);
    }
  }
}

/** Receipts for leaves of one block, against the latest checkpoint in `state`. */
export class ReceiptBuilder {
  private readonly history: MerkleTree;
  private readonly latest: ChainRecord;

  constructor(
    private readonly state: ChainState,
    private readonly key?: string,
  ) {
    if (state.records.length === 0) throw new NotarError('NOT_FOUND', 'the chain is empty');
    this.history = MerkleTree.fromLeafHashes(state.blockHashes);
    this.latest = state.records[state.records.length - 1];
  }

  forBlock(seq: number, batchTree: MerkleTree, leaf: (i: number) => LeafEntry): (index: number) => Receipt {
    const rec = this.state.records[seq];
    const block: Block = { seq: rec.seq, time: rec.time, size: rec.size, root: rec.root, prev: rec.prev };
    const historyPath = this.history.inclusionProof(seq);
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
    return this.forBlock(leaves.seq, storedBatchTree(leaves), (i) => leafAt(leaves, i));
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
    const history = { size: this.state.records.length, path: this.history.inclusionProof(seq).map(bulkHex) };
    const digests = bulkHex(batch.digests);
    const salts = bulkHex(batch.salts);
    const { checkpoint } = this.latest;
    const key = this.key;
    return (index) => {
      const sha256 = digests.slice(index * 64, index * 64 + 64);
      const name = names[index];
      const r: Receipt = {
        format: RECEIPT_FORMAT,
        document: name === undefined ? { sha256 } : { sha256, name },
        leaf: { salt: salts.slice(index * 64, index * 64 + 64), index, path: batch.tree.inclusionProofHex(index, bulkHex) },
        block,
        history,
        checkpoint,
      };
      return key === undefined ? r : { ...r, key };
    };
  }
}

/** Lowercase hex of many bytes at once (native; the core's toHex works per byte). */
function bulkHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** The batch tree rebuilt from stored leaves (its root must equal the block's). */
export function storedBatchTree(leaves: LeavesFile): MerkleTree {
  // One reused leaf input, 0x00 || salt || d (RFC 6962 leaf, FORMAT.md §2),
  // filled straight from the stored records (d || salt) and hashed in place:
  // `prove` rebuilds a whole batch per receipt.
  const packed = new Uint8Array(leaves.count * HASH_SIZE);
  const input = new Uint8Array(1 + 64);
  const recs = leaves.records;
  for (let i = 0, off = 0; i < leaves.count; i++, off += RECORD) {
    for (let j = 0; j < 32; j++) {
      input[1 + j] = recs[off + 32 + j];
      input[33 + j] = recs[off + j];
    }
    sha256Into(input, packed, i * HASH_SIZE);
  }
  return MerkleTree.fromLeafHashes(packed);
}
