/**
 * `notar stamp`: hash the documents, seal them as one batch (leaves, block,
 * signed checkpoint, durably), then write one receipt per document. Nothing
 * is sealed if any input cannot be read; receipts come only after the block
 * is on disk.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { toHex } from '../../core/bytes.js';
import { NotarError } from '../../core/errors.js';
import { MAX_RECEIPT_BYTES, parseReceipt, RECEIPT_SUFFIX, type Receipt } from '../../core/receipt.js';
import { dirnameOf, removeStaleTemps, writeFileAtomic } from '../../store/durable.js';
import { osReason } from '../../store/errno.js';
import { ReceiptBuilder } from '../../store/store.js';
import { openStoreFromOpts, type Opts } from '../common.js';
import { displayName } from '../hashing/hashing.js';
import { hashThreads, startHashing, type Hashing } from '../hashing/parallel-hash.js';
import { notice } from '../output/io.js';
import { handleInterrupts, onInterrupt, setInterruptContext } from '../interrupt.js';
import { hashingProgress, Progress } from '../output/progress.js';
import { ByteSink } from '../output/byte-sink.js';
import { batchReceiptText, type ReceiptText } from '../output/receipt-text.js';
import { stampLine, StampLines } from '../output/stamp-lines.js';
import { BlockReceipts } from '../../store/receipt-lines.js';
import type { Batch } from '../../core/batch.js';
import { signerUnlocker } from '../passphrase.js';
import { digestInputs, fileInputs, pathKey, type FileInput } from '../inputs.js';
import { AnchorCheck } from '../receipts/stamp-existing.js';
import { planReceipts } from '../receipts/stamp-paths.js';
import { resolveClerk, tryWriteRecord } from '../../store/records.js';
import { skipStamped } from '../lifecycle/stamp-again.js';
import { afterSeal } from '../post-seal.js';
import type { Sealer } from './stamp-remote.js';

interface Planned {
  readonly display: string;
  readonly name?: string;
  /** Where the receipt goes (raw bytes for a non-UTF-8 name); undefined: printed on stdout. */
  readonly receiptFile?: string | Buffer;
  /** Stdout gets the canonical receipt itself (`stamp -` without --out or --json), not NDJSON. */
  readonly plainReceipt?: boolean;
}

/**
 * An existing receipt is kept unless --force, but only one that anchors the
 * document in this store (stamp-existing.ts); one for another version of the
 * file, of another store, or damaged is in the way: reported, never overwritten.
 */
function existingReceipt(
  file: string | Buffer,
  f: FileInput,
  digest: Uint8Array,
  force: boolean,
  anchors: Pick<Sealer, 'whyNot'>,
): 'none' | 'same' | Conflict {
  let text: string;
  try {
    // Checked before sealing (even with --force): a directory or FIFO in the receipt's
    // place would otherwise hang the read or fail the write after the block is sealed.
    // throwIfNoEntry: a new receipt (the usual case) costs no exception.
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (st === undefined) return 'none';
    if (!st.isFile())
      throw new NotarError(
        'IO',
        `${displayName(file)} is in the way of the receipt: it exists and is not a regular file`,
        { hint: 'move it away, or write receipts elsewhere with --out DIR' },
      );
    if (force) return 'none';
    // Larger than any receipt: not one (and not read whole).
    if (st.size > MAX_RECEIPT_BYTES)
      return { message: `${displayName(file)} is not a receipt for the current ${f.display}`, hint: CHANGED_HINT };
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof NotarError) throw e;
    return 'none';
  }
  let receipt: Receipt;
  try {
    receipt = parseReceipt(text);
  } catch {
    return { message: `${displayName(file)} is not a receipt for the current ${f.display}`, hint: CHANGED_HINT };
  }
  if (receipt.document.sha256 !== toHex(digest))
    return { message: `${displayName(file)} is not a receipt for the current ${f.display}`, hint: CHANGED_HINT };
  const why = anchors.whyNot(receipt, digest);
  if (why === undefined) return 'same';
  return {
    message: `${displayName(file)} is a receipt for ${f.display} that does not hold in this store: ${why}`,
    hint: FOREIGN_HINT,
  };
}

