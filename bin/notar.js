#!/usr/bin/env node
// CommonJS (bin/package.json). `verify` and `prove` start from one CommonJS
// bundle, without the ESM loader (src/cli/fast-main.ts); the rest is ESM.
const path = require('node:path');

const FAST = path.join(__dirname, '../dist/cli-bundle/fast.cjs');

if (require.main === module) {
  const command = process.argv[2];
  const esm = () => import('../dist/cli-bundle/main.js');
  if (command === 'verify' || command === 'prove') {
    runScript(compileCached(FAST), FAST).finished.then((handled) => handled || esm());
  } else esm();
}

/**
 * Compiles a CommonJS file as require() would, with V8's code cache for it
 * (FILE.cache, written by scripts/build.mjs after a warm-up run): compiling
 * the functions verify and prove use is ~5 ms of their start-up. V8 refuses
 * a cache made for another source, V8 version or flags, and then simply
 * compiles, so the cache can only make start-up faster. (Stack traces of
 * cached functions name the file the cache was made with: `filename`.)
 */
function compileCached(file, useCache = true, filename = file) {
  const fs = require('node:fs');
  const vm = require('node:vm');
  let cachedData;
  try {
    if (useCache) cachedData = fs.readFileSync(file + '.cache');
  } catch {
    cachedData = undefined;
  }
  const source = `(function (exports, require, module, __filename, __dirname) {${fs.readFileSync(file, 'utf8')}\n})`;
  return new vm.Script(source, { filename, cachedData });
}

/** Runs a compiled file as a fresh CommonJS module; returns its exports. */
function runScript(script, file) {
  const { createRequire } = require('node:module');
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, createRequire(file), mod, file, path.dirname(file));
  return mod.exports;
}

module.exports = { compileCached, runScript };
