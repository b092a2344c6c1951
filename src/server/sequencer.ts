/**
 * One sequencer per log: documents from many clerks, arriving within a short
 * window (default 250 ms, or as soon as 10,000 are waiting), are sealed as
 * one block through Store.seal (one signature, one fsync for all of them).
 * A submission's promise resolves with its receipts only after the block is
 * durably sealed; if sealing fails, it rejects and nothing is returned.
 * Which clerk stamped which documents is recorded beside the block
 * (`stampings.jsonl`, stampings.ts), durably, just before the block is
 * signed: before anyone gets a receipt, and never missing for a sealed block.
 */
import { NotarError } from '../core/errors.js';
import type { Signer } from '../core/note.js';
import type { Receipt } from '../core/receipt.js';
import type { ChainState } from '../store/chainfile.js';
import { ReceiptBuilder, type SealResult, type Store } from '../store/store.js';
import { BlockReceipts, type SubmissionReceipts } from '../store/receipt-lines.js';
import { recordStampings, type ClerkRange } from './stampings.js';

export interface SequencerOptions {
  /** How long the first waiting document waits for company. */
  readonly windowMs: number;
  /** Seal as soon as this many documents wait (and at most this many per block, unless one request is larger). */
  readonly maxDocs: number;
  /** Refuse new work (429) while this many documents wait. */
  readonly maxQueued: number;
  /**
   * After a block is sealed and recorded, before its receipts are built: the
   * witnesses' cosignatures and the TSAs' tokens (issues 12 and 14), each under
   * its own deadline. Never fatal: the block is sealed whatever it answers.
   */
  readonly endorse?: (sealed: SealResult) => Promise<Endorsement>;
  /** Called after each block is sealed, recorded and endorsed, before receipts go out (quick: e.g. start publishing). */
  readonly afterSeal?: (sealed: SealResult) => void;
}

/** What the receipts of a sealed block carry besides the log's own signature. */
export interface Endorsement {
  /** The chain state whose latest checkpoint carries the cosignatures that arrived in time. */
  readonly state: ChainState;
  /** RFC 3161 tokens (base64 DER) over the checkpoint body, if any. */
  readonly timestamps?: string[];
}

export interface Submission {
  readonly clerk: string;
  /** count × 32-byte digests, packed. */
  readonly digests: Uint8Array;
  readonly names: (string | undefined)[];
}

interface Job extends Submission {
  /** Date.now() when it was queued. */
  readonly queuedAt: number;
  resolve(receipts: SubmissionReceipts): void;
  reject(e: unknown): void;
}

/** An error the HTTP layer turns into a status (503, 429, 500). */
export class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class Sequencer {
  private queue: Job[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | undefined;
  private sealing: Promise<void> | undefined;
  private draining = false;
  /** When the oldest waiting document arrived: the window runs from then, even while a block was being sealed. */
  private firstQueuedAt = 0;

  constructor(
    private readonly store: Store,
    private readonly signer: Signer,
    private readonly opts: SequencerOptions,
  ) {}

  get pending(): number {
    return this.queued;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  submit(s: Submission): Promise<SubmissionReceipts> {
    if (this.draining)
      return Promise.reject(new ServiceError(503, 'SHUTTING_DOWN', 'the server is shutting down; try again shortly'));
    const n = s.names.length;
    if (this.queued > 0 && this.queued + n > this.opts.maxQueued)
      return Promise.reject(
        new ServiceError(429, 'BUSY', `${this.queued} documents are waiting to be sealed; try again in a moment`),
      );
    return new Promise<SubmissionReceipts>((resolve, reject) => {
      const queuedAt = Date.now();
      if (this.queue.length === 0) this.firstQueuedAt = queuedAt;
      this.queue.push({ ...s, queuedAt, resolve, reject });
      this.queued += n;
      this.schedule();
    });
  }

  /** Refuses new work, seals everything accepted, and resolves when the last block is done. */
  async drain(): Promise<void> {
    this.draining = true;
    while (this.queue.length > 0 || this.sealing) {
      if (!this.sealing) this.flush();
      await this.sealing;
    }
  }

  private schedule(): void {
    if (this.sealing) return; // the block being sealed reschedules when it is done
    if (this.queued >= this.opts.maxDocs || this.draining) {
      this.flush();
    } else if (!this.timer && this.queue.length > 0) {
      this.timer = setTimeout(() => this.flush(), Math.max(0, this.opts.windowMs - (Date.now() - this.firstQueuedAt)));
    }
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.sealing || this.queue.length === 0) return;
    const jobs = this.take();
    this.sealing = this.sealJobs(jobs).finally(() => {
      this.sealing = undefined;
      this.schedule();
    });
  }

  /** Whole submissions, oldest first, up to maxDocs (at least one). */
  private take(): Job[] {
    let count = 0;
    let k = 0;
    while (k < this.queue.length && (k === 0 || count + this.queue[k].names.length <= this.opts.maxDocs))
      count += this.queue[k++].names.length;
    const jobs = this.queue.splice(0, k);
    this.queued -= count;
    // Requests left for the next block keep their arrival time: their window is not restarted.
    if (this.queue.length > 0) this.firstQueuedAt = this.queue[0].queuedAt;
    return jobs;
  }

  private async sealJobs(jobs: Job[]): Promise<void> {
    const total = jobs.reduce((n, j) => n + j.names.length, 0);
    const digests = new Uint8Array(total * 32);
    const names: (string | undefined)[] = [];
    for (const j of jobs) {
      digests.set(j.digests, names.length * 32);
      names.push(...j.names);
    }
    let sealed: SealResult;
    try {
      sealed = await this.store.seal({ digests, names }, this.signer, {
        beforeSign: (_state, next) => recordStampings(this.store.paths.dir, next.seq, next.root, clerkRanges(jobs)),
      });
      for (const msg of sealed.recovered) process.stderr.write(`notar: recovered: ${msg}\n`);
    } catch (e) {
      const err = e instanceof NotarError ? new ServiceError(500, 'STORE', `sealing failed: ${e.message}`) : e;
      for (const j of jobs) j.reject(err);
      return;
    }
    const endorsed = await this.endorse(sealed);
    this.opts.afterSeal?.(sealed);
    const build = new ReceiptBuilder(endorsed.state, this.signer.text, this.store.crypto, sealed.historyPath).forBatch(
      sealed.record.seq,
      sealed.batch,
      names,
    );
    const { timestamps } = endorsed;
    const receipt = timestamps ? (i: number): Receipt => ({ ...build(i), timestamps }) : build;
    const receipts = new BlockReceipts(receipt, sealed.batch, names);
    let from = 0;
    for (const j of jobs) {
      j.resolve(receipts.forSubmission(from, j.names.length));
      from += j.names.length;
    }
  }

  /** The block is sealed: an endorsement that fails costs only itself, never the receipts. */
  private async endorse(sealed: SealResult): Promise<Endorsement> {
    if (!this.opts.endorse) return { state: sealed.state };
    try {
      return await this.opts.endorse(sealed);
    } catch (e) {
      process.stderr.write(
        `notar: warning: block ${sealed.record.seq}: no cosignatures or timestamps: ${(e as Error).message}\n`,
      );
      return { state: sealed.state };
    }
  }
}

/** Which clerk submitted which leaves of the block (leaf index ranges, in submission order). */
function clerkRanges(jobs: Job[]): ClerkRange[] {
  const ranges: ClerkRange[] = [];
  let from = 0;
  for (const j of jobs) {
    ranges.push({ clerk: j.clerk, from, count: j.names.length });
    from += j.names.length;
  }
  return ranges;
}
