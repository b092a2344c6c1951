/**
 * The witness step of `stamp` (issue 12), after the block is sealed and
 * before receipts are written: ask the witnesses, then give the receipt
 * builder the checkpoint with every cosignature that arrived in time. A
 * witness that is down, late or refuses never stops the stamp.
 */
import type { ChainState } from '../../store/chainfile.js';
import type { Store } from '../../store/store.js';
import { askWitnesses, type WitnessOutcome } from '../../witness/client.js';
import { cosignedCheckpoint, readWitnesses } from '../../witness/log-witnesses.js';
import type { Opts } from '../common.js';
import { notice } from '../output/io.js';

export const DEFAULT_WITNESS_TIMEOUT_S = 5;

export function witnessTimeoutMs(opts: Opts): number {
  const s = Number(opts.witnessTimeout ?? DEFAULT_WITNESS_TIMEOUT_S);
  return Number.isFinite(s) && s > 0 ? Math.round(s * 1000) : DEFAULT_WITNESS_TIMEOUT_S * 1000;
}

export function reportOutcomes(outcomes: WitnessOutcome[], size: number): void {
  const ok = outcomes.filter((o) => o.result === 'cosigned').map((o) => o.witness.key.name);
  if (ok.length) notice(`cosigned by ${ok.join(', ')} (history size ${size})`);
  for (const o of outcomes) {
    if (o.result === 'missed')
      notice(`witness ${o.witness.key.name} missed: ${o.detail} (ask again later with \`notar cosign\`)`);
    if (o.result === 'refused') notice(`witness ${o.witness.key.name} refused: ${o.detail}`);
  }
}

/** The chain state with the latest checkpoint carrying its cosignatures (unchanged when no witness is configured). */
export async function witnessSealed(store: Store, state: ChainState, opts: Opts): Promise<ChainState> {
  const witnesses = readWitnesses(store.paths.dir);
  if (witnesses.length === 0) return state;
  const rec = state.records[state.records.length - 1];
  const outcomes = await askWitnesses(
    store.paths.dir,
    witnesses,
    state,
    rec,
    witnessTimeoutMs(opts),
    () => store.readChain().records.length,
    store.crypto,
  );
  reportOutcomes(outcomes, rec.seq + 1);
  const records = [
    ...state.records.slice(0, -1),
    { ...rec, checkpoint: cosignedCheckpoint(store.paths.dir, rec, store.crypto) },
  ];
  return { ...state, records };
}
