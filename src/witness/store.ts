/**
 * The witness store: its own directory, apart from any log store.
 *
 *   notar-witness.json          {"format":"notar-witness/1","name":"<witness name>"}
 *   key.json                    the Ed25519 seed, sealed exactly like a log key (keyfile.ts;
 *                               the string inside is a signer key of type 0x01 used only
 *                               as storage, the witness signs as type 0x04)
 *   key.pub                     the cosigner verifier key (0x04)
 *   logs/<sha256(origin)>/key   the log's verifier key(s), one per line
 *   logs/<sha256(origin)>/state the latest checkpoint cosigned, with our cosignature
 *   logs/<sha256(origin)>/lock  held while one request for that origin is decided
 *   evidence/<time>-<n>.txt     signed notes that contradict each other (fork evidence)
 *
 * The safety property (tlog-witness): state is replaced atomically and durably
 * (temp file, fsync, rename, fsync dir) BEFORE a cosignature leaves, and one
 * origin's requests run one at a time (in this process: a queue; across
 * processes: the per-origin lock file).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cosignerFromSeed, type Cosigner, type CosignerVerifier, parseCosignerKey } from '../core/cosignature.js';
import { nobleCrypto, type Crypto } from '../core/crypto.js';
import { NotarError } from '../core/errors.js';
import { checkKeys, expectString, parseJson } from '../core/json.js';
import { parseNote, parseVerifierKey, signerFromSeed, type Verifier } from '../core/note.js';
import { addCheckpoint, type ForkEvidence, type LogState, type WitnessAnswer } from '../core/witness.js';
import { parseCheckpointBody } from '../core/witness-protocol.js';
import { fsyncDir, removeStaleTemps, writeFileAtomic } from '../store/durable.js';
import { isKeyEncrypted, openKey, sealKey } from '../store/keyfile.js';
import { acquireLock } from '../store/lock.js';

export const WITNESS_FORMAT = 'notar-witness/1';
/** How long a request waits for another process deciding the same origin. */
const ORIGIN_LOCK_MS = 10_000;

export function resolveWitnessDir(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (option) return path.resolve(option);
  if (env.NOTAR_WITNESS_STORE) return path.resolve(env.NOTAR_WITNESS_STORE);
  const xdg =
    env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME)
      ? env.XDG_DATA_HOME
      : path.join(process.env.HOME ?? '.', '.local', 'share');
  return path.join(xdg, 'notar-witness');
}

const io = (e: unknown, what: string) => new NotarError('IO', `${what}: ${(e as Error).message}`, { cause: e });
const originDir = (dir: string, origin: string) =>
  path.join(dir, 'logs', crypto.createHash('sha256').update(origin).digest('hex'));

export function initWitnessStore(
  dir: string,
  name: string,
  seed: Uint8Array,
  passphrase: string | null,
  c: Crypto = nobleCrypto,
): CosignerVerifier {
  const config = path.join(dir, 'notar-witness.json');
  if (fs.existsSync(config))
    throw new NotarError('EXISTS', `a witness store already exists at ${dir}`, {
      hint: 'use another --witness-store, or keep using this one',
    });
  const cosigner = cosignerFromSeed(name, seed, c);
  try {
    fs.mkdirSync(path.join(dir, 'logs'), { recursive: true, mode: 0o700 });
    fs.mkdirSync(path.join(dir, 'evidence'), { recursive: true, mode: 0o700 });
    writeFileAtomic(path.join(dir, 'key.json'), sealKey(signerFromSeed(name, seed, c), passphrase), { mode: 0o600 });
    writeFileAtomic(path.join(dir, 'key.pub'), cosigner.text + '\n');
    writeFileAtomic(config, JSON.stringify({ format: WITNESS_FORMAT, name }) + '\n');
    fsyncDir(dir);
  } catch (e) {
    throw io(e, `cannot create the witness store at ${dir}`);
  }
  return cosigner;
}

export interface WitnessedLog {
  readonly origin: string;
  readonly keys: Verifier[];
  readonly state?: LogState;
}