interface Conflict {
  readonly message: string;
  readonly hint: string;
}

const CHANGED_HINT = 'if the document changed, move the old receipt away to keep it, or use --force to replace it';
const FOREIGN_HINT =
  "it may be another notary's receipt or a damaged one: move it away to keep it, write receipts elsewhere with --out DIR, or use --force to replace it";

interface Collected {
  digests: Uint8Array;
  /** Documents to stamp. */
  count: number;
  /** Their informational names, as kept in the leaves. */
  names: (string | undefined)[];
  /** What to do with document i's receipt (made on demand: a million plans up front cost ~100 MB). */
  plan(i: number): Planned;
  /** All receipts go to stdout as NDJSON. */
  toStdout: boolean;
  /** Some receipt goes to stdout (e.g. the one of `stamp -`), so the summary goes to stderr. */
  someToStdout?: boolean;
  kept: number;
}

async function collectFiles(inputs: FileInput[], opts: Opts, anchors: Pick<Sealer, 'whyNot'>): Promise<Collected> {
  const out = opts.out as string | undefined;
  const toFiles = Boolean(out) || !opts.json;
  // Hashing starts now (a second thread's start-up overlaps the planning below).
  let hashing = hashingOf(inputs);
  let planned: ReturnType<typeof planReceipts>;
  try {
    // Receipt paths first: a collision or an impossible name stops the run before anything is sealed.
    planned = planReceipts(inputs, out, toFiles);
  } catch (e) {
    hashing.cancel();
    throw e;
  }
  const { files, receiptFiles } = planned;
  // A file named twice is stamped once: the list changed, so the hashing starts again on it.
  if (files.length !== inputs.length) {
    hashing.cancel();
    hashing = hashingOf(files);
  }
  // Every document hashed: one that cannot be read stops the run, before anything is sealed.
  const digests = await hashAll(files, hashing);
  // Then what each receipt's place holds: nothing, a receipt to keep, or something in the way.
  const plans: Planned[] = [];
  const conflicts: Conflict[] = [];
  let kept = 0;
  for (let i = 0; i < files.length; i++) {
    const f = files[i];
    const digest = digests.subarray(i * 32, i * 32 + 32);
    const receiptFile = receiptFiles[i];
    const existing =
      receiptFile === undefined ? 'none' : existingReceipt(receiptFile, f, digest, Boolean(opts.force), anchors);
    if (existing === 'same') kept++;
    else if (existing !== 'none') conflicts.push(existing);
    else {
      // Documents to stamp keep their digests packed at the front, in order.
      digests.copyWithin(plans.length * 32, i * 32, i * 32 + 32);
      const fromStdin = f.path === '-';
      plans.push({
        display: f.display,
        name: fromStdin ? undefined : path.basename(f.display),
        receiptFile,
        plainReceipt: fromStdin && !out && !opts.json,
      });
    }
  }
  refuseConflicts(conflicts);
  return {
    digests: digests.subarray(0, plans.length * 32),
    count: plans.length,
    names: plans.map((p) => p.name),
    plan: (i) => plans[i],
    toStdout: !toFiles,
    someToStdout: plans.some((p) => p.receiptFile === undefined),
    kept,
  };
}

function hashingOf(files: FileInput[]): Hashing {
  const paths = files.map((f) => f.path);
  return startHashing(paths, { threads: hashThreads(paths) });
}

/** Packed digests of the files, in order (document i at i * 32), with a progress line for long runs. */
async function hashAll(files: FileInput[], hashing: Hashing): Promise<Uint8Array> {
  const bar = hashingProgress(files.length);
  try {
    const progress = (done: number, otherBytes: number) => {
      bar.count = done;
      bar.otherBytes = otherBytes;
      return bar.due() ? bar.pulse() : undefined;
    };
    return (await hashing.finish(progress)).digests;
  } finally {
    bar.stop();
  }
}

