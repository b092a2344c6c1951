/**
 * `notar verify … --policy FILE` (issue 12): the receipt checked under a C2SP
 * tlog-policy: the policy's log keys sign, then the witness quorum must hold
 * (step `witness`). The verdict names the witnesses and their times; the
 * earliest witness time is when the document existed at the latest.
 */
import { toHex } from '../../core/bytes.js';
import { NotarError } from '../../core/errors.js';
import { MAX_POLICY_BYTES, parsePolicy, type Policy } from '../../core/policy.js';
import {
  verifyReceiptWithPolicy,
  type PolicyFailed,
  type PolicyVerified,
  type PolicyVerifyResult,
} from '../../core/policy-verify.js';
import { cryptoOf, readTextInput, type Opts } from '../common.js';
import { verifiedFields } from './verify.js';
import { digestFile } from '../hashing/hashing.js';
import { colors } from '../output/io.js';
import { RECEIPT_SUFFIX } from '../../core/receipt.js';
import { parseDigestOption, readReceiptText, RECEIPT_HINT, signersOf } from '../receipts/receipt-read.js';
import { applyStatus, loadStatus } from '../lifecycle/verify-status.js';
import { loadRotations, withSuccessors } from '../lifecycle/verify-rotation.js';

export function readPolicy(file: string): Policy {
  const text = readTextInput(file, MAX_POLICY_BYTES);
  try {
    return parsePolicy(text);
  } catch (e) {
    throw new NotarError('FORMAT', `${file}: ${(e as Error).message}`, {
      hint: 'a policy has `log <key>`, `witness <name> <key>`, `group …` and one `quorum …` line (C2SP tlog-policy); `notar policy` writes one',
    });
  }
}

function inputs(args: string[], opts: Opts): { file?: string; receiptFile: string; digest: () => Uint8Array } {
  if ((opts.key as string[] | undefined)?.length || (opts.keyFile as string[] | undefined)?.length) {
    throw new NotarError('USAGE', '--policy already names the trusted log keys: leave out --key/--key-file', {
      hint: 'put the log key in the policy as a `log` line',
    });
  }
  if (typeof opts.sha256 === 'string') {
    if (args[0] !== undefined || typeof opts.receipt !== 'string')
      throw new NotarError('USAGE', '--sha256 needs --receipt FILE and no document');
    const d = parseDigestOption(opts.sha256);
    return { receiptFile: opts.receipt, digest: () => d };
  }
  const file = args[0];
  if (args.length > 1)
    throw new NotarError('USAGE', 'verify --policy checks one document at a time', {
      hint: 'run it once per document (a shell loop)',
    });
  if (file === undefined)
    throw new NotarError('USAGE', 'name the document to verify (or give --sha256 HEX --receipt FILE)');
  if (file === '-' && typeof opts.receipt !== 'string')
    throw new NotarError('USAGE', 'a document on stdin (-) needs --receipt FILE');
  return {
    file,
    receiptFile: (opts.receipt as string | undefined) ?? file + RECEIPT_SUFFIX,
    digest: () => digestFile(file),
  };
}

const human = (t: string) => t.replace('T', ' ').replace(/Z$/, ' UTC');

/** "witnessed by 2 of 3 (w1 at …, w2 at …)". */
export function witnessSummary(r: PolicyVerified): string {
  const valid = r.cosigners.filter((c) => c.status === 'valid');
  if (r.cosigners.length === 0) return 'no witnesses in the policy (quorum none)';
  return `witnessed by ${valid.length} of ${r.cosigners.length}${valid.length ? ` (${valid.map((c) => `${c.name} at ${human(c.at!)}`).join(', ')})` : ''}`;
}

/**
 * The lifecycle applies under a policy as without one (docs/lifecycle.md):
 * rotation proofs are checked with the policy's log keys (a policy naming the
 * old key accepts its successor after the handover), and the status with
 * those keys and their proven successors; step `revoked` after `witness`.
 */
