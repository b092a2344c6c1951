/**
 * C2SP tlog-policy: which logs and witnesses a verifier trusts and the quorum
 * of cosignatures a checkpoint needs, and checking a checkpoint against it.
 *
 *   log <vkey> [<url>]
 *   witness <name> <vkey> [<url>]
 *   group <name> all|any|<k> <member>...
 *   quorum <name>              (exactly one; `none` needs no cosignature)
 *
 * notar extension (docs/lifecycle.md §3, "Key validity ranges in a policy"):
 *
 *   #notar-key-until <vkey> <size>
 *
 * A key retired as compromised: its signatures count only on checkpoints of
 * history size <= size. It is a comment to other tlog-policy parsers, so the
 * file stays a valid tlog-policy for them (they ignore the bound).
 */
import {
  asCosignature,
  cosignedMessage,
  namesWitness,
  parseCosignerKey,
  type CosignerVerifier,
} from './cosignature.js';
import { nobleCrypto, type Crypto } from './crypto.js';
import * as ed25519 from './ed25519.js';
import { NotarError } from './errors.js';
import { equalBytes } from './bytes.js';
import { openNote, parseNote, parseVerifierKey, type Verifier } from './note.js';

/** tlog-policy recommends supporting at least 32 of each; notar allows twice that. */
export const MAX_POLICY_ITEMS = 64;
export const MAX_POLICY_BYTES = 64 * 1024;

export interface PolicyLog {
  readonly key: Verifier;
  readonly url?: string;
}
export interface PolicyWitness {
  /** The policy-local name (used only inside the policy file). */
  readonly name: string;
  readonly key: CosignerVerifier;
  readonly url?: string;
}
export interface PolicyGroup {
  readonly name: string;
  readonly k: number;
  readonly members: string[];
}
export interface Policy {
  readonly logs: PolicyLog[];
  readonly witnesses: PolicyWitness[];
  readonly groups: PolicyGroup[];
  /** A witness or group name, or 'none'. */
  readonly quorum: string;
  /** notar extension: log keys valid only up to a history size (`#notar-key-until`). */
  readonly keyRanges?: PolicyKeyRange[];
}
export interface PolicyKeyRange {
  readonly key: Verifier;
  /** Signatures by `key` count only on checkpoints of history size <= until. */
  readonly until: number;
}

export const KEY_UNTIL = '#notar-key-until';

const bad = (line: number, why: string) => new NotarError('FORMAT', `policy line ${line}: ${why}`);

interface Builder {
  logs: PolicyLog[];
  witnesses: PolicyWitness[];
  groups: PolicyGroup[];
  quorum?: string;
  names: Set<string>;
  ranges: PolicyKeyRange[];
}

/** Parses a tlog-policy file, strictly (unknown keywords, duplicates and forward references refused). */
export function parsePolicy(text: string): Policy {
  if (typeof text !== 'string' || text.length > MAX_POLICY_BYTES)
    throw new NotarError('FORMAT', 'policy file is too large');
  // tlog-policy §Character set: only tab, newline, 0x20-0x7E and bytes >= 0x80.
  const ctl = /[\u0000-\u0008\u000b-\u001f\u007f]/.exec(text);
  if (ctl) throw bad(text.slice(0, ctl.index).split('\n').length, 'control character');
  const b: Builder = { logs: [], witnesses: [], groups: [], names: new Set(['none']), ranges: [] };
  text.split('\n').forEach((raw, i) => parseLine(b, raw, i + 1));
  if (b.quorum === undefined)
    throw new NotarError('FORMAT', 'policy has no quorum line (use `quorum none` for no witnesses)');
  for (const r of b.ranges) {
    if (!b.logs.some((l) => equalBytes(l.key.publicKey, r.key.publicKey)))
      throw new NotarError('FORMAT', `policy: ${KEY_UNTIL} names key ${r.key.keyId}, which is not a log key`);
  }
  const ranges = b.ranges.length ? { keyRanges: b.ranges } : {};
  return { logs: b.logs, witnesses: b.witnesses, groups: b.groups, quorum: b.quorum, ...ranges };
}

