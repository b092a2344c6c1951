// Interoperability oracle for cosignatures: examples/verify_cosignature.py, an
// independent Python (standard library only) reading of C2SP tlog-cosignature,
// must accept the known-answer vector and cosignatures made by notar's core for
// many keys, names, times and checkpoints, and refuse every tampered one.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cosign, cosignerFromSeed } from '../../src/core/cosignature.js';
import { formatCheckpoint } from '../../src/core/checkpoint.js';
import { signerFromSeed, signNote } from '../../src/core/note.js';

const SCRIPT = path.resolve(__dirname, '../../examples/verify_cosignature.py');
const V = JSON.parse(fs.readFileSync(path.join(__dirname, '../vectors/cosignatures.json'), 'utf8'));

function py(note: string, keys: string[]) {
  const r = spawnSync('python3', [SCRIPT, '-', ...keys.flatMap((k) => ['--witness', k])], {
    input: note,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, LANG: 'C.UTF-8', PYTHONDONTWRITEBYTECODE: '1' },
  });
  if (r.error) throw new Error(`python3 could not be run: ${r.error.message}`);
  return { code: r.status, out: r.stdout.trim().split('\n') };
}

describe('verify_cosignature.py agrees with notar', () => {
  it('accepts the known-answer vector', () => {
    const note = `${V.notar.body}\n— notary.example.gov/test oNTeJTUqHjgZx+rCmIo0qElmZzwO890S6jIHKhwRvCJfAZb15nMHJLl5nVblgaF5fdDR263x2CCkjgGBvEuToWi9/Ao=\n${V.notar.signatureLine}\n`;
    expect(py(note, [V.notar.verifierKey])).toEqual({ code: 0, out: [`OK ${V.notar.name} ${V.notar.time}`] });
  });

  it('accepts notar cosignatures for varied keys, names and times, and refuses tampered ones', () => {
    const log = signerFromSeed('registry.example.gov/civil', new Uint8Array(32).fill(11));
    for (let i = 0; i < 6; i++) {
      const w = cosignerFromSeed(
        `witness-${i}.example.gov/w${'x'.repeat(i)}`,
        new Uint8Array(32).map((_, j) => (i * 31 + j * 7) & 255),
      );
      const body = formatCheckpoint({ origin: log.name, size: 1 + i * 1000, root: new Uint8Array(32).fill(i) });
      const time = [0, 1, 255, 256, 1772529000, 2 ** 40 + 3][i];
      const note = signNote(body, log) + cosign(w, body, time);
      expect(py(note, [w.text])).toEqual({ code: 0, out: [`OK ${w.name} ${time}`] });
      // One bit anywhere in the cosignature's bytes (key ID, time, signature), or in the body.
      const line = note.split('\n').at(-2)!;
      const raw = Buffer.from(line.split(' ')[2], 'base64');
      for (const at of [4, 11, 12, 50, 75]) {
        const bad = Buffer.from(raw);
        bad[at] ^= 1 << (i % 8);
        const v = py(note.replace(line, `— ${w.name} ${bad.toString('base64')}`), [w.text]);
        expect(v.code, `byte ${at}`).toBe(1);
      }
      expect(py(note.replace(`\n${1 + i * 1000}\n`, `\n${2 + i * 1000}\n`), [w.text]).out).toEqual([
        `INVALID ${w.name}`,
      ]);
    }
  });

  it('says MISSING for a witness that did not cosign, and 2 for a malformed key', () => {
    const log = signerFromSeed('registry.example.gov/civil', new Uint8Array(32).fill(11));
    const w = cosignerFromSeed('w.example/a', new Uint8Array(32).fill(4));
    const note = signNote(formatCheckpoint({ origin: log.name, size: 1, root: new Uint8Array(32) }), log);
    expect(py(note, [w.text])).toEqual({ code: 1, out: [`MISSING ${w.name}`] });
    expect(py(note, [log.text]).code).toBe(2);
  });
});
