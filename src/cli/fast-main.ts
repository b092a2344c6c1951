/**
 * The entry point bin/notar.js loads, built as ONE CommonJS file
 * (dist/cli-bundle/fast.cjs). `verify` and `prove` are start-up bound
 * (issue 5: ≤ 1.5× and ≤ 2× `node -e ''`), and on Node 20 the ESM loader
 * costs several milliseconds per process plus some per module; a CommonJS
 * bundle needs neither. A plain `verify`/`prove` command line (fast-argv.ts)
 * runs here; everything else is handed, unchanged, to the ESM CLI (main.ts,
 * dist/cli-bundle/main.js), which declares every command.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { fastCommand } from './fast-argv.js';

type Runner = (args: string[], opts: Record<string, unknown>) => Promise<number>;

const HERE: Record<string, () => Promise<{ run: Runner }>> = {
  verify: () => import('./verify.js'),
  prove: () => import('./prove.js'),
};

async function start(argv: string[]): Promise<void> {
  const fast = fastCommand(argv.slice(2));
  if (!fast || !Object.hasOwn(HERE, fast.command)) {
    // A computed specifier: esbuild leaves it to Node, so the ESM CLI stays one copy.
    await import(pathToFileURL(path.join(__dirname, 'main.js')).href);
    return;
  }
  // Loaded only here, so the hand-over above costs other commands nothing.
  const [{ installNodeCrypto }, { quietOnEpipe, report, setDebug }] = await Promise.all([import('../node/crypto.js'), import('./report.js')]);
  installNodeCrypto();
  quietOnEpipe();
  setDebug(argv.includes('--debug'));
  try {
    process.exitCode = await (await HERE[fast.command]()).run(fast.args, fast.opts);
  } catch (e) {
    process.exitCode = report(e);
  }
}

void start(process.argv);
