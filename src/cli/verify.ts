/**
 * `notar verify [FILE] [--receipt R] --key … [--sha256 HEX] [--json]`:
 * checks a document against its receipt offline (FORMAT.md §8), trusting
 * only the keys the user gives, never the receipt's own `key` hint. The
 * verdict ("OK" / "FAILED", exit 0 / 1) is the result and goes to stdout; a
 * receipt that is not a receipt at all is an input error (exit 2).
 */
import { toHex } from '../core/bytes.js';
import { NotarError } from '../core/errors.js';
import type { Receipt } from '../core/receipt.js';
import { verifyReceipt, type FailedReceipt, type VerifiedReceipt, type VerifyStep } from '../core/verify.js';
import { requireTrustedKeys, type Opts } from './common.js';
import { digestFile } from './hashing.js';
import { colors } from './io.js';
import { originOf, parseDigestOption, readReceiptText, RECEIPT_HINT, RECEIPT_SUFFIX, signersOf } from './receipt-read.js';

interface Subject {
  /** The document file as the user named it; undefined with --sha256. */
  readonly file?: string;
  readonly receiptFile: string;
  /** The digest given with --sha256 (a file is hashed only after the cheap checks). */
  readonly digest?: Uint8Array;
}

type Verdict = VerifiedReceipt | FailedReceipt;

function subject(args: string[], opts: Opts): Subject {
  const file = args[0];
  const receipt = opts.receipt as string | undefined;
  if (typeof opts.sha256 === 'string') {
    if (file !== undefined) throw new NotarError('USAGE', 'give either a document FILE or --sha256 HEX, not both');
    if (!receipt) throw new NotarError('USAGE', '--sha256 needs --receipt FILE (there is no document name to find the receipt by)');
    return { receiptFile: receipt, digest: parseDigestOption(opts.sha256) };
  }
  if (file === undefined) throw new NotarError('USAGE', 'name the document to verify (or give --sha256 HEX --receipt FILE)', { hint: 'notar verify deed.pdf --key-file office.vkey' });
  if (file === '-' && !receipt) throw new NotarError('USAGE', 'a document on stdin (-) needs --receipt FILE');
  return { file, receiptFile: receipt ?? file + RECEIPT_SUFFIX };
}

function readReceipt(s: Subject, explicit: boolean): string {
  try {
    return readReceiptText(s.receiptFile);
  } catch (e) {
    if (e instanceof NotarError && !explicit && e.message.endsWith('no such file')) {
      throw new NotarError('IO', `${e.message} (the default receipt for ${s.file})`, { hint: 'name the receipt with --receipt FILE; the notary can rebuild a lost one with `notar prove`' });
    }
    throw e;
  }
}

export async function run(args: string[], opts: Opts): Promise<number> {
  if (opts.policy !== undefined) return (await import('./verify-policy.js')).run(args, opts); // issue 12
  const s = subject(args, opts);
  const trusted = requireTrustedKeys(opts);
  const text = readReceipt(s, typeof opts.receipt === 'string');
  const digest = s.digest ?? digestFile(s.file as string);
  const result = verifyReceipt(text, digest, trusted);
  if (!result.ok && result.step === 'format') {
    throw new NotarError('FORMAT', `${s.receiptFile}: ${result.reason}`, { hint: RECEIPT_HINT });
  }
  if (opts.json) process.stdout.write(JSON.stringify(jsonVerdict(s, digest, result)) + '\n');
  else await printVerdict(s, digest, result);
  return result.ok ? 0 : 1;
}

/** "2026-11-25T08:19:37Z" -> "2026-11-25 08:19:37 UTC". */
function humanTime(time: string): string {
  return time.replace('T', ' ').replace(/Z$/, ' UTC');
}

/** The document as the user named it; with --sha256, the digest and the recorded (unverified) name. */
function describe(s: Subject, digest: Uint8Array, r: Receipt): string {
  if (s.file !== undefined) return s.file === '-' ? 'the document on standard input' : s.file;
  const name = r.document.name === undefined ? '' : ` (${JSON.stringify(r.document.name)}: name as recorded, not verified)`;
  return `the document with SHA-256 ${toHex(digest).slice(0, 16)}…${name}`;
}

const PLAIN: Record<Exclude<VerifyStep, 'format' | 'trust'>, string> = {
  digest: 'the document does not match the receipt: it was altered, or it is not the stamped document',
  batch: "the receipt is damaged: its batch proof does not lead to the block's root",
  history: "the receipt is damaged: its history proof does not lead to its checkpoint's root",
  signature: 'the checkpoint signature is invalid',
};

/** The failure in plain words, for people. */
export function plainReason(f: FailedReceipt): string {
  if (f.step === 'trust') return `not signed by a key you trust: signed by ${f.receipt ? signersOf(f.receipt.checkpoint) : 'an unknown key'}`;
  if (f.step === 'format') return `the receipt is not valid: ${f.reason}`;
  return PLAIN[f.step];
}

async function printVerdict(s: Subject, digest: Uint8Array, result: Verdict): Promise<void> {
  const c = await colors(process.stdout);
  if (result.ok) {
    const r = result.receipt;
    const where = `block ${r.block.seq}, document ${r.leaf.index + 1} of ${r.block.size}; key ${result.signer.keyId}`;
    process.stdout.write(`${c.green('OK')}: ${describe(s, digest, r)} was stamped by ${result.origin} on ${humanTime(result.time)} (${where})\n`);
    return;
  }
  process.stdout.write(`${c.red('FAILED')}: ${plainReason(result)} (${result.step})\n`);
  // The technical detail (hashes, sizes) helps whoever investigates; it is not the verdict.
  process.stderr.write(`notar: detail: ${result.reason}\n`);
}

function jsonVerdict(s: Subject, digest: Uint8Array, result: Verdict): Record<string, unknown> {
  const r = result.receipt;
  const common = {
    document: s.file ?? null,
    receipt: s.receiptFile,
    sha256: toHex(digest),
    ...(r?.document.name === undefined ? {} : { recordedName: r.document.name }),
  };
  if (result.ok) {
    const { origin, time, seq, index, historySize } = result;
    return { ok: true, origin, time, seq, index, size: result.receipt.block.size, historySize, keyId: result.signer.keyId, key: result.signer.text, ...common };
  }
  const where = r ? { origin: originOf(r.checkpoint) ?? null, time: r.block.time, seq: r.block.seq, index: r.leaf.index, size: r.block.size, historySize: r.history.size } : {};
  return { ok: false, step: result.step, reason: result.reason, message: plainReason(result), ...where, ...common };
}
