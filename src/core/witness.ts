/**
 * The witness's decision for one add-checkpoint request (C2SP tlog-witness),
 * pure: given the parsed request, the log's trusted keys and the latest
 * checkpoint this witness cosigned for the origin, it answers with a status,
 * a body and (on 200) the new state. The caller must save that state durably
 * and atomically, with requests for one origin serialized, BEFORE sending the
 * cosignature (tlog-witness: "The witness MUST persist the new checkpoint
 * before responding").
 */
import { equalBytes } from './bytes.js';
import { cosign, type Cosigner } from './cosignature.js';
import { nobleCrypto, type Crypto } from './crypto.js';
import { NotarError } from './errors.js';
import { emptyRoot, verifyConsistency } from './merkle.js';
import { openNote, parseNote, type Verifier } from './note.js';
import {
  parseAddCheckpointRequest,
  parseCheckpointBody,
  TLOG_SIZE_CONTENT_TYPE,
  type AddCheckpointRequest,
  type CheckpointBody,
} from './witness-protocol.js';

export interface LogState {
  readonly size: number;
  readonly root: Uint8Array;
  /** The signed note last cosigned (log signature(s) plus ours), kept as evidence. */
  readonly note: string;
}

export interface ForkEvidence {
  readonly origin: string;
  readonly reason: string;
  /** What this witness had cosigned. */
  readonly cosigned: string;
  /** The validly signed checkpoint that contradicts it. */
  readonly offered: string;
}

export interface WitnessAnswer {
  readonly status: 200 | 400 | 403 | 404 | 409 | 422;
  readonly body: string;
  readonly contentType: string;
  /** On 200: the state to persist before answering. */
  readonly state?: LogState;
  /** A validly signed checkpoint that proves (or suggests) the log forked. */
  readonly evidence?: ForkEvidence;
  /** Parsed origin, when the body got that far (to serialize per origin). */
  readonly origin?: string;
}

const TEXT = 'text/plain; charset=utf-8';
const answer = (status: WitnessAnswer['status'], body: string, extra: Partial<WitnessAnswer> = {}): WitnessAnswer => ({
  status,
  body: body.endsWith('\n') ? body : body + '\n',
  contentType: TEXT,
  ...extra,
});

/** The origin a request body names, or undefined if it does not parse (used to pick the per-origin queue). */
export function requestOrigin(text: string): string | undefined {
  try {
    return parseCheckpointBody(parseNote(parseAddCheckpointRequest(text).checkpoint).body).origin;
  } catch {
    return undefined;
  }
}

interface Parsed {
  readonly req: AddCheckpointRequest;
  readonly body: string;
  readonly cp: CheckpointBody;
}

function parse(text: string): Parsed | WitnessAnswer {
  try {
    const req = parseAddCheckpointRequest(text);
    const body = parseNote(req.checkpoint).body;
    return { req, body, cp: parseCheckpointBody(body) };
  } catch (e) {
    return answer(400, `malformed request: ${e instanceof NotarError ? e.message : 'unreadable'}`);
  }
}

/** 403 unless a trusted key for the origin signed, and no trusted key's line fails (signed-note). */
function checkLogSignature(
  note: string,
  keys: readonly Verifier[],
  origin: string,
  c: Crypto,
): WitnessAnswer | undefined {
  try {
    openNote(
      note,
      keys.filter((k) => k.name === origin),
      c,
    );
    return undefined;
  } catch (e) {
    return answer(403, e instanceof NotarError ? e.message : 'checkpoint signature not verified', { origin });
  }
}

/** 422 checks (tlog-witness): empty-tree root, proof from size 0, consistency with our state. */
function checkConsistency(p: Parsed, state: LogState | undefined, c: Crypto): string | undefined {
  const { req, cp } = p;
  if (cp.size === 0 && !equalBytes(cp.root, emptyRoot(c)))
    return 'a checkpoint of size 0 must have the empty tree root';
  if (req.oldSize === 0) return req.proof.length === 0 ? undefined : 'the consistency proof from size 0 must be empty';
  const old = state as LogState; // oldSize === state.size > 0 here
  if (req.oldSize === cp.size)
    return equalBytes(old.root, cp.root)
      ? undefined
      : `root differs from the checkpoint of size ${cp.size} already cosigned`;
  try {
    verifyConsistency(old.size, cp.size, old.root, cp.root, req.proof, c);
    return undefined;
  } catch (e) {
    return `consistency proof from size ${old.size} does not verify: ${(e as Error).message}`;
  }
}

/**
 * Answers one add-checkpoint body. `keysFor(origin)` gives the log keys this
 * witness trusts for that origin (undefined: not witnessed here → 404).
 */
export function addCheckpoint(
  text: string,
  keysFor: (origin: string) => readonly Verifier[] | undefined,
  state: LogState | undefined,
  cosigner: Cosigner,
  now: number,
  c: Crypto = nobleCrypto,
): WitnessAnswer {
  const p = parse(text);
  if ('status' in p) return p;
  const { req, cp, body } = p;
  const origin = cp.origin;
  const keys = keysFor(origin);
  if (!keys) return answer(404, `unknown log origin ${origin}`, { origin });
  const sigFault = checkLogSignature(req.checkpoint, keys, origin, c);
  if (sigFault) return sigFault;
  const evidence = forkEvidence(p, state);
  if (req.oldSize > cp.size)
    return answer(400, `old size ${req.oldSize} is larger than the checkpoint size ${cp.size}`, { origin, evidence });
  const latest = state?.size ?? 0;
  if (req.oldSize !== latest)
    return { status: 409, body: `${latest}\n`, contentType: TLOG_SIZE_CONTENT_TYPE, origin, evidence };
  const fault = checkConsistency(p, state, c);
  if (fault)
    return answer(422, fault, {
      origin,
      evidence:
        evidence ??
        (state && state.size > 0
          ? { origin, reason: fault, cosigned: state.note, offered: req.checkpoint }
          : undefined),
    });
  const line = cosign(cosigner, body, now, c);
  return {
    status: 200,
    body: line,
    contentType: TEXT,
    origin,
    state: { size: cp.size, root: cp.root, note: req.checkpoint + line },
  };
}

/** Same size, other root: two validly signed trees of one size, whatever the request says otherwise. */
function forkEvidence(p: Parsed, state: LogState | undefined): ForkEvidence | undefined {
  if (!state || state.size !== p.cp.size || equalBytes(state.root, p.cp.root)) return undefined;
  return {
    origin: p.cp.origin,
    reason: `two different trees of size ${state.size}`,
    cosigned: state.note,
    offered: p.req.checkpoint,
  };
}
