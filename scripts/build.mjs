#!/usr/bin/env node
// Builds notar: the CLI bundle (fast start-up: one file plus lazily loaded
// chunks), the library (dist/core, per-file ESM) and, with --types, the
// TypeScript declarations. Runs on `npm ci` (prepare) and before the tests.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

// Library: every module transpiled one to one, imports left as they are.
await build({
  absWorkingDir: root,
  entryPoints: sources('src').filter((f) => !f.startsWith(join('src', 'page'))),
  outdir: out,
  outbase: 'src',
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  logLevel: 'warning',
});

// CLI: one bundle; commands and heavy dependencies split into chunks that
// load only when used (start-up time is a feature: see bench/).
await build({
  absWorkingDir: root,
  // stamp-worker: stamp's second thread (worker-file.ts finds it beside the chunks).
  entryPoints: { main: 'src/cli/main.ts', 'stamp-worker': 'src/cli/hashing/stamp-worker.ts' },
  outdir: `${out}/cli-bundle`,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  banner: { js: "import { createRequire as __nr } from 'node:module'; const require = __nr(import.meta.url);" },
  logLevel: 'warning',
});

// CommonJS outputs: the launcher bin/notar.js requires (picks the fast or the
// ESM entry; not bundled, so its import('./main.js') stays a real import), and
// verify and prove in ONE bundled file (src/cli/fast-main.ts), which starts
// several ms faster than the ESM loader on Node 20.
const cjs = {
  absWorkingDir: root,
  outdir: `${out}/cli-bundle`,
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
};
await build({ ...cjs, entryPoints: { launch: 'src/cli/launch.cts' } });

await build({
  ...cjs,
  entryPoints: { fast: 'src/cli/fast-main.ts' },
  bundle: true,
});

// V8 code cache for fast.cjs (launch.cjs loads it): made after one real
// `verify` and one `prove` in a throwaway store, so it holds the functions
// they compile. Best effort: without it notar is only a few ms slower.
function warmCodeCache() {
  const fast = join(root, out, 'cli-bundle', 'fast.cjs');
  const tmp = mkdtempSync(join(tmpdir(), 'notar-build-'));
  try {
    const env = { PATH: process.env.PATH, HOME: tmp, NOTAR_STORE: join(tmp, 'store'), LANG: 'C.UTF-8' };
    const esm = (...args) => execFileSync(process.execPath, [join(root, out, 'cli-bundle', 'main.js'), ...args], { cwd: tmp, env, stdio: ['ignore', 'pipe', 'ignore'] });
    esm('init', '--name', 'build.invalid/warm-up', '--no-passphrase');
    writeFileSync(join(tmp, 'doc.txt'), 'warm-up\n');
    esm('stamp', 'doc.txt');
    writeFileSync(join(tmp, 'office.vkey'), esm('key', 'show'));
    const digest = createHash('sha256').update('warm-up\n').digest('hex');
    const runs = [['verify', 'doc.txt', '--key-file', 'office.vkey'], ['prove', '--sha256', digest]];
    const child = `const { compileCached, runScript } = require(${JSON.stringify(join(root, out, 'cli-bundle', 'launch.cjs'))});
const file = ${JSON.stringify(fast)};
const script = compileCached(file, false, ${JSON.stringify(join(root, 'dist', 'cli-bundle', 'fast.cjs'))});
(async () => {
  for (const argv of ${JSON.stringify(runs)}) {
    process.argv = [process.execPath, 'notar', ...argv];
    await runScript(script, file).finished;
    if (process.exitCode !== 0) throw new Error('warm-up ' + argv[0] + ' exited ' + process.exitCode);
  }
  require('node:fs').writeFileSync(file + '.cache', script.createCachedData());
})();`;
    execFileSync(process.execPath, ['-e', child], { cwd: tmp, env, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    process.stderr.write(`build: no code cache for fast.cjs (${e.message.split('\n')[0]}); verify/prove start a few ms slower\n`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
warmCodeCache();

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
  if (/<\/script|<!--|<script/i.test(js) || /<\/style/i.test(css)) throw new Error('verifier page: inline script or style contains a closing tag');
  const hash = (text) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
  const csp = `default-src 'none'; script-src ${hash(js)}; style-src ${hash(css)}; img-src data:; base-uri 'none'; form-action 'none'`;
  let html = readFileSync(join(root, 'src/page/template.html'), 'utf8');
  for (const [marker, value] of [['NOTAR:CSP', csp], ['/*NOTAR:STYLE*/', css], ['/*NOTAR:SCRIPT*/', js]]) {
    const parts = html.split(marker);
    if (parts.length !== 2) throw new Error(`verifier page: template needs exactly one ${marker}`);
    html = parts.join(value); // split/join: `$` in the bundle stays literal
  }
  if (html.split('__NOTAR_TRUSTED_KEYS__').length !== 2) throw new Error('verifier page: key placeholder must appear exactly once');
  mkdirSync(join(root, out, 'page'), { recursive: true });
  writeFileSync(join(root, out, 'page', 'verifier.html'), html);
}
await buildPage();

if (withTypes) {
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', root, '--emitDeclarationOnly', '--outDir', out], { stdio: 'inherit' });
}

const old = `dist.old-${process.pid}`;
try {
  renameSync(join(root, 'dist'), join(root, old));
} catch (e) {
  if (e.code !== 'ENOENT') throw e;
}
renameSync(join(root, out), join(root, 'dist'));
rmSync(join(root, old), { recursive: true, force: true });