export async function run(args: string[], opts: Opts): Promise<number> {
  const inp = inputs(args, opts);
  const policy = readPolicy(String(opts.policy));
  const logKeys = policy.logs.map((l) => l.key);
  const lifecycle = loadRotations(opts, logKeys);
  const status = loadStatus(opts, withSuccessors(logKeys, lifecycle.successors));
  const text = readReceiptText(inp.receiptFile);
  const digest = inp.digest();
  const verdict = verifyReceiptWithPolicy(text, digest, policy, lifecycle, cryptoOf(opts));
  if (!verdict.ok && verdict.step === 'format')
    throw new NotarError('FORMAT', `${inp.receiptFile}: ${verdict.reason}`, { hint: RECEIPT_HINT });
  const checked = verdict.ok ? applyStatus(verdict, status, digest, cryptoOf(opts)) : undefined;
  const result: PolicyVerifyResult = checked === undefined || checked.result.ok ? verdict : checked.result;
  const note = [verdict.ok ? verdict.rotationNote : undefined, checked?.note].filter(Boolean).join('; ') || undefined;
  if (opts.json) process.stdout.write(JSON.stringify(json(inp, digest, result, note)) + '\n');
  else await print(inp.file ?? `the document with SHA-256 ${toHex(digest).slice(0, 16)}…`, result, note);
  return result.ok ? 0 : 1;
}

const PLAIN: Record<string, string> = {
  digest: 'the document does not match the receipt: it was altered, or it is not the stamped document',
  batch: "the receipt is damaged: its batch proof does not lead to the block's root",
  history: "the receipt is damaged: its history proof does not lead to its checkpoint's root",
  signature: 'the checkpoint signature is invalid',
};

function plain(f: PolicyFailed): string {
  if (f.step === 'trust')
    return `not signed by a log in the policy: signed by ${f.receipt ? signersOf(f.receipt.checkpoint) : 'an unknown key'}`;
  if (f.step === 'witness') return `not enough witnesses vouch for this checkpoint: ${f.reason}`;
  if (f.step === 'revoked') return f.reason;
  return PLAIN[f.step] ?? f.reason;
}

async function print(what: string, r: PolicyVerifyResult, note?: string): Promise<void> {
  const c = await colors(process.stdout);
  if (!r.ok) {
    process.stdout.write(`${c.red('FAILED')}: ${plain(r)} (${r.step})\n`);
    process.stderr.write(`notar: detail: ${r.reason}\n`);
    return;
  }
  const where = `block ${r.seq}, document ${r.index + 1} of ${r.receipt.block.size}; key ${r.signer.keyId}`;
  const existed = r.witnessedBy ? `; existed no later than ${human(r.witnessedBy)} (witness clock)` : '';
  process.stdout.write(
    `${c.green('OK')}: ${what} was stamped by ${r.origin} on ${human(r.time)} (${where}); ${witnessSummary(r)}${existed}${note ? `; ${note}` : ''}\n`,
  );
  if (r.clockWarning) process.stdout.write(`${c.yellow('WARNING')}: ${r.clockWarning}\n`);
}

function json(
  inp: { file?: string; receiptFile: string },
  digest: Uint8Array,
  r: PolicyVerifyResult,
  note?: string,
): Record<string, unknown> {
  const cosigners = (r.ok ? r.cosigners : (r.cosigners ?? [])).map((c) => ({
    name: c.name,
    key: c.key.text,
    status: c.status,
    ...(c.time === undefined ? {} : { time: c.at, timestamp: c.time }),
  }));
  const common = { document: inp.file ?? null, receipt: inp.receiptFile, sha256: toHex(digest), cosigners };
  if (!r.ok)
    return { ok: false, step: r.step, reason: r.reason, message: plain(r), quorum: r.quorum ?? null, ...common };
  const { quorum, witnessedBy, clockWarning } = r;
  return {
    ok: true,
    ...verifiedFields(r),
    quorum,
    existedNoLaterThan: witnessedBy ?? null,
    ...(clockWarning ? { clockWarning } : {}),
    ...(note ? { status: note } : {}),
    ...common,
  };
}
