/**
 * `notar prove FILE... | --files-from LIST [-0] | --sha256 HEX [--out DIR]`:
 * rebuilds the receipts of stamped documents from the store, against the
 * latest checkpoint. Several documents need --out, and all must be found
 * before any receipt is written. --files-from keeps names as raw bytes, so a
 * name that is not UTF-8 (which argv cannot carry) can be proved.
 *
 * Every stamping of the digest is found (the same document may have been
 * stamped more than once). Without --out the most recent receipt is printed
 * as exactly its canonical text, so `notar prove f > f.notar.json` works;
 * older stampings are only mentioned on stderr. With --out DIR every
 * stamping is written: the most recent as `DIR/<name>.notar.json`, older
 * ones as `DIR/<name>.<seq>-<index>.notar.json` (<name> is the file's base
 * name, or the hex digest with --sha256); the paths written go to stdout.
 *
 * Fast by construction: the proof index (store/proof-index.ts) says which
 * batches hold the digest, and only the leaf's own 256-leaf subtree is
 * hashed; without an index the leaves files are scanned as raw bytes
 * (Store.findDocument) and the batch tree rebuilt.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { equalBytes, fromHex, toHex } from '../../core/bytes.js';
import { HASH_SIZE } from '../../core/merkle.js';
import { leafAt } from '../../store/leaves.js';
import { NotarError } from '../../core/errors.js';
import { formatReceipt, MAX_RECEIPT_BYTES, parseReceipt, RECEIPT_SUFFIX, type Receipt } from '../../core/receipt.js';
import { verifyReceipt } from '../../core/verify.js';
import { readCapped, TooLargeError } from '../../store/capped-read.js';
import { writeFileAtomic } from '../../store/durable.js';
import { ReceiptBuilder, type Store } from '../../store/store.js';
import { storedTimestamps } from '../time/receipt-timestamps.js';
import { openStoreFromOpts, type Opts } from '../common.js';
import { digestFile, displayName } from '../hashing/hashing.js';
import { notice } from '../output/io.js';
import { parseDigestOption } from '../receipts/receipt-read.js';
import { fileInputs, pathKey, type FileInput } from '../inputs.js';

interface Target {
  readonly digest: Uint8Array;
  /** What the user asked about, for messages. */
  readonly label: string;
  /** Base of the receipt file names under --out (raw bytes for a name that is not UTF-8). */
  readonly base: string | Buffer;
}

async function targets(args: string[], opts: Opts): Promise<Target[]> {
  if (typeof opts.sha256 === 'string') {
    if (args.length > 0 || opts.filesFrom !== undefined)
      throw new NotarError('USAGE', 'give either a document FILE or --sha256 HEX, not both');
    const digest = parseDigestOption(opts.sha256);
    return [{ digest, label: `the document with SHA-256 ${toHex(digest)}`, base: toHex(digest) }];
  }
  const inputs = await fileInputs(args, opts);
  if (inputs.length === 0)
    throw new NotarError('USAGE', 'name the stamped document (or give --sha256 HEX)', {
      hint: 'notar prove deed.pdf > deed.pdf.notar.json',
    });
  if (inputs.length > 1 && typeof opts.out !== 'string') {
    throw new NotarError('USAGE', `${inputs.length} documents named, but stdout holds one receipt`, {
      hint: 'write them into a directory with --out DIR',
    });
  }
  if (inputs.filter((f) => f.path === '-').length > 1)
    throw new NotarError('USAGE', 'standard input (-) can be proved only once per run');
  return inputs.map((f) => ({
    digest: digestFile(f.path),
    label: f.path === '-' ? 'the document on standard input' : f.display,
    base: baseName(f),
  }));
}

/** The file name without its directories; a raw-byte name stays bytes (latin1: one char per byte). */
function baseName(f: FileInput): string | Buffer {
  if (f.path === '-') return 'stdin';
  return typeof f.path === 'string'
    ? path.basename(f.path)
    : Buffer.from(path.basename(f.path.toString('latin1')), 'latin1');
}

/** The store's receipts for `digest`, oldest first, each checked before it is handed out. */
function rebuild(store: Store, t: Target): Receipt[] {
  const state = store.readChain();
  const found = state.records.length === 0 ? [] : store.findDocument(t.digest, state);
  if (found.length === 0) {
    throw new NotarError('NOT_FOUND', `${t.label} was never stamped in this store (${store.origin})`, {
      hint: 'check that it is the exact file that was stamped (any change alters its SHA-256) and the right --store',
    });
  }
  const verifier = store.verifier();
  const builders = new Map<number, (index: number) => Receipt>();
  const builder = new ReceiptBuilder(state, verifier.text, store.crypto);
  // The latest checkpoint's RFC 3161 tokens, if the store has any (docs/timestamps.md).
  const timestamps = storedTimestamps(store, state.records.length - 1);
  return found.map(({ seq, index, leaves }) => {
    let forBlock = builders.get(seq);
    if (!forBlock) {
      const root = fromHex(state.records[seq].root, 'block root', HASH_SIZE);
      forBlock = builder.forBlock(seq, store.batchProver(leaves, root), (i) => leafAt(leaves, i));
      builders.set(seq, forBlock);
    }
    const receipt = timestamps ? { ...forBlock(index), timestamps } : forBlock(index);
    // Never hand out a receipt that does not verify: that would mean the store is damaged.
    const check = verifyReceipt(receipt, t.digest, [verifier], store.crypto);
    if (!check.ok) {
      throw new NotarError(
        'CHAIN_INVALID',
        `the store is damaged: the rebuilt receipt for block ${seq} does not verify (${check.step}: ${check.reason})`,
        { hint: 'run `notar chain verify` for a full report' },
      );
    }
    return receipt;
  });
}