/** `#notar-key-until <vkey> <size>`: strict, as it narrows trust. */
function addRange(b: Builder, f: string[], n: number): void {
  if (f.length !== 3 || !/^(0|[1-9][0-9]{0,15})$/.test(f[2]) || !Number.isSafeInteger(Number(f[2])))
    throw bad(n, `expected \`${KEY_UNTIL} <vkey> <history size>\``);
  const k = key(n, () => parseVerifierKey(f[1]));
  if (b.ranges.some((r) => equalBytes(r.key.publicKey, k.publicKey))) throw bad(n, `a second ${KEY_UNTIL} for a key`);
  if (b.ranges.length >= MAX_POLICY_ITEMS) throw bad(n, 'too many key ranges');
  b.ranges.push({ key: k, until: Number(f[2]) });
}

function parseLine(b: Builder, raw: string, n: number): void {
  const line = raw.replace(/^[ \t]+|[ \t]+$/g, '');
  const f = line.split(/[ \t]+/);
  if (f[0] === KEY_UNTIL) return addRange(b, f, n);
  if (line === '' || line.startsWith('#')) return;
  if (b.logs.length + b.witnesses.length + b.groups.length >= 3 * MAX_POLICY_ITEMS) throw bad(n, 'too many entries');
  switch (f[0]) {
    case 'log':
      return addLog(b, f, n);
    case 'witness':
      return addWitness(b, f, n);
    case 'group':
      return addGroup(b, f, n);
    case 'quorum':
      if (f.length !== 2) throw bad(n, 'expected `quorum <name>`');
      if (b.quorum !== undefined) throw bad(n, 'a second quorum line');
      if (!b.names.has(f[1])) throw bad(n, `quorum names ${f[1]}, which is not defined above`);
      b.quorum = f[1];
      return;
    default:
      throw bad(n, `unknown keyword ${JSON.stringify(f[0].slice(0, 32))}`);
  }
}

function key<T>(n: number, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw bad(n, (e as Error).message);
  }
}

function addLog(b: Builder, f: string[], n: number): void {
  if (f.length < 2 || f.length > 3) throw bad(n, 'expected `log <vkey> [<url>]`');
  const k = key(n, () => parseVerifierKey(f[1]));
  if (b.logs.some((l) => equalBytes(l.key.publicKey, k.publicKey))) throw bad(n, 'duplicate log key');
  if (b.logs.length >= MAX_POLICY_ITEMS) throw bad(n, 'too many logs');
  b.logs.push({ key: k, url: f[2] });
}

function addWitness(b: Builder, f: string[], n: number): void {
  if (f.length < 3 || f.length > 4) throw bad(n, 'expected `witness <name> <vkey> [<url>]`');
  if (b.names.has(f[1])) throw bad(n, `name ${f[1]} is already defined`);
  const k = key(n, () => parseCosignerKey(f[2]));
  if (b.witnesses.some((w) => equalBytes(w.key.publicKey, k.publicKey))) throw bad(n, 'duplicate witness key');
  if (b.witnesses.length >= MAX_POLICY_ITEMS) throw bad(n, 'too many witnesses');
  b.names.add(f[1]);
  b.witnesses.push({ name: f[1], key: k, url: f[3] });
}

function addGroup(b: Builder, f: string[], n: number): void {
  if (f.length < 4) throw bad(n, 'expected `group <name> all|any|<k> <member>...`');
  const [, name, threshold, ...members] = f;
  if (b.names.has(name)) throw bad(n, `name ${name} is already defined`);
  for (const m of members) {
    if (m === 'none' || !b.names.has(m)) throw bad(n, `group member ${m} is not a witness or group defined above`);
  }
  if (new Set(members).size !== members.length) throw bad(n, 'a group lists a member twice');
  const k =
    threshold === 'all'
      ? members.length
      : threshold === 'any'
        ? 1
        : /^[1-9][0-9]{0,3}$/.test(threshold)
          ? Number(threshold)
          : NaN;
  if (!(k >= 1 && k <= members.length))
    throw bad(n, `threshold ${threshold} is not all, any, or a number from 1 to ${members.length}`);
  if (b.groups.length >= MAX_POLICY_ITEMS) throw bad(n, 'too many groups');
  b.names.add(name);
  b.groups.push({ name, k, members });
}

