/**
 * Publishing off the receipts' path: after a block is sealed (and its
 * receipts are on their way), the log is published into the publish
 * directory in the background. Blocks sealed while a publish runs are
 * published together by the next one, so a busy server publishes about once
 * per fsync round, not once per block (docs/scale.md §4). Errors are
 * reported and retried with the next block: the store is the source of truth.
 */
import type { ChainState } from '../store/chainfile.js';
import type { Store } from '../store/store.js';
import { publishLog } from '../publish/publish.js';

export class Publisher {
  private latest: ChainState | undefined;
  private readonly leafHashes = new Map<number, Uint8Array>();
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly dir: string,
  ) {}

  /** A block was sealed: publish up to `state` soon. */
  kick(state: ChainState, seq: number, leafHashes: Uint8Array): void {
    this.latest = state;
    this.leafHashes.set(seq, leafHashes);
    this.running ??= this.loop().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves once everything kicked so far is published (shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async loop(): Promise<void> {
    while (this.latest) {
      const state = this.latest;
      this.latest = undefined;
      const known = new Map(this.leafHashes);
      try {
        await publishLog(this.store, this.dir, { state, leafHashes: known });
      } catch (e) {
        process.stderr.write(
          `notar: warning: publishing the log failed (it is retried after the next block): ${(e as Error).message}\n`,
        );
      }
      for (const seq of known.keys()) if (seq < state.records.length) this.leafHashes.delete(seq);
    }
  }
}
