// The core is browser-safe (house rule): bundling it for the browser pulls in
// no Node built-in, and the bundle runs and verifies a receipt in a bare
// JavaScript context that has no Buffer, process or require.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vm from 'node:vm';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { formatReceipt } from '../../src/core/receipt.js';
import { buildHistory, documentBytes, receiptFor, sha256 } from './helpers.js';

const ROOT = join(__dirname, '../..');
const CORE = join(ROOT, 'src/core');
const NODE_BUILTINS = new Set([
  'assert',
  'buffer',
  'child_process',
  'crypto',
  'fs',
  'os',
  'path',
  'process',
  'stream',
  'util',
  'url',
  'worker_threads',
  'zlib',
  'events',
  'net',
  'http',
  'https',
  'module',
  'vm',
]);

async function bundle(entry: string, format: 'esm' | 'iife'): Promise<{ text: string; metafile: Metafile }> {
  const r = await build({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format,
    globalName: format === 'iife' ? 'notarCore' : undefined,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return { text: r.outputFiles[0].text, metafile: r.metafile };
}

/** Uses of Node-only globals as identifiers (not `.process(` method calls). */
const NODE_GLOBALS = [
  /(?<![.\w$])Buffer\b/,
  /(?<![.\w$])process\s*[.[]/,
  /(?<![.\w$])require\s*\(/,
  /globalThis\s*\.\s*(?:Buffer|process|require)\b/,
  /\bnode:/,
  /(?<![.\w$])__dirname\b/,
];

describe('browser safety', () => {
  it.each(['src/core/index.ts', 'src/core/verify.ts'])(
    '%s bundles for the browser with no Node built-ins',
    async (entry) => {
      const { text, metafile } = await bundle(entry, 'esm');
      const inputs = Object.keys(metafile.inputs);
      expect(inputs).toContain(entry);
      const offending = inputs.filter(
        (p) =>
          p.startsWith('node:') ||
          NODE_BUILTINS.has(p) ||
          (!p.startsWith('src/core/') && !p.startsWith('node_modules/@noble/')),
      );
      expect(offending).toEqual([]);
      for (const [file, input] of Object.entries(metafile.inputs)) {
        for (const imp of input.imports)
          expect(`${file} -> ${imp.path}`).not.toMatch(/-> (node:|(?:crypto|fs|path|buffer|process)$)/);
      }
      expect(NODE_GLOBALS.filter((re) => re.test(text)).map(String)).toEqual([]);
    },
  );

  it('src/core/*.ts import nothing from node: and use no Buffer, process or require', () => {
    const files = readdirSync(CORE).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(10);
    const bad = files.filter((f) => {
      const src = readFileSync(join(CORE, f), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      return /from\s+['"]node:|import\(\s*['"]node:/.test(src) || NODE_GLOBALS.some((re) => re.test(src));
    });
    expect(bad).toEqual([]);
  });

  it('the bundle verifies a receipt in a context with only Web APIs', async () => {
    const { text } = await bundle('src/core/index.ts', 'iife');
    const h = buildHistory([4, 2]);
    const receipt = formatReceipt(receiptFor(h, 0, 3, { key: h.signer.text }));
    const context = vm.createContext({
      TextEncoder,
      TextDecoder,
      crypto: { getRandomValues: (a: Uint8Array) => globalThis.crypto.getRandomValues(a) },
      input: { receipt, digest: sha256(documentBytes(0, 3)), key: h.signer.text },
    });
    expect(vm.runInContext('[typeof Buffer, typeof process, typeof require]', context)).toEqual([
      'undefined',
      'undefined',
      'undefined',
    ]);
    vm.runInContext(text, context);
    const run = (digest: string) =>
      vm.runInContext(
        `(() => { const c = notarCore; const r = c.verifyReceipt(input.receipt, ${digest}, [c.parseVerifierKey(input.key)]); return r.ok ? 'ok' : r.step; })()`,
        context,
      );
    expect(run('input.digest')).toBe('ok');
    expect(run('c.sha256(new TextEncoder().encode("another document"))')).toBe('digest');
  });
});