/** Formats a policy back to text (what `notar policy` prints). */
export function formatPolicy(p: Policy): string {
  const out: string[] = [];
  for (const l of p.logs) out.push(`log ${l.key.text}${l.url ? ' ' + l.url : ''}`);
  for (const w of p.witnesses) out.push(`witness ${w.name} ${w.key.text}${w.url ? ' ' + w.url : ''}`);
  for (const g of p.groups)
    out.push(`group ${g.name} ${g.k === g.members.length ? 'all' : g.k === 1 ? 'any' : g.k} ${g.members.join(' ')}`);
  out.push(`quorum ${p.quorum}`);
  for (const r of p.keyRanges ?? []) out.push(`${KEY_UNTIL} ${r.key.text} ${r.until}`);
  return out.join('\n') + '\n';
}

/** Whether the named witness or group is satisfied by the set of witnesses that cosigned. */
export function quorumMet(p: Policy, cosigned: ReadonlySet<string>, name = p.quorum): boolean {
  if (name === 'none') return true;
  const group = p.groups.find((g) => g.name === name);
  if (!group) return cosigned.has(name);
  return group.members.filter((m) => quorumMet(p, cosigned, m)).length >= group.k;
}

export interface CosignerResult {
  /** Policy-local name. */
  readonly name: string;
  readonly key: CosignerVerifier;
  /** POSIX seconds, for a valid cosignature. */
  readonly time?: number;
  readonly status: 'valid' | 'missing' | 'invalid';
}

export interface PolicyCheck {
  readonly log: Verifier;
  readonly cosigners: CosignerResult[];
  readonly quorum: string;
  readonly quorumMet: boolean;
}

/**
 * One policy witness on the checkpoint. As signed-note requires for trusted
 * keys (and as openNote does for the log), every line naming the witness
 * must verify: one bad line makes its cosignature invalid, never hidden
 * behind a good one. The time is the earliest of its lines.
 */
function checkWitness(
  body: string,
  sigs: ReturnType<typeof parseNote>['signatures'],
  w: PolicyWitness,
  c: Crypto,
): CosignerResult {
  const lines = sigs.filter((s) => namesWitness(s, w.key));
  if (lines.length === 0) return { name: w.name, key: w.key, status: 'missing' };
  const times: number[] = [];
  for (const line of lines) {
    const cs = asCosignature(line);
    if (!cs || !ed25519.verify(cs.signature, cosignedMessage(body, cs.time), w.key.publicKey, c))
      return { name: w.name, key: w.key, status: 'invalid' };
    times.push(cs.time);
  }
  return { name: w.name, key: w.key, time: Math.min(...times), status: 'valid' };
}

/**
 * Checks a signed checkpoint note under `p`: a policy log named as the origin
 * must have signed (openNote's rules: SIGNATURE_INVALID / UNTRUSTED), then each
 * policy witness's cosignature is checked and the quorum evaluated. Never
 * throws for a missing or invalid cosignature: the caller reports the result.
 */
export function checkCheckpoint(note: string, origin: string, p: Policy, c: Crypto = nobleCrypto): PolicyCheck {
  const logs = p.logs.map((l) => l.key).filter((k) => k.name === origin);
  if (logs.length === 0) throw new NotarError('UNTRUSTED', `the policy lists no log key named ${origin}`);
  const opened = openNote(note, logs, c);
  const cosigners = p.witnesses.map((w) => checkWitness(opened.body, opened.signatures, w, c));
  const valid = new Set(cosigners.filter((c) => c.status === 'valid').map((c) => c.name));
  return { log: opened.verifiedBy[0], cosigners, quorum: p.quorum, quorumMet: quorumMet(p, valid) };
}
