/**
 * `notar verify [FILE...] [--receipt R | --receipts DIR] --key … [--sha256 HEX] [--json]`:
 * checks documents against their receipts offline (FORMAT.md §8), trusting
 * only the keys the user gives, never the receipt's own `key` hint. The
 * verdict ("OK" / "FAILED", exit 0 / 1) is the result and goes to stdout; a
 * receipt that is not a receipt at all is an input error (exit 2).
 *
 * Several documents (operands, or --files-from LIST [-0]) are checked in one
 * run, one line (or one NDJSON object) each. The exit code puts the verdict
 * first: 1 if any document FAILED, else 2 if any could not be checked (an
 * input error, reported and skipped), else 0. With one document every input
 * error stops the run, as it always did.
 *
 * A name ending in .notar.json whose own receipt does not exist is taken as
 * a receipt: the document verified is the file beside it without the suffix
 * (so `notar verify *` in a folder of documents and receipts works).
 */
import * as fs from 'node:fs';
import { toHex } from '../../core/bytes.js';
import type { Crypto } from '../../core/crypto.js';
import { CHECK_FAILED_CODES, NotarError } from '../../core/errors.js';
import type { Verifier } from '../../core/note.js';
import { RECEIPT_SUFFIX, type Receipt } from '../../core/receipt.js';
import { verifyReceipt, type FailedReceipt, type VerifiedReceipt, type VerifyStep } from '../../core/verify.js';
import { cryptoOf, requireTrustedKeys, type Opts } from '../common.js';
import { digestFile, displayName } from '../hashing/hashing.js';
import { colors, type Colors } from '../output/io.js';
import { receiptPathFor } from '../receipts/receipt-path.js';
import {
  originOf,
  parseDigestOption,
  readReceiptText,
  RECEIPT_HINT,
  untrustedReason,
} from '../receipts/receipt-read.js';
import { fileInputs, pathKey, type FileInput } from '../inputs.js';
import type { TimeVerdict } from '../../core/time-verdict.js';
import { timeJson, timeLine, withTime, type TimeCheck } from '../time/verify-time.js';
import { isNoSuchFile } from '../reading.js';
import type { Status } from '../../core/revocation.js';
import { applyStatus, loadStatus } from '../lifecycle/verify-status.js';
import {
  applyRotation,
  loadRotations,
  rotationHint,
  withSuccessors,
  type KeyLifecycle,
} from '../lifecycle/verify-rotation.js';

const NO_LIFECYCLE: KeyLifecycle = { successors: [], retired: [] };

interface Subject {
  /** The document to open (raw bytes for a name that is not UTF-8); undefined with --sha256. */
  readonly file?: string | Buffer;
  /** The document as the user named it. */
  readonly display?: string;
  readonly receiptFile: string | Buffer;
  /** The receipt was named (--receipt, or as the operand), not derived from the document's name. */
  readonly explicit: boolean;
  /** The operand was this receipt; `file` is the document beside it. */
  readonly givenReceipt?: string;
  /** The digest given with --sha256 (a file is hashed only after the cheap checks). */
  readonly digest?: Uint8Array;
}

type Verdict = VerifiedReceipt | FailedReceipt;

interface Checked {
  readonly digest: Uint8Array;
  readonly result: Verdict;
  /** With --status: "not revoked as of …". */
  readonly note?: string;
  /** The receipt's timestamps (undefined: the receipt did not verify). */
  readonly time?: TimeVerdict;
}

function shaSubject(args: string[], opts: Opts): Subject {
  const receipt = opts.receipt as string | undefined;
  if (args.length > 0 || opts.filesFrom !== undefined)
    throw new NotarError('USAGE', 'give either a document FILE or --sha256 HEX, not both');
  if (!receipt)
    throw new NotarError('USAGE', '--sha256 needs --receipt FILE (there is no document name to find the receipt by)');
  return { receiptFile: receipt, explicit: true, digest: parseDigestOption(opts.sha256 as string) };
}

