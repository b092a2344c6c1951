#!/usr/bin/env node
/**
 * `npm run bench [-- --quick] [-- --only a,b] [-- --keep] [-- --json FILE] [-- --node PATH]`
 *
 * Builds notar, snapshots the build (other builds may swap dist/ meanwhile),
 * generates data in a temp directory, runs notar and the reference tools on
 * the same files, and prints one table: figure, notar, reference, ratio,
 * target, result. See bench/README.md for what each figure measures.
 * --node PATH builds and runs notar (and the `node -e ''` reference) with
 * another Node binary, so that figures compare across Node lines.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeFigures } from './figures.mjs';
import { hasGnuTime, must } from './lib.mjs';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(benchDir, '..');

function parseArgs(argv) {
  const get = (flag) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const known = new Set(['--quick', '--keep', '--only', '--json', '--no-build', '--node']);
  for (const a of argv) {
    if (a.startsWith('--') && !known.has(a)) {
      process.stderr.write(
        `bench: unknown option ${a}\nusage: node bench/run.mjs [--quick] [--only ids] [--keep] [--json FILE] [--no-build] [--node PATH]\n`,
      );
      process.exit(2);
    }
  }
  return {
    quick: argv.includes('--quick'),
    keep: argv.includes('--keep'),
    build: !argv.includes('--no-build'),
    only: get('--only')?.split(','),
    json: get('--json'),
    node: nodeBinary(get('--node')),
  };
}

/** The Node that runs notar: --node PATH (checked to start), else this one. */
function nodeBinary(given) {
  if (given === undefined) return { path: process.execPath, version: process.version };
  const r = spawnSync(given, ['-p', 'process.version'], { encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(
      `bench: --node ${given}: not a working Node binary (${r.error?.message ?? r.stderr.trim()})\n`,
    );
    process.exit(2);
  }
  return { path: path.resolve(given), version: r.stdout.trim() };
}

const FULL = {
  small: 100_000,
  large: { count: 20, mib: 50 },
  seal: 1_000_000,
  prove: { batches: 100, batchSize: 10_000 },
  chainBlocks: 10_000,
  hugeBytes: 4 * 2 ** 30,
  docs: 1000,
};
const QUICK = {
  small: 20_000,
  large: { count: 4, mib: 50 },
  seal: 200_000,
  prove: { batches: 10, batchSize: 10_000 },
  chainBlocks: 1000,
  hugeBytes: 2 ** 30,
  docs: 100,
};

/** A private copy of the build: a concurrent rebuild must not swap chunks under a running figure. */
function snapshot(tmp) {
  const dir = path.join(tmp, 'notar');
  for (let attempt = 0; ; attempt++) {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir, { recursive: true });
      fs.cpSync(path.join(repo, 'bin'), path.join(dir, 'bin'), { recursive: true });
      fs.cpSync(path.join(repo, 'dist'), path.join(dir, 'dist'), { recursive: true });
      break;
    } catch (e) {
      if (attempt >= 5) throw e;
    }
  }
  fs.copyFileSync(path.join(repo, 'package.json'), path.join(dir, 'package.json'));
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

function context(opts, tmp, snap) {
  const root = path.join(tmp, 'data');
  fs.mkdirSync(root, { recursive: true });
  const baseEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8' };
  return {
    quick: opts.quick,
    warmup: 1,
    runs: opts.quick ? 3 : 5,
    startupRuns: opts.quick ? 10 : 20,
    sizes: opts.quick ? QUICK : FULL,
    tmp,
    root,
    benchDir,
    dist: path.join(snap, 'dist'),
    node: opts.node.path,
    notar: [opts.node.path, path.join(snap, 'bin', 'notar.js')],
    env: (store) => (store ? { ...baseEnv, NOTAR_STORE: store } : baseEnv),
    /** [label, env] for start-up figures: the clean env, and the inherited one if it differs. */
    envs: (store) => {
      const own = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('NOTAR_')));
      const extra = Object.keys(own).filter((k) => /^(NODE_|UV_)/.test(k));
      const clean = store ? { ...baseEnv, NOTAR_STORE: store } : baseEnv;
      const mine = store ? { ...own, NOTAR_STORE: store } : own;
      return extra.length
        ? [
            ['clean env', clean],
            [`your env: ${extra.join(', ')}`, mine],
          ]
        : [['clean env', clean]];
    },
    // One command line as long as the system allows: the fewer notar start-ups, the fairer.
    xargsSize: 1 << 20,
  };
}

function printTable(rows) {
  const cols = ['figure', 'notar', 'reference', 'ratio', 'target', 'result'];
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells) =>
    cells
      .map((c, i) => String(c).padEnd(width[i]))
      .join(' | ')
      .trimEnd();
  process.stdout.write(`${line(cols)}\n${width.map((w) => '-'.repeat(w)).join('-|-')}\n`);
  for (const r of rows) process.stdout.write(line(cols.map((c) => r[c])) + '\n');
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  // Built by the Node that will run it (the run-time code cache is per V8 version anyway).
  if (opts.build)
    must([opts.node.path, path.join(repo, 'scripts', 'build.mjs')], {
      cwd: repo,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'notar-bench-'));
  const started = Date.now();
  const rows = [];
  try {
    const ctx = context(opts, tmp, snapshot(tmp));
    process.stderr.write(
      `bench: ${opts.quick ? 'quick' : 'full'} run in ${tmp}; ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(2)}; node ${opts.node.version} (${opts.node.path}); peak RSS via ${hasGnuTime ? '/usr/bin/time' : '/proc VmHWM polling'}\n`,
    );
    for (const [id, figure] of makeFigures(ctx)) {
      if (opts.only && !opts.only.includes(id)) continue;
      const t0 = Date.now();
      process.stderr.write(`bench: ${id}…`);
      const got = figure();
      rows.push(...got);
      process.stderr.write(` ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
    }
  } finally {
    if (opts.keep) process.stderr.write(`bench: kept ${tmp}\n`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
  printTable(rows);
  process.stdout.write(
    `\n${opts.quick ? 'quick run (fewer, smaller: indicative only)' : 'full run'}; medians of ${opts.quick ? 3 : 5} runs after a warm-up (see bench/README.md); total ${((Date.now() - started) / 1000).toFixed(0)} s; load average now ${os.loadavg()[0].toFixed(2)}\n`,
  );
  if (opts.json) fs.writeFileSync(opts.json, JSON.stringify(rows, null, 2) + '\n');
}

await main();