/**
 * A receipt for another version of a document (or a file that is not a
 * receipt, or a receipt of another store) sits where a receipt would go.
 * None is overwritten without --force, and nothing is sealed.
 */
function refuseConflicts(conflicts: Conflict[]): void {
  if (conflicts.length === 0) return;
  const more = conflicts.length > 1 ? ` (and ${conflicts.length - 1} more)` : '';
  throw new NotarError('EXISTS', `${conflicts[0].message}${more}; nothing was stamped`, { hint: conflicts[0].hint });
}

async function collectDigests(opts: Opts): Promise<Collected> {
  const { digests, names } = await digestInputs();
  const out = opts.out as string | undefined;
  const hex = (i: number) => toHex(digests.subarray(i * 32, i * 32 + 32));
  const leafNames = names.some((n) => n !== undefined)
    ? names.map((n) => (n === undefined ? undefined : path.basename(n)))
    : names;
  const plan = (i: number): Planned => ({
    get display() {
      return names[i] ?? hex(i);
    },
    name: leafNames[i],
    receiptFile: out ? path.join(out, hex(i) + RECEIPT_SUFFIX) : undefined,
  });
  return { digests, count: names.length, names: leafNames, plan, toStdout: !out, kept: 0 };
}

export async function run(args: string[], opts: Opts): Promise<number> {
  if (opts.digests && (args.length > 0 || opts.filesFrom)) {
    throw new NotarError(
      'USAGE',
      '--digests reads digests from stdin; it cannot be combined with files or --files-from',
    );
  }
  handleInterrupts('nothing was stamped');
  // --server: a notary server seals (stamp-remote.ts); otherwise the local store.
  const sealer = opts.server ? await (await import('./stamp-remote.js')).remoteSealer(opts) : localSealer(opts);
  let files: FileInput[] = [];
  if (!opts.digests) {
    files = await fileInputs(args, opts);
    if (files.length === 0)
      throw new NotarError('USAGE', 'nothing to stamp: name files, use --files-from LIST, - for stdin, or --digests', {
        hint: 'see `notar stamp --help`',
      });
    if (files.filter((f) => f.path === '-').length > 1)
      throw new NotarError('USAGE', 'stdin (-) can be stamped only once per run');
  }
  const collected = opts.digests ? await collectDigests(opts) : await collectFiles(files, opts, sealer);
  // Already stamped in this store: said and skipped unless --again (docs/lifecycle.md §1). A server checks its own store.
  const skipped = opts.server ? 0 : skipStamped(collected, openStoreFromOpts(opts), opts);
  if (collected.count === 0) {
    if (collected.kept > 0 || skipped > 0) {
      const what = [
        collected.kept ? `kept ${collected.kept} existing receipt${collected.kept === 1 ? '' : 's'}` : '',
        skipped ? `${skipped} already stamped` : '',
      ]
        .filter(Boolean)
        .join(', ');
      status(
        `nothing new to stamp: ${what} (use ${collected.kept ? '--force' : '--again'} to stamp again)`,
        collected,
        opts,
      );
      return 0;
    }
    throw new NotarError('USAGE', 'nothing to stamp: the input named no documents');
  }
  if (opts.out) mkdirOut(String(opts.out));
  checkReceiptDirs(collected);
  const sealed = await sealer.seal(collected.digests, collected.names);
  setInterruptContext(`block ${sealed.record.seq} is sealed, but not every receipt was written`, sealer.proveHint);
  for (const msg of sealed.recovered) notice(`recovered: ${msg}`);
  const unwritten = opts.receipts === false ? [] : await emitReceipts(collected, sealed, opts);
  summary(sealer.origin, sealed.record, collected, opts);
  reportUnwritten(unwritten, sealed.record.seq);
  return 0;
}

