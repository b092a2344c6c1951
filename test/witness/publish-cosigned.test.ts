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

it('a cosignature line planted in cosigs/<seq>.txt (no witness key) is left out of checkpoints and receipts', () => {
  const log = makeStore('registry.example.gov/planted');
  const w = makeWitness('witness.example.gov/planted');
  expect(w.run(['witness', 'add-log', log.vkey]).code).toBe(0);
  expect(log.run(['witnesses', 'add', w.vkey]).code).toBe(0);
  writeDocs(log.dir, { 'a.txt': 'a\n' });
  expect(log.run(['stamp', 'a.txt']).code).toBe(0);
  const answer = w.run(['witness', 'cosign', '-'], log.run(['checkpoint', '--request']).stdout);
  const answerFile = path.join(log.dir, 'answer.txt');
  fs.writeFileSync(answerFile, answer.stdout);
  expect(log.run(['cosign', '--from', answerFile]).code).toBe(0);
  // A writer of the store turns the good cosignature into a bad one (same name and key ID).
  const file = path.join(log.storeDir, 'cosigs', '0000000000.txt');
  const good = fs.readFileSync(file, 'utf8');
  const b64 = good.slice(good.lastIndexOf(' ') + 1, -1);
  const raw = Buffer.from(b64, 'base64');
  raw[raw.length - 1] ^= 0x01;
  fs.writeFileSync(file, good.replace(b64, raw.toString('base64')));
  const cp = log.run(['checkpoint']);
  expect(cp.code, cp.stderr).toBe(0);
  expect(parseNote(cp.stdout).signatures.map((s) => s.name)).toEqual(['registry.example.gov/planted']);
  // Receipts refreshed now still verify under a policy of the log key alone (quorum none).
  expect(log.run(['refresh', 'a.txt.notar.json']).code).toBe(0);
  const receipt = JSON.parse(fs.readFileSync(path.join(log.dir, 'a.txt.notar.json'), 'utf8'));
  expect(receipt.checkpoint).not.toContain('witness.example.gov/planted');
  expect(log.run(['verify', 'a.txt', '--key', log.vkey]).code).toBe(0);
});
