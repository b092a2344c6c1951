#!/usr/bin/env node
// Builds notar: the CLI bundle (dist/notar.cjs), the library (dist/core,
// per-file ESM), the verifier page and, with --types, the TypeScript
// declarations. Runs on `npm ci` (prepare) and before the tests.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const withTypes = process.argv.includes('--types');

function sources(dir) {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

// Build beside dist and swap it in, so a test run that is using dist never
// sees a half-built tree (several builds may run at once).
const out = `dist.tmp-${process.pid}`;
rmSync(join(root, out), { recursive: true, force: true });

// Library: every module of the core, the store and node/ transpiled one to
// one, imports left as they are (the CLI is the bundle below).
await build({
  absWorkingDir: root,
  entryPoints: sources('src').filter((f) => !f.startsWith(join('src', 'page')) && !f.startsWith(join('src', 'cli'))),
  outdir: out,
  outbase: 'src',
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  logLevel: 'warning',
});

// CLI: ONE CommonJS file, dist/notar.cjs (bin/notar.js requires it). Each
// command's module and commander and chalk are bundled in but evaluated
// only when used (esbuild turns import() into a lazy require). CommonJS, not
// ESM: on Node 20 the ESM loader cost verify ~7 ms more CPU (issue 11).
await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/main.ts'],
  outfile: `${out}/notar.cjs`,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // Whitespace only: 0.7 MB became 0.5 MB, ~1.5 ms less start-up to read and check (issue 11 item 6).
  // Not identifiers: with keepNames (names in stack traces) `prove` measured ~4 ms slower (a
  // __name call per function), and renamed helpers would escape plainBuiltins() below.
  minifyWhitespace: true,
  // import.meta.url in CommonJS (verifier-page.ts finds its template from it).
  define: { 'import.meta.url': '__notarUrl' },
  // The ASN.1/CMS libraries of RFC 3161 timestamps (about 0.5 MB) stay in
  // node_modules: required only when a timestamp command runs, so every other
  // command's start-up does not parse them (docs/timestamps.md).
  external: ['@peculiar/*', 'asn1js'],
  banner: { js: "const __notarUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});

/** A small CommonJS file of its own beside the bundle: `entry` and what it imports. */
const smallFile = (entry, file) =>
  build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile: `${out}/${file}`,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });

// stamp's second hashing thread (cli/hashing/parallel-hash.ts finds it beside notar.cjs): its own
// small file, so the worker compiles only the reading and hashing code.
await smallFile('src/cli/hashing/hash-worker.ts', 'hash-worker.cjs');

// Node's built-in modules as they are: esbuild wraps `import * as fs from 'node:fs'` in
// __toESM(require(...)), a copy with a getter per export, so every fs.openSync (six calls a
// document when stamping) went through a getter: ~35 ms of 1.2 s on 100,000 files, and ~3 ms of
// start-up making the copies. A namespace import of a built-in is the module's own exports, so
// the plain require serves every use but `.default` (chalk's default imports keep the wrapper).
function plainBuiltins(file) {
  let js = readFileSync(join(root, file), 'utf8');
  const wrapped = /\b([A-Za-z_$][\w$]*) ?= ?__toESM\(require\("(node:[a-z_/]+)"\), ?1\)/g;
  js = js.replace(wrapped, (all, name, mod) =>
    new RegExp(`(?<![\\w$])${name.replace(/\$/g, '\\$')}\\.default\\b`).test(js) ? all : `${name} = require("${mod}")`,
  );
  writeFileSync(join(root, file), js);
}
plainBuiltins(`${out}/notar.cjs`);
plainBuiltins(`${out}/hash-worker.cjs`);

// The compile-cache switch bin/notar.js runs before it loads the bundle (its own tiny file:
// it must run before notar.cjs is compiled).
await smallFile('src/cli/compile-cache.ts', 'compile-cache.cjs');

// Verifier page (issue 6): the browser-safe core bundled into ONE
// self-contained HTML template, dist/page/verifier.html. `notar verifier-page`
// fills in the trusted keys. Inline script and style are pinned by a CSP hash,
// and the CSP allows no network access at all.
async function buildPage() {
  const bundle = await build({
    absWorkingDir: root,
    entryPoints: ['src/page/main.ts'],
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    write: false,
    logLevel: 'warning',
  });
  const js = bundle.outputFiles[0].text.trim();
  const css = readFileSync(join(root, 'src/page/style.css'), 'utf8').trim();
  // Text that would end (or confuse the parsing of) the inline element early.
  if (/<\/script|<!--|<script/i.test(js) || /<\/style/i.test(css))
    throw new Error('verifier page: inline script or style contains a closing tag');
  const hash = (text) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
  const csp = `default-src 'none'; script-src ${hash(js)}; style-src ${hash(css)}; img-src data:; base-uri 'none'; form-action 'none'`;
  let html = readFileSync(join(root, 'src/page/template.html'), 'utf8');
  for (const [marker, value] of [
    ['NOTAR:CSP', csp],
    ['/*NOTAR:STYLE*/', css],
    ['/*NOTAR:SCRIPT*/', js],
  ]) {
    const parts = html.split(marker);
    if (parts.length !== 2) throw new Error(`verifier page: template needs exactly one ${marker}`);
    html = parts.join(value); // split/join: `$` in the bundle stays literal
  }
  if (html.split('__NOTAR_TRUSTED_KEYS__').length !== 2)
    throw new Error('verifier page: key placeholder must appear exactly once');
  mkdirSync(join(root, out, 'page'), { recursive: true });
  writeFileSync(join(root, out, 'page', 'verifier.html'), html);
}
await buildPage();

if (withTypes) {
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', root, '--emitDeclarationOnly', '--outDir', out],
    { stdio: 'inherit' },
  );
}

const old = `dist.old-${process.pid}`;
try {
  renameSync(join(root, 'dist'), join(root, old));
} catch (e) {
  if (e.code !== 'ENOENT') throw e;
}
renameSync(join(root, out), join(root, 'dist'));
rmSync(join(root, old), { recursive: true, force: true });