/** Sealing in the local store: its lock, its key; receipts built from the sealed batch. */
function localSealer(opts: Opts): Sealer {
  const store = openStoreFromOpts(opts);
  // The key file and the passphrase's source are checked now; a prompt waits until the inputs are read.
  const unlock = signerUnlocker(store, opts);
  const anchors = new AnchorCheck(store);
  // Who stamps (docs/lifecycle.md §1): checked now, recorded once the block is sealed.
  const clerk = resolveClerk(opts.clerk);
  return {
    origin: store.origin,
    proveHint:
      'the store is intact; rebuild missing receipts with `notar prove FILE` (or `notar prove --out DIR FILE`)',
    whyNot: (r, digest) => anchors.whyNot(r, digest),
    async seal(digests, names) {
      const signer = await unlock();
      const sealed = await store.seal({ digests, names }, signer);
      // The block is sealed: a record that cannot be written must not cost its receipts.
      const unrecorded = tryWriteRecord(store.paths, sealed.record, clerk, signer, store.crypto);
      if (unrecorded)
        notice(`warning: block ${sealed.record.seq} is sealed but who stamped it was not recorded: ${unrecorded}`);
      // Witnesses (issue 12): the checkpoint in the receipts carries the cosignatures that arrived in time.
      const state = await (await import('./stamp-witness.js')).witnessSealed(store, sealed.state, opts);
      // Then trusted time (issue 14, ../post-seal.ts): RFC 3161 tokens over the checkpoint body,
      // which cosignatures (signature lines) do not change.
      const { timestamps } = await afterSeal(store, sealed.record, opts);
      let receipt: ((i: number) => Receipt) | undefined;
      // Built on first use: --no-receipts never pays for it.
      const built = (i: number) =>
        (receipt ??= new ReceiptBuilder(state, signer.text, store.crypto).forBatch(
          sealed.record.seq,
          sealed.batch,
          names,
        ))(i);
      const lazy = timestamps ? (i: number): Receipt => ({ ...built(i), timestamps }) : built;
      const one = plainReceipt(new ReceiptBuilder(state, signer.text, store.crypto), sealed, names, timestamps);
      const lines = (end: string) => new BlockReceipts(one, sealed.batch, names, end);
      return { record: sealed.record, receipt: lazy, recovered: sealed.recovered, lines };
    },
  };
}

/**
 * Receipts of a batch just sealed, built the plain way (forBlock), one at a
 * time: what the byte lines are checked against. Not forBatch, which encodes
 * every digest, salt and tree level up front (256 MB of text for 10^6).
 */
function plainReceipt(
  builder: ReceiptBuilder,
  sealed: { record: { seq: number }; batch: Batch },
  names: readonly (string | undefined)[],
  timestamps: string[] | undefined,
): (i: number) => Receipt {
  const { digests, salts, tree } = sealed.batch;
  const leaf = (k: number) => ({
    digest: digests.subarray(32 * k, 32 * k + 32),
    salt: salts.subarray(32 * k, 32 * k + 32),
    name: names[k],
  });
  // Made on first use (the history path costs a hash per block): --no-receipts never pays for it.
  let build: ((i: number) => Receipt) | undefined;
  return (i) => {
    build ??= builder.forBlock(sealed.record.seq, tree, leaf);
    return timestamps ? { ...build(i), timestamps } : build(i);
  };
}

/**
 * Every receipt directory (or, if not there yet, its nearest existing
 * ancestor) must be writable before anything is sealed: otherwise the block
 * would be sealed and its receipts could not be written. One access() per
 * distinct directory.
 */
