/**
 * Measuring helpers for the bench: run a command (directly or through sh),
 * time it, optionally record its peak RSS, and take medians of interleaved
 * runs. Interleaving (notar, reference, notar, reference, …) spreads the
 * noise of a busy machine over both sides of a ratio instead of one.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const GNU_TIME = '/usr/bin/time';
export const hasGnuTime = fs.existsSync(GNU_TIME);
const RSS_WRAPPER = new URL('./rss-wrap.mjs', import.meta.url).pathname;

/** Whether an executable is on PATH (a reference tool may be missing: its row prints n/a). */
export function have(tool) {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

let rssCounter = 0;

/**
 * One run of `spec`: { argv } (spawned directly) or { sh } (a shell line),
 * with cwd, env, stdin (a file), stdout (a file; default /dev/null) and
 * rss (record peak RSS in KiB). Returns { ms, rssKiB, code, stderr }.
 */
export function runOnce(spec, tmp) {
  let argv = spec.argv ?? ['sh', '-c', spec.sh];
  let rssFile;
  if (spec.rss) {
    rssFile = path.join(tmp, `rss-${process.pid}-${rssCounter++}`);
    argv = hasGnuTime
      ? [GNU_TIME, '-f', '%M', '-o', rssFile, ...argv]
      : [process.execPath, RSS_WRAPPER, rssFile, ...argv];
  }
  const stdin = spec.stdin ? fs.openSync(spec.stdin, 'r') : 'ignore';
  const stdout = fs.openSync(spec.stdout ?? '/dev/null', 'w');
  try {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(argv[0], argv.slice(1), {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      stdio: [stdin, stdout, 'pipe'],
      maxBuffer: 64 << 20,
    });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.error) return { ms, code: -1, stderr: String(r.error.message) };
    const rssKiB = rssFile ? readRss(rssFile) : undefined;
    return { ms, rssKiB, code: r.status ?? -1, stderr: r.stderr.toString('utf8') };
  } finally {
    if (typeof stdin === 'number') fs.closeSync(stdin);
    fs.closeSync(stdout);
    if (rssFile) fs.rmSync(rssFile, { force: true });
  }
}

function readRss(file) {
  try {
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    const n = Number(lines[lines.length - 1]);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs every spec `warmup + runs` times, interleaved; `spec.before()` runs
 * untimed before each run (e.g. removing receipts of the previous run).
 * Returns per spec { ms (median), all, rssKiB (max), error }.
 */
export function series(specs, { warmup = 1, runs = 5, tmp = os.tmpdir() } = {}) {
  const results = specs.map(() => ({ times: [], rss: [], error: undefined }));
  for (let r = 0; r < warmup + runs; r++) {
    specs.forEach((spec, i) => {
      const res = results[i];
      if (res.error) return;
      spec.before?.();
      // Dirty pages of the previous command (100,000 receipt files are ~400 MB) are written back
      // first: the kernel's flusher threads would otherwise take a core from whatever runs next.
      settle();
      const out = runOnce(spec, tmp);
      if (out.code !== 0) {
        res.error = firstLine(out.stderr) || `exit code ${out.code}`;
        return;
      }
      if (r >= warmup) {
        res.times.push(out.ms);
        if (out.rssKiB !== undefined) res.rss.push(out.rssKiB);
      }
    });
  }
  return results.map((res) => ({
    ms: res.times.length ? median(res.times) : undefined,
    all: res.times,
    rssKiB: res.rss.length ? Math.max(...res.rss) : undefined,
    error: res.error,
  }));
}

/** sync(1), where there is one: start each timed run with nothing left to write back. */
function settle() {
  spawnSync('sync', [], { stdio: 'ignore' });
}

export function firstLine(text) {
  return (
    (text ?? '')
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim()
      .slice(0, 90) ?? ''
  );
}

/** Runs a setup command; throws with its stderr if it fails. */
export function must(argv, opts = {}) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', maxBuffer: 256 << 20, ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0)
    throw new Error(`${argv.slice(0, 4).join(' ')} failed (exit ${r.status}): ${firstLine(r.stderr)}`);
  return r.stdout;
}

/** Async variant for long setup steps whose output is not needed. */
export function mustAsync(argv, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], ...opts });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${argv.slice(0, 4).join(' ')} failed (exit ${code}): ${firstLine(err)}`)),
    );
  });
}

export const fmtMs = (ms) =>
  ms === undefined
    ? '—'
    : ms >= 10_000
      ? `${(ms / 1000).toFixed(1)} s`
      : ms >= 1000
        ? `${(ms / 1000).toFixed(2)} s`
        : `${ms.toFixed(0)} ms`;
export const fmtMiB = (kib) => (kib === undefined ? '—' : `${(kib / 1024).toFixed(0)} MiB`);