export async function run(args: string[], opts: Opts): Promise<number> {
  const ts = await targets(args, opts);
  const store = openStoreFromOpts(opts);
  // Every document is found before anything is written.
  const found = ts.map((t) => ({ t, receipts: rebuild(store, t) }));
  if (typeof opts.out === 'string') {
    writeAll(opts.out, found);
    return 0;
  }
  const [{ t, receipts }] = found;
  const latest = receipts[receipts.length - 1];
  process.stdout.write(formatReceipt(latest));
  if (receipts.length > 1) {
    const where = (r: Receipt) => `block ${r.block.seq} document ${r.leaf.index + 1} (${r.block.time})`;
    const older = receipts.slice(0, -1).map(where).join(', ');
    notice(
      `${t.label} was stamped ${receipts.length} times; printed the most recent, ${where(latest)}; the others: ${older}; use --out DIR to write them all`,
    );
  }
  return 0;
}

function outName(t: Target, r: Receipt, latest: boolean): string | Buffer {
  const tail = latest ? RECEIPT_SUFFIX : `.${r.block.seq}-${r.leaf.index}${RECEIPT_SUFFIX}`;
  return typeof t.base === 'string' ? t.base + tail : Buffer.concat([t.base, Buffer.from(tail)]);
}

/** DIR joined with a name; raw bytes stay bytes. */
function inDir(dir: string, name: string | Buffer): string | Buffer {
  return typeof name === 'string'
    ? path.join(dir, name)
    : Buffer.concat([Buffer.from(path.join(dir, 'x').slice(0, -1)), name]);
}

interface Planned {
  readonly file: string | Buffer;
  readonly digest: Uint8Array;
  readonly receipt: Receipt;
  readonly label: string;
}

/** Where each receipt goes; two documents whose receipts would share a name are refused. */
function plan(dir: string, found: { t: Target; receipts: Receipt[] }[]): Planned[] {
  const byName = new Map<string, Planned>();
  for (const { t, receipts } of found) {
    receipts.forEach((receipt, i) => {
      const file = inDir(dir, outName(t, receipt, i === receipts.length - 1));
      const key = pathKey(file);
      const before = byName.get(key);
      if (before && !equalBytes(before.digest, t.digest)) {
        throw new NotarError(
          'USAGE',
          `${before.label} and ${t.label} would both be written as ${displayName(file)}; nothing was written`,
          { hint: 'prove documents with the same file name into different --out directories' },
        );
      }
      byName.set(key, { file, digest: t.digest, receipt, label: t.label });
    });
  }
  return [...byName.values()];
}

function writeAll(dir: string, found: { t: Target; receipts: Receipt[] }[]): void {
  const planned = plan(dir, found);
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new NotarError('IO', `cannot create --out directory ${dir}: ${(e as Error).message}`);
  }
  // Check every target first, so a refusal leaves nothing half-written.
  planned.forEach((p) => refuseForeign(p.file, p.digest));
  const written: Buffer[] = [];
  for (const p of planned) {
    try {
      writeFileAtomic(p.file, formatReceipt(p.receipt), { durable: false });
    } catch (e) {
      throw new NotarError('IO', `cannot write ${displayName(p.file)}: ${(e as Error).message}`);
    }
    // The path as bytes: a name that is not UTF-8 is printed as it is on disk.
    written.push(Buffer.from(p.file), Buffer.from('\n'));
  }
  process.stdout.write(Buffer.concat(written));
}

/** An existing file is replaced only if it is a receipt for the same document. */
function refuseForeign(file: string | Buffer, digest: Uint8Array): void {
  let text: string;
  try {
    if (fs.statSync(file).isDirectory())
      throw new NotarError('EXISTS', `${displayName(file)} is a directory; not replacing it`);
    // Capped and non-blocking: a FIFO or a huge file there is refused below, not read forever.
    text = readCapped(file, MAX_RECEIPT_BYTES, displayName(file)).toString('utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    if (e instanceof TooLargeError) text = '';
    else if (e instanceof NotarError) throw e;
    else throw new NotarError('IO', `cannot read ${displayName(file)}: ${(e as Error).message}`);
  }
  let same = false;
  try {
    same = parseReceipt(text).document.sha256 === toHex(digest);
  } catch {
    /* not a receipt: refused below */
  }
  if (!same)
    throw new NotarError(
      'EXISTS',
      `${displayName(file)} exists and is not a receipt for this document; not replacing it`,
      { hint: 'choose another --out directory, or move that file away' },
    );
}