function checkReceiptDirs(c: Collected): void {
  if (c.toStdout) return;
  const seen = new Set<string>();
  for (let i = 0; i < c.count; i++) {
    const p = c.plan(i);
    if (p.receiptFile === undefined) continue;
    let dir = dirnameOf(p.receiptFile);
    const key = pathKey(dir);
    if (seen.has(key)) continue;
    seen.add(key);
    for (;;) {
      try {
        fs.accessSync(dir, fs.constants.W_OK);
        break;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        const parent = dirnameOf(dir);
        if (code === 'ENOENT' && String(parent) !== String(dir)) {
          dir = parent;
          continue;
        }
        throw new NotarError(
          'IO',
          `cannot write receipts in ${typeof dir === 'string' ? path.resolve(dir) : displayName(dir)}: ${osReason(e)}`,
          { hint: 'nothing was stamped; write receipts elsewhere with --out DIR, or use --json' },
        );
      }
    }
  }
}

function mkdirOut(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new NotarError('IO', `cannot create --out directory ${dir}: ${(e as Error).message}`);
  }
}

/** A receipt that could not be written: the document is sealed all the same. */
interface Unwritten {
  readonly display: string;
  readonly file: string | Buffer;
  readonly index: number;
  readonly error: unknown;
}

type Sealed = Awaited<ReturnType<Sealer['seal']>>;

/** Writes/prints every receipt; one that cannot be written does not stop the others. */
async function emitReceipts(c: Collected, sealed: Sealed, opts: Opts): Promise<Unwritten[]> {
  // NDJSON goes out in pieces of 1 MiB, encoded straight into one buffer (byte-sink.ts).
  const out = new ByteSink(1);
  // Every receipt on stdout, of a batch sealed here: the lines as bytes (stamp-lines.ts).
  const lines = c.toStdout && sealed.lines ? fastLines(c, sealed, sealed.lines) : undefined;
  if (lines) {
    await forEachReceipt(c.count, out, (i) => lines.write(i, c.plan(i).display, out));
    return [];
  }
  const receipt = sealed.receipt;
  const dirs = new ReceiptDirs();
  const unwritten: Unwritten[] = [];
  let text: ReceiptText | undefined;
  await forEachReceipt(c.count, out, (i) => {
    let p = c.plan(i);
    const r = receipt(i);
    text ??= batchReceiptText(r);
    if (p.receiptFile !== undefined) {
      const error = writeReceipt(p.receiptFile, text.pretty(r), dirs);
      if (error !== undefined) {
        unwritten.push({ display: p.display, file: p.receiptFile, index: i, error });
        // With --json the receipt is not lost: its line carries the receipt itself.
        if (opts.json) p = { ...p, receiptFile: undefined };
      }
    }
    if (p.plainReceipt) out.text(text.pretty(r));
    else if (opts.json || p.receiptFile === undefined) ndjson(p, r, text, out);
  });
  if (dirs.tempsRemoved)
    notice(
      `recovered: removed ${dirs.tempsRemoved} temporary file${dirs.tempsRemoved === 1 ? '' : 's'} left by interrupted receipt writes`,
    );
  return unwritten;
}

/** The byte encoder of the lines, if its first line is the one ndjson() would write. */
function fastLines(c: Collected, sealed: Sealed, blocks: (end: string) => BlockReceipts): StampLines | undefined {
  const receipts = blocks('}\n');
  const lines = new StampLines(receipts, sealed.record.seq, sealed.record.time);
  return lines.matches(0, c.plan(0).display, stampLine(c.plan(0).display, receipts.receiptAt(0))) ? lines : undefined;
}

/** `each` for receipts 0 … count-1, with a progress line; interrupted, the whole lines made so far still go out. */
async function forEachReceipt(count: number, out: ByteSink, each: (i: number) => void): Promise<void> {
  const bar = new Progress((p) => `wrote ${p.count} of ${count} receipts`);
  const offInterrupt = onInterrupt(() => out.flush());
  try {
    for (let i = 0; i < count; i++) {
      each(i);
      bar.count = i + 1;
      if (bar.due()) await bar.pulse();
    }
  } finally {
    bar.stop();
    offInterrupt();
    out.flush();
  }
}

