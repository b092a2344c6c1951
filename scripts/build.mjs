#!/usr/bin/env node
// Builds notar: the CLI bundle (fast start-up: one file plus lazily loaded
// chunks), the library (dist/core, per-file ESM) and, with --types, the
// TypeScript declarations. Runs on `npm ci` (prepare) and before the tests.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readdirSync, renameSync, rmSync } from 'node:fs';
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
  entryPoints: { main: 'src/cli/main.ts' },
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
