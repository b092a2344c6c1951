// The ASN.1/CMS code (about 0.5 MB unminified, ~80 ms to load) is reached only
// through dynamic import(): commands that do not need it (and stamp on a
// store without TSAs, and verify without --tsa-cert) never load it.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const BUNDLE = path.resolve(__dirname, '../../dist/cli-bundle');
const ASN1 = 'TSTInfo';

/** Files a module loads at start-up: itself and its static imports, transitively. */
function staticClosure(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = fs.readFileSync(file, 'utf8');
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s*(?:[^'"();]*?\s*from\s*)?"(\.[^"]+)"/g)) staticClosure(path.resolve(path.dirname(file), m[1]), seen);
  return seen;
}

const chunk = (prefix: string) => path.join(BUNDLE, 'chunks', fs.readdirSync(path.join(BUNDLE, 'chunks')).find((f) => f.startsWith(prefix + '-'))!);

describe('lazy loading of the RFC 3161 code', () => {
  it('is in the bundle, but not in what main, stamp, verify, refresh or prove load statically, nor in fast.cjs', () => {
    const files = fs.readdirSync(path.join(BUNDLE, 'chunks')).map((f) => path.join(BUNDLE, 'chunks', f));
    expect(files.filter((f) => fs.readFileSync(f, 'utf8').includes(ASN1)).length).toBeGreaterThan(0);
    expect(fs.readFileSync(path.join(BUNDLE, 'fast.cjs'), 'utf8')).not.toContain(ASN1);
    for (const entry of [path.join(BUNDLE, 'main.js'), chunk('stamp'), chunk('verify'), chunk('verify-tsa'), chunk('refresh'), chunk('prove')]) {
      const closure = [...staticClosure(entry)];
      expect(closure.length, entry).toBeGreaterThan(0);
      expect(closure.filter((f) => fs.readFileSync(f, 'utf8').includes(ASN1)), entry).toEqual([]);
    }
    // and the commands that need it do load it
    expect([...staticClosure(chunk('tsa-client'))].some((f) => fs.readFileSync(f, 'utf8').includes(ASN1))).toBe(true);
  });

  it("is a separate library entry point, 'notar/time'; the main export stays without it", () => {
    const root = path.resolve(__dirname, '../..');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', "const t = await import('notar/time'); const c = await import('notar'); console.log(typeof t.verifyReceiptTime, typeof t.verifyTimestampToken, 'verifyReceiptTime' in c)"], { cwd: root, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('function function false');
    expect(fs.readFileSync(path.join(root, 'dist/core/index.js'), 'utf8')).not.toMatch(/timestamp|receipt-time/);
  });
});
