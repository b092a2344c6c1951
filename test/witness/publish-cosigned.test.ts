// A published log carries what the witnesses vouched for: `notar publish` writes the
// latest checkpoint with the cosignatures stored beside its block (issue 12 + issue 15),
// and `notar monitor` (log key only) still accepts it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { parseNote } from '../../src/core/note.js';
import { baseEnv, makeStore, notar, tempDir, writeDocs } from '../cli/helpers.js';
import { makeWitness } from './helpers.js';

it('publish writes the checkpoint with its stored cosignatures; monitor accepts it', () => {
  const log = makeStore('registry.example.gov/published');
  const w = makeWitness('witness.example.gov/pub');
  expect(w.run(['witness', 'add-log', log.vkey]).code).toBe(0);
  expect(log.run(['witnesses', 'add', w.vkey]).code).toBe(0);
  writeDocs(log.dir, { 'a.txt': 'a\n' });
  expect(log.run(['stamp', 'a.txt']).code).toBe(0);
  // File exchange: the request goes to the witness, its answer comes back to the log.
  const answer = w.run(['witness', 'cosign', '-'], log.run(['checkpoint', '--request']).stdout);
  expect(answer.code).toBe(0);
  const answerFile = path.join(log.dir, 'answer.txt');
  fs.writeFileSync(answerFile, answer.stdout);
  expect(log.run(['cosign', '--from', answerFile]).code).toBe(0);

  const out = tempDir('notar-pub-cosigned-');
  expect(log.run(['publish', '--out', out]).code).toBe(0);
  const published = fs.readFileSync(path.join(out, 'checkpoint'), 'utf8');
  const names = parseNote(published).signatures.map((s) => s.name);
  expect(names).toEqual(['registry.example.gov/published', 'witness.example.gov/pub']);
  const m = notar(['monitor', out, '--key', log.vkey], { env: baseEnv() });
  expect(m.code).toBe(0);
  expect(m.stderr).toMatch(/checkpoint of 1 blocks verified/);
});
