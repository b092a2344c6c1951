/**
 * The launcher behind bin/notar.js (CommonJS). `verify` and `prove` start
 * from one CommonJS bundle (fast.cjs, src/cli/fast-main.ts), without Node's
 * ESM loader, compiled with V8's code cache when one matches; every other
 * command line (and any line fast-main declines) goes to the ESM CLI.
 * On Node >= 22.1, Node's own compile cache (module.enableCompileCache) does
 * that job for every module instead; the home-made cache serves Node 20 only.
 */
import path = require('node:path');

const FAST = path.join(__dirname, 'fast.cjs');

/**
 * Compiles a CommonJS file as require() would, with V8's code cache for it
 * (FILE.cache, written by scripts/build.mjs after a warm-up run). V8 refuses
 * a cache made for another source, V8 version or flags and then simply
 * compiles, so the cache can only make start-up faster. (Stack traces of
 * cached functions name the file the cache was made with: `filename`.)
 */
function compileCached(file: string, useCache = true, filename = file): import('node:vm').Script {
  const fs: typeof import('node:fs') = require('node:fs');
  const vm: typeof import('node:vm') = require('node:vm');
  let cachedData: Buffer | undefined;
  try {
    if (useCache) cachedData = fs.readFileSync(file + '.cache');
  } catch {
    cachedData = undefined;
  }
  const source = `(function (exports, require, module, __filename, __dirname) {${fs.readFileSync(file, 'utf8')}\n})`;
  return new vm.Script(source, { filename, cachedData });
}

interface FastExports {
  /** Resolves true when fast-main handled the command line. */
  finished: Promise<boolean>;
}

/** Runs a compiled file as a fresh CommonJS module; returns its exports. */
function runScript(script: import('node:vm').Script, file: string): FastExports {
  const { createRequire }: typeof import('node:module') = require('node:module');
  const mod = { exports: {} as FastExports };
  script.runInThisContext()(mod.exports, createRequire(file), mod, file, path.dirname(file));
  return mod.exports;
}

/**
 * Turns on Node's compile cache (Node >= 22.1) for the modules loaded from
 * here on. Its directory is NODE_COMPILE_CACHE if the user set one, else a
 * private one under ~/.cache: never Node's default in the shared temp
 * directory, where another local user could plant code cache for notar to
 * run. False (no cache, nothing else changes) where unavailable or unsafe.
 */
function enableNodeCompileCache(): boolean {
  const mod: { enableCompileCache?: (dir?: string) => { status: number }; constants?: { compileCacheStatus?: Record<string, number> } } = require('node:module');
  const statuses = mod.constants?.compileCacheStatus;
  if (typeof mod.enableCompileCache !== 'function' || !statuses || process.env.NODE_DISABLE_COMPILE_CACHE) return false;
  let dir = process.env.NODE_COMPILE_CACHE;
  if (!dir) {
    const fs: typeof import('node:fs') = require('node:fs');
    const os: typeof import('node:os') = require('node:os');
    dir = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'notar', 'node-compile-cache');
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      const st = fs.statSync(dir);
      if (st.uid !== process.getuid?.() || (st.mode & 0o022) !== 0) return false;
    } catch {
      return false;
    }
  }
  const { status } = mod.enableCompileCache(dir);
  return status === statuses.ENABLED || status === statuses.ALREADY_ENABLED;
}

/** Runs notar for process.argv. */
function main(): void {
  const command = process.argv[2];
  const nodeCache = enableNodeCompileCache();
  const esm = () => import('./main.js');
  if (command === 'verify' || command === 'prove') {
    const fast: FastExports = nodeCache ? require(FAST) : runScript(compileCached(FAST), FAST);
    void fast.finished.then((handled): unknown => (handled ? undefined : esm()));
  } else void esm();
}

export { compileCached, main, runScript };