async function subjects(args: string[], opts: Opts): Promise<Subject[]> {
  if (typeof opts.sha256 === 'string') return [shaSubject(args, opts)];
  const receipt = opts.receipt as string | undefined;
  const dir = opts.receipts as string | undefined;
  if (receipt !== undefined && dir !== undefined)
    throw new NotarError('USAGE', 'give either --receipt FILE (one document) or --receipts DIR, not both');
  const inputs = await fileInputs(args, opts);
  if (inputs.length === 0)
    throw new NotarError('USAGE', 'name the document to verify (or give --sha256 HEX --receipt FILE)', {
      hint: 'notar verify deed.pdf --key-file office.vkey',
    });
  if (receipt !== undefined && inputs.length > 1) {
    throw new NotarError('USAGE', `--receipt names the receipt of one document, but ${inputs.length} were given`, {
      hint: 'leave out --receipt: each receipt is found beside its document, or under --receipts DIR',
    });
  }
  const stdin = inputs.filter((f) => f.path === '-').length;
  if (stdin > 1) throw new NotarError('USAGE', 'standard input (-) can be verified only once per run');
  if (stdin === 1 && receipt === undefined && dir === undefined)
    throw new NotarError('USAGE', 'a document on stdin (-) needs --receipt FILE');
  const seen = new Set<string>();
  const out: Subject[] = [];
  for (const f of inputs) {
    const s: Subject =
      receipt !== undefined
        ? { file: f.path, display: f.display, receiptFile: receipt, explicit: true }
        : implied(f, dir);
    // The same pair twice (`verify a a.notar.json`) is checked once.
    const key = `${pathKey(s.file as string | Buffer)}\0${pathKey(s.receiptFile)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(s);
  }
  return out;
}

/**
 * The receipt of a named file: beside it, or under --receipts DIR where
 * `stamp --out DIR` put it (the same mapping, receipt-path.ts). A receipt
 * named as the document stands for the document beside it.
 */
function implied(f: FileInput, dir: string | undefined): Subject {
  const fromStdin = f.path === '-';
  const own = receiptPathFor(fromStdin ? 'stdin' : f.path, dir);
  const doc = fromStdin ? undefined : withoutSuffix(f.path);
  if (doc !== undefined && !exists(own))
    return { file: doc, display: displayName(doc), receiptFile: f.path, explicit: true, givenReceipt: f.display };
  return { file: f.path, display: f.display, receiptFile: own, explicit: false };
}

/** `x.notar.json` -> `x`; undefined for any other name. */
function withoutSuffix(p: string | Buffer): string | Buffer | undefined {
  const suffix = Buffer.from(RECEIPT_SUFFIX);
  if (typeof p === 'string')
    return p.endsWith(RECEIPT_SUFFIX) && p.length > RECEIPT_SUFFIX.length
      ? p.slice(0, -RECEIPT_SUFFIX.length)
      : undefined;
  return p.length > suffix.length && p.subarray(p.length - suffix.length).equals(suffix)
    ? p.subarray(0, p.length - suffix.length)
    : undefined;
}

function exists(p: string | Buffer): boolean {
  try {
    return fs.statSync(p, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false;
  }
}

function isDirectory(p: string | Buffer): boolean {
  try {
    return fs.statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return false;
  }
}

function readReceipt(s: Subject): string {
  try {
    return readReceiptText(s.receiptFile);
  } catch (e) {
    if (!s.explicit && isNoSuchFile(e)) {
      // `verify *` meets folders: say that, not that a folder's "receipt" is missing.
      if (s.file !== undefined && isDirectory(s.file))
        throw new NotarError('IO', `cannot read ${s.display}: is a directory, not a file`, {
          hint: 'name the documents in it, e.g. notar verify DIR/*',
        });
      throw new NotarError('IO', `${e.message} (where the receipt of ${s.display} should be)`, {
        hint: 'name the receipt with --receipt FILE (or the folder of receipts with --receipts DIR); the notary can rebuild a lost one with `notar prove`',
      });
    }
    throw e;
  }
}

function readDocument(s: Subject): Uint8Array {
  try {
    return digestFile(s.file as string | Buffer);
  } catch (e) {
    if (s.givenReceipt !== undefined && isNoSuchFile(e)) {
      throw new NotarError(
        'IO',
        `${s.givenReceipt} is a receipt, and the document it is for (${s.display}) is not beside it`,
        {
          hint: `name the document and its receipt: notar verify DOCUMENT --receipt ${s.givenReceipt} (or --sha256 HEX --receipt ${s.givenReceipt})`,
        },
      );
    }
    throw e;
  }
}

/**
 * One document's verdict; an input error (unreadable file, malformed receipt) is thrown.
 * Then its RFC 3161 tokens (verify-time.ts): checked by `time` (verify-tsa.ts, --tsa-cert),
 * else reported as present but unchecked; a token that fails makes the step `time`.
 */
async function check(
  s: Subject,
  trusted: readonly Verifier[],
  status: Status | undefined,
  lifecycle: KeyLifecycle,
  time: TimeCheck | undefined,
  crypto: Crypto,
): Promise<Checked> {
  const text = readReceipt(s);
  const digest = s.digest ?? readDocument(s);
  const result = verifyReceipt(text, digest, trusted, crypto);
  if (!result.ok && result.step === 'format') {
    throw new NotarError('FORMAT', `${displayName(s.receiptFile)}: ${result.reason}`, { hint: RECEIPT_HINT });
  }
  const rotated = applyRotation(result, lifecycle);
  const checked = applyStatus(rotated.result, status, digest, crypto);
  const note = [rotated.note, checked.note].filter(Boolean).join('; ') || undefined;
  const timed = await withTime(checked.result, time);
  return { digest, result: timed.result, note, time: timed.time };
}

export async function run(args: string[], opts: Opts, time?: TimeCheck): Promise<number> {
  if (opts.policy !== undefined) {
    // Not combined yet: the policy path (issue 12) has its own verdict and does not run the time step.
    if (opts.tsaCert !== undefined)
      throw new NotarError('USAGE', '--tsa-cert cannot be combined with --policy yet', {
        hint: 'check the timestamp in a second run without --policy',
      });
    return (await import('./verify-policy.js')).run(args, opts); // issue 12
  }
  const list = await subjects(args, opts);
  const given = requireTrustedKeys(opts);
  const lifecycle = loadRotations(opts, given);
  const trusted = withSuccessors(given, lifecycle.successors);
  const status = loadStatus(opts, trusted);
  const c = await colors(process.stdout);
  if (list.length > 1) return runMany(list, trusted, opts, c, status, lifecycle, time);
  const checked = await check(list[0], trusted, status, lifecycle, time, cryptoOf(opts));
  const { result } = checked;
  emit({ s: list[0], ...checked, trusted, c, many: false }, opts);
  return result.ok ? 0 : 1;
}

/** Every document checked; each input error reported and skipped. */
async function runMany(
  list: Subject[],
  trusted: readonly Verifier[],
  opts: Opts,
  c: Colors,
  status?: Status,
  lifecycle: KeyLifecycle = NO_LIFECYCLE,
  time?: TimeCheck,
): Promise<number> {
  let failed = 0;
  let errors = 0;
  const hints = new Set<string>();
  for (const s of list) {
    let checked: Checked;
    try {
      checked = await check(s, trusted, status, lifecycle, time, cryptoOf(opts));
    } catch (e) {
      if (!(e instanceof NotarError)) throw e;
      if (CHECK_FAILED_CODES.has(e.code)) failed++;
      else errors++;
      process.stderr.write(`notar: error: ${e.message}\n`);
      if (e.hint) hints.add(e.hint);
      if (opts.json) process.stdout.write(JSON.stringify(jsonInputError(s, e)) + '\n');
      continue;
    }
    if (!checked.result.ok) failed++;
    emit({ s, ...checked, trusted, c, many: true }, opts);
  }
  for (const h of hints) process.stderr.write(`notar: hint: ${h}\n`);
  if (failed + errors > 0) {
    const ok = list.length - failed - errors;
    process.stderr.write(
      `notar: ${list.length} documents: ${ok} OK, ${failed} FAILED, ${errors} not checked (input error)\n`,
    );
  }
  return failed > 0 ? 1 : errors > 0 ? 2 : 0;
}

interface Shown extends Checked {
  readonly s: Subject;
  readonly trusted: readonly Verifier[];
  readonly c: Colors;
  /** Several documents: a FAILED line names its document. */
  readonly many: boolean;
}

function emit(v: Shown, opts: Opts): void {
  if (opts.json) process.stdout.write(JSON.stringify({ ...jsonVerdict(v), ...timeJson(v.time) }) + '\n');
  else {
    printVerdict(v);
    const line = timeLine(v.time);
    if (line) process.stdout.write(line);
  }
}

/** "2026-11-25T08:19:37Z" -> "2026-11-25 08:19:37 UTC". */
function humanTime(time: string): string {
  return time.replace('T', ' ').replace(/Z$/, ' UTC');
}

/** The document as the user named it; with --sha256, the digest and the recorded (unverified) name. */
function describe(s: Subject, digest: Uint8Array, r: Receipt | undefined): string {
  if (s.display !== undefined) return s.display === '-' ? 'the document on standard input' : s.display;
  const name =
    r?.document.name === undefined ? '' : ` (${JSON.stringify(r.document.name)}: name as recorded, not verified)`;
  return `the document with SHA-256 ${toHex(digest).slice(0, 16)}…${name}`;
}

const PLAIN: Record<Exclude<VerifyStep, 'format' | 'trust' | 'revoked'> | 'time', string> = {
  time: 'the timestamp in the receipt does not check out: it was altered, is not for this checkpoint, or is not by a TSA you trust',
  digest: 'the document does not match the receipt: it was altered, or it is not the stamped document',
  batch: "the receipt is damaged: its batch proof does not lead to the block's root",
  history: "the receipt is damaged: its history proof does not lead to its checkpoint's root",
  signature: 'the checkpoint signature is invalid',
};

/** The failure in plain words, for people; `trusted`: the keys given (to tell an impostor from another office). */
export function plainReason(f: FailedReceipt, trusted: readonly Verifier[]): string {
  if (f.step === 'trust')
    return f.receipt
      ? untrustedReason(f.receipt.checkpoint, trusted) + rotationHint(f.receipt.checkpoint, trusted)
      : 'not signed by a key you trust';
  if (f.step === 'format') return `the receipt is not valid: ${f.reason}`;
  if (f.step === 'revoked') return f.reason;
  return PLAIN[f.step];
}

function printVerdict({ s, digest, result, trusted, c, many, note }: Shown): void {
  if (result.ok) {
    const r = result.receipt;
    const where = `block ${r.block.seq}, document ${r.leaf.index + 1} of ${r.block.size}; key ${result.signer.keyId}`;
    process.stdout.write(
      `${c.green('OK')}: ${describe(s, digest, r)} was stamped by ${result.origin} on ${humanTime(result.time)} (${where})${note ? `; ${note}` : ''}\n`,
    );
    return;
  }
  const which = many ? `${describe(s, digest, result.receipt)}: ` : '';
  process.stdout.write(`${c.red('FAILED')}: ${which}${plainReason(result, trusted)} (${result.step})\n`);
  // The technical detail (hashes, sizes) helps whoever investigates; it is not the verdict.
  process.stderr.write(`notar: detail: ${which}${result.reason}\n`);
}

function jsonCommon(s: Subject, digest?: Uint8Array, r?: Receipt): Record<string, unknown> {
  return {
    document: s.display ?? null,
    receipt: displayName(s.receiptFile),
    ...(digest === undefined ? {} : { sha256: toHex(digest) }),
    ...(r?.document.name === undefined ? {} : { recordedName: r.document.name }),
  };
}

/** The JSON fields of a verified receipt that `verify` and `verify --policy` share. */
export function verifiedFields(r: {
  origin: string;
  time: string;
  seq: number;
  index: number;
  historySize: number;
  receipt: { block: { size: number } };
  signer: { keyId: string; text: string };
}): Record<string, unknown> {
  const { origin, time, seq, index, historySize } = r;
  return {
    origin,
    time,
    seq,
    index,
    size: r.receipt.block.size,
    historySize,
    keyId: r.signer.keyId,
    key: r.signer.text,
  };
}

function jsonVerdict({ s, digest, result, trusted, note }: Shown): Record<string, unknown> {
  const r = result.receipt;
  const common = jsonCommon(s, digest, r);
  if (result.ok) {
    return {
      ok: true,
      ...verifiedFields(result),
      ...common,
      ...(note ? { status: note } : {}),
    };
  }
  const where = r
    ? {
        origin: originOf(r.checkpoint) ?? null,
        time: r.block.time,
        seq: r.block.seq,
        index: r.leaf.index,
        size: r.block.size,
        historySize: r.history.size,
      }
    : {};
  return {
    ok: false,
    step: result.step,
    reason: result.reason,
    message: plainReason(result, trusted),
    ...where,
    ...common,
  };
}

/** A document that could not be checked (several documents only): step "input". */
function jsonInputError(s: Subject, e: NotarError): Record<string, unknown> {
  return { ok: false, step: 'input', reason: e.message, message: e.message, ...jsonCommon(s, s.digest) };
}