/** Receipt directories made (once per run, not once per receipt) and cleaned of abandoned temp files. */
class ReceiptDirs {
  private readonly made = new Set<string>();
  tempsRemoved = 0;

  prepare(dir: string | Buffer): void {
    const key = pathKey(dir);
    if (this.made.has(key)) return;
    fs.mkdirSync(dir, { recursive: true });
    this.made.add(key);
    // A killed stamp or refresh leaves `.notar-<pid>-….tmp` files here (issue 10, item 15).
    this.tempsRemoved += removeStaleTemps(dir, { userDir: true });
  }
}

/** undefined when written; else the error. */
function writeReceipt(file: string | Buffer, text: string, dirs: ReceiptDirs): unknown {
  try {
    dirs.prepare(dirnameOf(file));
    // Receipts can be rebuilt from the store (`notar prove`), so no fsync: atomic is enough.
    writeFileAtomic(file, text, { durable: false });
    return undefined;
  } catch (e) {
    return e;
  }
}

/** At most this many unwritten receipts are listed one per line (a full disk fails them all). */
const MAX_LISTED = 20;

/**
 * After the summary: one `notar: error:` line per unwritten receipt, exit 2.
 * All but the last are written here, because report() prints one error; the
 * last is thrown, with the hint.
 */
function reportUnwritten(unwritten: Unwritten[], seq: number): void {
  if (unwritten.length === 0) return;
  const line = (u: Unwritten) =>
    `${u.display} is stamped (block ${seq}, leaf ${u.index}), but its receipt ${displayName(u.file)} was not written: ${osReason(u.error)}`;
  const listed = unwritten.slice(0, MAX_LISTED);
  for (const u of listed.slice(0, -1)) process.stderr.write(`notar: error: ${line(u)}\n`);
  const more =
    unwritten.length > listed.length ? ` (and ${unwritten.length - listed.length} more receipts were not written)` : '';
  throw new NotarError('IO', line(listed[listed.length - 1]) + more, {
    hint: 'the documents are in the store: once the problem is fixed, rebuild a missing receipt with `notar prove DOCUMENT > RECEIPT`',
  });
}

/** JSON.stringify({document, sha256, seq, index, time, receipt | receiptFile}) + '\n', built by hand (same text). */
function ndjson(p: Planned, r: Receipt, text: ReceiptText, out: ByteSink): void {
  const head = `{"document":${JSON.stringify(p.display)},"sha256":"${r.document.sha256}","seq":${r.block.seq},"index":${r.leaf.index},"time":${JSON.stringify(r.block.time)},`;
  if (p.receiptFile !== undefined) out.text(`${head}"receiptFile":${JSON.stringify(displayName(p.receiptFile))}}\n`);
  else text.compactTo(r, out, `${head}"receipt":`, '}\n');
}

/**
 * The status line ("stamped N documents …", "nothing new to stamp …") goes to
 * stdout, unless stdout carries data (receipts: `-`, `--json`, `--digests`
 * without --out): then to stderr, prefixed `notar:`, so the data stays clean.
 */
function status(text: string, c: Collected, opts: Opts): void {
  const stdoutCarriesData = Boolean(opts.json) || (opts.receipts !== false && (c.toStdout || Boolean(c.someToStdout)));
  if (stdoutCarriesData) process.stderr.write(`notar: ${text}\n`);
  else process.stdout.write(`${text}\n`);
}

function summary(
  origin: string,
  rec: { seq: number; time: string; root: string; size: number },
  c: Collected,
  opts: Opts,
): void {
  const kept = c.kept ? `; kept ${c.kept} existing receipt${c.kept === 1 ? '' : 's'}` : '';
  // c.count, not rec.size: through a server the block also holds other clerks' documents.
  status(
    `stamped ${c.count} document${c.count === 1 ? '' : 's'} in block ${rec.seq} of ${origin} at ${rec.time} (root ${rec.root.slice(0, 16)}…)${kept}`,
    c,
    opts,
  );
}
