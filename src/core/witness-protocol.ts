/**
 * C2SP tlog-witness wire formats (§add-checkpoint), pure and size-capped:
 *
 *   request:  "old <size>\n" { base64(hash) "\n" }0..63 "\n" <signed checkpoint note>
 *   200 body: one or more note signature lines "— <name> <base64>\n"
 *   409 body: "<size>\n" with Content-Type text/x.tlog.size
 *
 * Checkpoints here follow C2SP tlog-checkpoint in full (extension lines allowed),
 * because a witness serves logs that are not notar.
 */
import { fromBase64, toBase64, utf8 } from './bytes.js';
import { NotarError } from './errors.js';
import { HASH_SIZE } from './merkle.js';
import { isValidKeyName, MAX_NOTE_BYTES, parseNote, type Note, type NoteSignature } from './note.js';

/** tlog-witness: "The client MUST NOT send more than 63 consistency proof lines." */
export const MAX_PROOF_LINES = 63;
/** A request is at most the old line, 63 proof lines, the blank line and one note. */
export const MAX_REQUEST_BYTES = 32 + MAX_PROOF_LINES * 45 + 1 + MAX_NOTE_BYTES;
/** A response of cosignature lines: 100 lines of a long name and a 76-byte cosignature fit easily. */
export const MAX_RESPONSE_BYTES = 64 * 1024;
export const TLOG_SIZE_CONTENT_TYPE = 'text/x.tlog.size';

const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;
const bad = (why: string) => new NotarError('FORMAT', why);

export interface AddCheckpointRequest {
  readonly oldSize: number;
  readonly proof: Uint8Array[];
  /** The signed checkpoint note, exactly as sent. */
  readonly checkpoint: string;
}

/** A C2SP checkpoint body: origin, size, root, then any extension lines. */
export interface CheckpointBody {
  readonly origin: string;
  readonly size: number;
  readonly root: Uint8Array;
  readonly extensions: string[];
}

export function parseSize(text: string, what: string): number {
  if (!DECIMAL.test(text) || !Number.isSafeInteger(Number(text)))
    throw bad(`${what} is not a decimal number without leading zeros (at most 2^53 - 1)`);
  return Number(text);
}

/** tlog-checkpoint: origin line, decimal size line, base64 root line, optional non-empty extension lines. */
export function parseCheckpointBody(body: string): CheckpointBody {
  const lines = body.split('\n');
  if (lines.length < 4 || lines[lines.length - 1] !== '')
    throw bad('checkpoint must have at least three lines, each ending in a newline');
  const [origin, sizeText, rootText, ...rest] = lines.slice(0, -1);
  if (!isValidKeyName(origin)) throw bad('checkpoint origin is not a valid name');
  const size = parseSize(sizeText, 'checkpoint size');
  const root = fromBase64(rootText, 'checkpoint root', HASH_SIZE);
  if (rest.some((l) => l === '')) throw bad('checkpoint extension lines must not be empty');
  return { origin, size, root, extensions: rest };
}

/** Parses an add-checkpoint body (tlog-witness §add-checkpoint). Throws FORMAT (→ 400). */
export function parseAddCheckpointRequest(text: string): AddCheckpointRequest {
  if (typeof text !== 'string') throw bad('request body is not text');
  if (utf8(text).length > MAX_REQUEST_BYTES) throw bad('request body is too large');
  const nl = text.indexOf('\n');
  if (nl < 0 || !text.startsWith('old ')) throw bad('request must start with an "old <size>" line');
  const oldSize = parseSize(text.slice(4, nl), 'old size');
  const proof: Uint8Array[] = [];
  let at = nl + 1;
  for (;;) {
    const end = text.indexOf('\n', at);
    if (end < 0) throw bad('request has no empty line before the checkpoint');
    if (end === at) break;
    if (proof.length === MAX_PROOF_LINES) throw bad(`request has more than ${MAX_PROOF_LINES} consistency proof lines`);
    proof.push(fromBase64(text.slice(at, end), `consistency proof line ${proof.length + 1}`, HASH_SIZE));
    at = end + 1;
  }
  const checkpoint = text.slice(at + 1);
  parseNote(checkpoint); // syntax now, so a malformed note is a 400, not a 403
  return { oldSize, proof, checkpoint };
}

export function formatAddCheckpointRequest(req: AddCheckpointRequest): string {
  if (req.proof.length > MAX_PROOF_LINES)
    throw bad(`a consistency proof of ${req.proof.length} hashes is longer than tlog-witness allows`);
  return `old ${req.oldSize}\n${req.proof.map((h) => toBase64(h) + '\n').join('')}\n${req.checkpoint}`;
}

/** Parses a 200 body: one or more signature lines (syntax only; trust is the caller's). */
export function parseCosignatureResponse(text: string): NoteSignature[] {
  if (typeof text !== 'string' || utf8(text).length > MAX_RESPONSE_BYTES) throw bad('witness response is too large');
  if (text === '' || !text.endsWith('\n')) throw bad('witness response must be signature lines ending in a newline');
  // Reuse the note parser: a stand-in body plus the response is a note exactly when the lines are well formed.
  return parseNote('x\n\n' + text).signatures;
}

/** Parses a 409 body: the witness's latest cosigned size, then a newline. */
export function parseTlogSize(text: string): number {
  if (typeof text !== 'string' || text.length > 32 || !text.endsWith('\n'))
    throw bad('409 body must be a size and a newline');
  return parseSize(text.slice(0, -1), 'size in the 409 answer');
}

/** The signature lines of `note` as text (one per line), to append or to answer with. */
export function signatureLinesOf(note: Note, keep: (s: NoteSignature) => boolean): string {
  return note.signatures
    .filter(keep)
    .map((s) => `\u2014 ${s.name} ${toBase64(new Uint8Array([...hexBytes(s.keyId), ...s.signature]))}\n`)
    .join('');
}

function hexBytes(hex: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < hex.length; i += 2) out.push(parseInt(hex.slice(i, i + 2), 16));
  return out;
}
