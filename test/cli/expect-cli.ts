/**
 * Assertions shared by the CLI tests: what an error and a clean result look
 * like from the outside (FORMAT.md §10; house rules: one line, no stack).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { expect } from 'vitest';
import type { RunResult } from './helpers.js';

/** Exit `code`, nothing on stdout, exactly one `notar: error:` line, no stack frames. */
export function expectError(r: RunResult, code: number, message?: RegExp | string): string {
  expect(r.code, r.stderr).toBe(code);
  expect(r.stdout).toBe('');
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('notar: error:'));
  expect(errors, r.stderr).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  if (typeof message === 'string') expect(errors[0]).toContain(message);
  else if (message) expect(errors[0]).toMatch(message);
  return errors[0];
}

/** Exit 0 with no error on stderr. */
export function expectOk(r: RunResult): void {
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).not.toContain('notar: error:');
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function readJson(file: string): Record<string, any> {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** The key ID of a verifier key string (`name+id+key`). */
export function keyIdOf(vkey: string): string {
  return vkey.split('+')[1];
}
