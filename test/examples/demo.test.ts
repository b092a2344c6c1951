// The README's main job (`npm run demo`) must keep working: it is what a new user runs first.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { baseEnv } from '../cli/helpers.js';

it('examples/demo.sh stamps the samples, verifies one, rejects a forged copy, audits the chain', () => {
  const r = spawnSync('bash', [path.join(__dirname, '../../examples/demo.sh')], {
    env: baseEnv(),
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/^stamped 4 documents in block 0 of registry\.exampleville\.example\/civil /m);
  expect(r.stdout).toMatch(
    /^OK: birth-certificate-0042\.txt was stamped by registry\.exampleville\.example\/civil on /m,
  );
  expect(r.stdout).toMatch(/^FAILED: the document does not match the receipt.*\(digest\)$/m);
  expect(r.stdout).toMatch(/^OK: stamped by registry\.exampleville\.example\/civil at /m);
  expect(r.stdout).toMatch(/^chain OK: 1 block, 4 documents/m);
  expect(r.stdout).not.toContain('UNEXPECTED');
  expect(r.stdout + r.stderr).not.toMatch(/\x1b\[/); // no colour when not a terminal
});
