/**
 * The entry point the launcher (src/cli/launch.cts) loads, built as ONE CommonJS file
 * (dist/cli-bundle/fast.cjs). `verify` and `prove` are start-up bound
 * (issue 5: ≤ 1.5× and ≤ 2× `node -e ''`), and on Node 20 the ESM loader
 * costs several milliseconds per process plus some per module; a CommonJS
 * bundle needs neither. A plain `verify`/`prove` command line (fast-argv.ts)
 * runs here; for anything else `finished` is false and the launcher (src/cli/launch.cts) hands
 * the line, unchanged, to the ESM CLI (main.ts, dist/cli-bundle/main.js),
 * which declares every command. (No import() here: the file runs from a V8
 * code cache, where a dynamic import has no loader to call.)
 */
import { fastCommand } from './fast-argv.js';

type Runner = (args: string[], opts: Record<string, unknown>) => Promise<number>;

const HERE: Record<string, () => Promise<{ run: Runner }>> = {
  verify: () => import('./commands/verify.js'),
  prove: () => import('./commands/prove.js'),
};

/** False: not a line for this path; the caller (src/cli/launch.cts) runs the ESM CLI. */
async function start(argv: string[]): Promise<boolean> {
  const fast = fastCommand(argv.slice(2));
  if (!fast || !Object.hasOwn(HERE, fast.command)) return false;
  // Loaded only here: a line handed back above has no use for them.
  const [{ installNodeCrypto }, { quietOnEpipe, report, setDebug }] = await Promise.all([import('../node/crypto.js'), import('./output/report.js')]);
  installNodeCrypto();
  quietOnEpipe();
  setDebug(argv.includes('--debug'));
  try {
    process.exitCode = await (await HERE[fast.command]()).run(fast.args, fast.opts);
  } catch (e) {
    process.exitCode = report(e);
  }
  return true;
}

/** Settles when the command is done (src/cli/launch.cts, and scripts/build.mjs warming the code cache, wait on it). */
export const finished: Promise<boolean> = start(process.argv);
