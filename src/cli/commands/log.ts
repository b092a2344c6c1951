/**
 * `notar log [--json]`: the blocks of the chain, one line each. A torn last
 * line (an interrupted stamp, FORMAT.md §6) is not a block: it is reported
 * on stderr and never listed.
 */
import { toHex } from '../../core/bytes.js';
import { openStoreFromOpts, type Opts } from '../common.js';
import { notice } from '../output/io.js';
import type { ChainState } from '../../store/chainfile.js';
import type { Store } from '../../store/store.js';
import { blockDocuments, selectBlocks, type LoggedBlock } from '../lifecycle/log-filter.js';

export async function run(_args: string[], opts: Opts): Promise<number> {
  const store = openStoreFromOpts(opts);
  const state = store.readChain();
  reportTornTail(state);
  if (state.records.length === 0) {
    notice(`the chain of ${store.origin} is empty: nothing has been stamped yet`);
    return 0;
  }
  const line = opts.json ? (b: LoggedBlock) => jsonLine(state, b, store, opts) : humanLine(state, store, opts);
  const out: string[] = [];
  for (const b of selectBlocks(store, state, opts)) {
    out.push(line(b));
    if (out.length >= 4096) flush(out);
  }
  flush(out);
  return 0;
}

export function reportTornTail(state: ChainState): void {
  if (state.tornTail) {
    notice(
      `notice: the chain file ends with an incomplete line (${state.tornTail.length} bytes, left by an interrupted stamp); it is not a block and is not shown; the next stamp removes it`,
    );
  }
}

function flush(out: string[]): void {
  process.stdout.write(out.join(''));
  out.length = 0;
}

function blockHashHex(state: ChainState, seq: number): string {
  return toHex(state.blockHashes.subarray(seq * 32, seq * 32 + 32));
}

/** `   3  2026-11-25T08:19:37Z     40 documents  root 1a2b…  prev 9f8e…  ana`: columns line up; --documents adds one line per document. */
function humanLine(state: ChainState, store: Store, opts: Opts): (b: LoggedBlock) => string {
  const last = state.records[state.records.length - 1];
  const seqWidth = String(last.seq).length;
  // A loop, not Math.max(...): a long chain would overflow the argument list.
  let sizeWidth = 1;
  for (const r of state.records) sizeWidth = Math.max(sizeWidth, String(r.size).length);
  return ({ rec: r, clerk, entry }) => {
    const docs = `${String(r.size).padStart(sizeWidth)} document${r.size === 1 ? ' ' : 's'}`;
    const head = `${String(r.seq).padStart(seqWidth)}  ${r.time}  ${docs}  root ${r.root.slice(0, 16)}  prev ${r.prev.slice(0, 16)}  ${clerk}${entry ? `  [${entry}]` : ''}\n`;
    if (!opts.documents) return head;
    return (
      head +
      blockDocuments(store, r.seq)
        .map((d) => `    ${d.index}  ${d.sha256}  ${d.name === null ? '-' : JSON.stringify(d.name)}\n`)
        .join('')
    );
  };
}

/** The size line of a checkpoint (FORMAT.md §5); null if unreadable (auditing it is `chain verify`'s job). */
function checkpointSize(note: string): number | null {
  const m = /^[^\n]+\n(0|[1-9][0-9]{0,15})\n/.exec(note);
  return m ? Number(m[1]) : null;
}

function jsonLine(state: ChainState, b: LoggedBlock, store: Store, opts: Opts): string {
  const { seq, time, size, root, prev } = b.rec;
  const clerk = b.record.kind === 'ok' ? b.record.record.clerk : null;
  const base = {
    seq,
    time,
    size,
    root,
    prev,
    blockHash: blockHashHex(state, seq),
    checkpointSize: checkpointSize(b.rec.checkpoint),
    clerk,
    ...(b.entry ? { entry: b.entry } : {}),
  };
  return JSON.stringify(opts.documents ? { ...base, documents: blockDocuments(store, seq) } : base) + '\n';
}
