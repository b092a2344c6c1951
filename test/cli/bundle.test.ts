// The built CLI (scripts/build.mjs): Node's built-ins are required as they are,
// not through esbuild's __toESM copy (a getter in front of every fs call), and
// the bundle is without whitespace. If esbuild renames its helper, the rewrite
// in plainBuiltins() stops applying silently: this notices.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const DIST = path.resolve(__dirname, '../../dist');

describe('the CLI bundle', () => {
  for (const file of ['notar.cjs', 'hash-worker.cjs']) {
    it(`${file} requires node:fs, node:path and node:crypto plainly`, () => {
      const js = fs.readFileSync(path.join(DIST, file), 'utf8');
      expect(js).toMatch(/require\("node:fs"\)/);
      expect(js).not.toMatch(/__toESM\(require\("node:(fs|path|crypto)"\)/);
    });
  }

  it('notar.cjs has no indentation left (minifyWhitespace), yet keeps its names', () => {
    const js = fs.readFileSync(path.join(DIST, 'notar.cjs'), 'utf8');
    expect(js.split('\n').filter((l) => l.startsWith('  ')).length).toBeLessThan(50);
    expect(js).toContain('function digestFileIntoSync(');
  });
});
