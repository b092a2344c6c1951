/**
 * `notar prove FILE | --sha256 HEX [--out DIR]`: rebuilds the receipt of a
 * stamped document from the store, against the latest checkpoint.
 *
 * Every stamping of the digest is found (the same document may have been
 * stamped more than once). Without --out the most recent receipt is printed
 * as exactly its canonical text, so `notar prove f > f.notar.json` works;
 * older stampings are only mentioned on stderr. With --out DIR every
 * stamping is written: the most recent as `DIR/<name>.notar.json`, older
 * ones as `DIR/<name>.<seq>-<index>.notar.json` (<name> is the file's base
 * name, or the hex digest with --sha256); the paths written go to stdout.
 *
 * Fast by construction: only the leaves files are read, scanned as raw bytes
 * (Store.findDocument), and only the batches that hold the digest get their
 * tree rebuilt.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { toHex } from '../core/bytes.js';
import { NotarError } from '../core/errors.js';
import { formatReceipt, MAX_RECEIPT_BYTES, parseReceipt, type Receipt } from '../core/receipt.js';
import { verifyReceipt } from '../core/verify.js';
import { readCapped, TooLargeError } from '../store/capped-read.js';
import { writeFileAtomic } from '../store/durable.js';
import { ReceiptBuilder, type Store } from '../store/store.js';
import { openStoreFromOpts, type Opts } from './common.js';
import { digestFile } from './hashing.js';
import { notice } from './io.js';
import { parseDigestOption, RECEIPT_SUFFIX } from './receipt-read.js';

interface Target {
  readonly digest: Uint8Array;
  /** What the user asked about, for messages. */
  readonly label: string;
  /** Base of the receipt file names under --out. */
  readonly base: string;
}

function target(args: string[], opts: Opts): Target {
  const file = args[0];
  if (typeof opts.sha256 === 'string') {
    if (file !== undefined) throw new NotarError('USAGE', 'give either a document FILE or --sha256 HEX, not both');
    const digest = parseDigestOption(opts.sha256);
    return { digest, label: `the document with SHA-256 ${toHex(digest)}`, base: toHex(digest) };
  }
  if (file === undefined) throw new NotarError('USAGE', 'name the stamped document (or give --sha256 HEX)', { hint: 'notar prove deed.pdf > deed.pdf.notar.json' });
  const base = file === '-' ? 'stdin' : path.basename(file);
  return { digest: digestFile(file), label: file === '-' ? 'the document on standard input' : file, base };
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
  const builder = new ReceiptBuilder(state, verifier.text);
  return found.map(({ seq, index, leaves }) => {
    let forBlock = builders.get(seq);
    if (!forBlock) builders.set(seq, (forBlock = builder.forStoredBlock(leaves)));
    const receipt = forBlock(index);
    // Never hand out a receipt that does not verify: that would mean the store is damaged.
    const check = verifyReceipt(receipt, t.digest, [verifier]);
    if (!check.ok) {
      throw new NotarError('CHAIN_INVALID', `the store is damaged: the rebuilt receipt for block ${seq} does not verify (${check.step}: ${check.reason})`, { hint: 'run `notar chain verify` for a full report' });
    }
    return receipt;
  });
}

export async function run(args: string[], opts: Opts): Promise<number> {
  const t = target(args, opts);
  const store = openStoreFromOpts(opts);
  const receipts = rebuild(store, t);
  if (typeof opts.out === 'string') {
    writeAll(opts.out, t, receipts);
    return 0;
  }
  const latest = receipts[receipts.length - 1];
  process.stdout.write(formatReceipt(latest));
  if (receipts.length > 1) {
    const where = (r: Receipt) => `block ${r.block.seq} document ${r.leaf.index + 1} (${r.block.time})`;
    const older = receipts.slice(0, -1).map(where).join(', ');
    notice(`${t.label} was stamped ${receipts.length} times; printed the most recent, ${where(latest)}; the others: ${older}; use --out DIR to write them all`);
  }
  return 0;
}

function outName(t: Target, r: Receipt, latest: boolean): string {
  return latest ? `${t.base}${RECEIPT_SUFFIX}` : `${t.base}.${r.block.seq}-${r.leaf.index}${RECEIPT_SUFFIX}`;
}

function writeAll(dir: string, t: Target, receipts: Receipt[]): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new NotarError('IO', `cannot create --out directory ${dir}: ${(e as Error).message}`);
  }
  const files = receipts.map((r, i) => path.join(dir, outName(t, r, i === receipts.length - 1)));
  // Check every target first, so a refusal leaves nothing half-written.
  files.forEach((f) => refuseForeign(f, t.digest));
  const written: string[] = [];
  receipts.forEach((r, i) => {
    try {
      writeFileAtomic(files[i], formatReceipt(r), { durable: false });
    } catch (e) {
      throw new NotarError('IO', `cannot write ${files[i]}: ${(e as Error).message}`);
    }
    written.push(files[i] + '\n');
  });
  process.stdout.write(written.join(''));
}

/** An existing file is replaced only if it is a receipt for the same document. */
function refuseForeign(file: string, digest: Uint8Array): void {
  let text: string;
  try {
    if (fs.statSync(file).isDirectory()) throw new NotarError('EXISTS', `${file} is a directory; not replacing it`);
    // Capped and non-blocking: a FIFO or a huge file there is refused below, not read forever.
    text = readCapped(file, MAX_RECEIPT_BYTES, file).toString('utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    if (e instanceof TooLargeError) text = '';
    else if (e instanceof NotarError) throw e;
    else throw new NotarError('IO', `cannot read ${file}: ${(e as Error).message}`);
  }
  let same = false;
  try {
    same = parseReceipt(text).document.sha256 === toHex(digest);
  } catch {
    /* not a receipt: refused below */
  }
  if (!same) throw new NotarError('EXISTS', `${file} exists and is not a receipt for this document; not replacing it`, { hint: 'choose another --out directory, or move that file away' });
}