export class WitnessStore {
  /** Per-origin queue of this process: one decision at a time. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    readonly dir: string,
    readonly name: string,
    /** The SHA-256 and Ed25519 the witness computes with (core/crypto.ts). */
    readonly crypto: Crypto = nobleCrypto,
  ) {}

  static open(dir: string, c: Crypto = nobleCrypto): WitnessStore {
    let text: string;
    try {
      text = fs.readFileSync(path.join(dir, 'notar-witness.json'), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new NotarError('STORE', `no witness store at ${dir}`, {
          hint: 'create one with `notar witness init --name <witness name>`, or point --witness-store / NOTAR_WITNESS_STORE at it',
        });
      }
      throw io(e, `cannot read the witness store at ${dir}`);
    }
    const cfg = checkKeys(parseJson(text, 'witness store config', 4096), 'witness store config', ['format', 'name']);
    if (cfg.format !== WITNESS_FORMAT) throw new NotarError('STORE', `${dir}: unknown witness store format`);
    removeStaleTemps(dir);
    return new WitnessStore(dir, expectString(cfg.name, 'name', 256), c);
  }

  verifier(): CosignerVerifier {
    return parseCosignerKey(fs.readFileSync(path.join(this.dir, 'key.pub'), 'utf8').trim());
  }

  keyEncrypted(): boolean {
    return isKeyEncrypted(fs.readFileSync(path.join(this.dir, 'key.json'), 'utf8'));
  }

  cosigner(passphrase: () => string): Cosigner {
    const signer = openKey(fs.readFileSync(path.join(this.dir, 'key.json'), 'utf8'), passphrase, this.crypto);
    const cosigner = cosignerFromSeed(this.name, signer.seed, this.crypto);
    if (cosigner.text !== this.verifier().text)
      throw new NotarError('STORE', `${this.dir}: key.json and key.pub do not match`);
    return cosigner;
  }

  addLog(key: Verifier): void {
    const d = originDir(this.dir, key.name);
    const existing = this.logKeys(key.name) ?? [];
    if (existing.some((k) => k.text === key.text))
      throw new NotarError('EXISTS', `${key.name} is already witnessed with this key`);
    fs.mkdirSync(d, { recursive: true, mode: 0o700 });
    writeFileAtomic(path.join(d, 'key'), [...existing, key].map((k) => k.text + '\n').join(''));
  }

  /** Stops witnessing `origin`; its state stays on disk (renamed) so a later re-add cannot roll it back unknowingly. */
  removeLog(origin: string): void {
    const file = path.join(originDir(this.dir, origin), 'key');
    if (!fs.existsSync(file)) throw new NotarError('NOT_FOUND', `${origin} is not witnessed here`);
    fs.renameSync(file, file + '.removed');
    fsyncDir(path.dirname(file));
  }

  logKeys(origin: string): Verifier[] | undefined {
    let text: string;
    try {
      text = fs.readFileSync(path.join(originDir(this.dir, origin), 'key'), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw io(e, `cannot read the keys of ${origin}`);
    }
    return text
      .split('\n')
      .filter(Boolean)
      .map((l) => parseVerifierKey(l));
  }

  state(origin: string): LogState | undefined {
    let note: string;
    try {
      note = fs.readFileSync(path.join(originDir(this.dir, origin), 'state'), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw io(e, `cannot read the state of ${origin}`);
    }
    const cp = parseCheckpointBody(parseNote(note).body);
    return { size: cp.size, root: cp.root, note };
  }

  logs(): WitnessedLog[] {
    const root = path.join(this.dir, 'logs');
    return fs
      .readdirSync(root)
      .flatMap((h) => {
        const file = path.join(root, h, 'key');
        if (!fs.existsSync(file)) return [];
        const keys = fs
          .readFileSync(file, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => parseVerifierKey(l));
        return [{ origin: keys[0].name, keys, state: this.state(keys[0].name) }];
      })
      .sort((a, b) => (a.origin < b.origin ? -1 : 1));
  }

  /**
   * Decides one add-checkpoint body: serialized per origin, state saved
   * durably before the answer is returned, fork evidence kept.
   */
  async addCheckpoint(
    text: string,
    origin: string | undefined,
    cosigner: Cosigner,
    now: () => number,
    onEvidence: (file: string, e: ForkEvidence) => void,
  ): Promise<WitnessAnswer> {
    const keysFor = (o: string) => this.logKeys(o);
    if (origin === undefined || !keysFor(origin))
      return addCheckpoint(text, keysFor, undefined, cosigner, now(), this.crypto);
    const prev = this.queues.get(origin) ?? Promise.resolve();
    const run = prev.then(() => this.decideLocked(text, origin, cosigner, now, onEvidence));
    const tail = run.catch(() => undefined);
    this.queues.set(origin, tail);
    void tail.then(() => {
      if (this.queues.get(origin) === tail) this.queues.delete(origin);
    });
    return run;
  }

  private async decideLocked(
    text: string,
    origin: string,
    cosigner: Cosigner,
    now: () => number,
    onEvidence: (file: string, e: ForkEvidence) => void,
  ): Promise<WitnessAnswer> {
    const lock = await acquireLock(originDir(this.dir, origin), ORIGIN_LOCK_MS);
    try {
      const a = addCheckpoint(text, (o) => this.logKeys(o), this.state(origin), cosigner, now(), this.crypto);
      // A request for another origin than its body says cannot happen (origin came from the body); be safe anyway.
      if (a.origin !== undefined && a.origin !== origin)
        return { ...a, status: 400, body: 'origin changed\n', state: undefined };
      if (a.evidence) onEvidence(this.keepEvidence(a.evidence), a.evidence);
      if (a.state) writeFileAtomic(path.join(originDir(this.dir, origin), 'state'), a.state.note);
      return a;
    } finally {
      lock.release();
    }
  }

  private keepEvidence(e: ForkEvidence): string {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const file = path.join(this.dir, 'evidence', `${stamp}-${crypto.randomBytes(4).toString('hex')}.txt`);
    const text = `fork evidence for ${e.origin}: ${e.reason}\n\n# cosigned by this witness:\n${e.cosigned}\n# offered, validly signed by the log:\n${e.offered}`;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomic(file, text);
    return file;
  }
}
