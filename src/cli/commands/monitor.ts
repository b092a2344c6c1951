/**
 * `notar monitor URL|DIR --key VKEY [--state DIR]`: follows a published log
 * (src/publish/monitor.ts). Prints each new block; exit 0 when everything
 * new checks out, 1 with the evidence (JSON on stdout, and a file in the
 * state directory) on a fork, a rewritten block, damaged or missing tiles.
 */
import * as path from 'node:path';
import { NotarError } from '../../core/errors.js';
import type { Block } from '../../core/block.js';
import { writeFileAtomic } from '../../store/durable.js';
import { loadState, MonitorFault, monitorLog, saveState } from '../../publish/monitor.js';
import { openSource } from '../../publish/source.js';
import { cryptoOf, requireTrustedKeys, type Opts } from '../common.js';

export async function run(args: string[], opts: Opts): Promise<number> {
  if (args.length !== 1)
    throw new NotarError(
      'USAGE',
      'monitor needs one log: a URL prefix (https://…) or a directory that `notar publish` wrote',
    );
  const keys = requireTrustedKeys(opts, 'a log can only be monitored');
  if (keys.length !== 1) throw new NotarError('USAGE', 'monitor follows one log: give exactly one --key (the log key)');
  const stateDir = opts.state as string | undefined;
  const prev = stateDir ? loadState(stateDir) : undefined;
  const src = openSource(args[0]);
  const line = opts.json
    ? (b: Block) => JSON.stringify(b) + '\n'
    : (b: Block) =>
        `block ${b.seq}  ${b.time}  ${b.size} document${b.size === 1 ? '' : 's'}  root ${b.root.slice(0, 16)}…\n`;
  let out: string[] = [];
  const flush = () => {
    process.stdout.write(out.join(''));
    out = [];
  };
  try {
    const r = await monitorLog(
      src,
      keys[0],
      prev,
      (b) => {
        out.push(line(b));
        if (out.length >= 1024) flush();
      },
      cryptoOf(opts),
    );
    flush();
    if (stateDir) saveState(stateDir, r.state);
    const n = r.state.size - r.from;
    process.stderr.write(
      `notar: ${r.state.origin}: ${n === 0 ? 'no new blocks' : `${n} new block${n === 1 ? '' : 's'}`}; checkpoint of ${r.state.size} blocks verified (signature, consistency, tiles, entries, batch roots)\n`,
    );
    return 0;
  } catch (e) {
    flush();
    if (e instanceof MonitorFault) {
      const evidence =
        JSON.stringify(
          { kind: e.kind, message: e.message, source: src.where, time: new Date().toISOString(), ...e.evidence },
          null,
          2,
        ) + '\n';
      process.stdout.write(evidence);
      if (stateDir) writeFileAtomic(path.join(stateDir, `evidence-${Date.now()}-${e.kind}.json`), evidence);
    }
    throw e;
  }
}
