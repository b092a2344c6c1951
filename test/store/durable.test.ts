// durable.ts: atomic replacement, exclusive create, durable appends, raw-byte paths, temp cleanup.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NotarError } from '../../src/core/errors.js';
import { appendDurable, dirnameOf, removeStaleTemps, writeFileAtomic } from '../../src/store/durable.js';
import { deadPid, tempDir } from './fixtures.js';

const tempsIn = (dir: string) => fs.readdirSync(dir).filter((n) => n.includes('.tmp-') || n.startsWith('.notar-'));

describe('writeFileAtomic', () => {
  it('writes the content with the mode asked for, and leaves no temp file', () => {
    const dir = tempDir();
    const file = path.join(dir, 'key.json');
    writeFileAtomic(file, 'secret\n', { mode: 0o600 });
    expect(fs.readFileSync(file, 'utf8')).toBe('secret\n');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(tempsIn(dir)).toEqual([]);
  });

  it('replaces an existing file whole', () => {
    const dir = tempDir();
    const file = path.join(dir, 'f');
    fs.writeFileSync(file, 'old content that is longer');
    writeFileAtomic(file, new Uint8Array([1, 2, 3]), { durable: false });
    expect([...fs.readFileSync(file)]).toEqual([1, 2, 3]);
    expect(tempsIn(dir)).toEqual([]);
  });

  it('exclusive: refuses to replace an existing file (EXISTS), keeps it, leaves no temp', () => {
    const dir = tempDir();
    const file = path.join(dir, 'f');
    fs.writeFileSync(file, 'keep me');
    let err: unknown;
    try {
      writeFileAtomic(file, 'new', { exclusive: true });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NotarError);
    expect((err as NotarError).code).toBe('EXISTS');
    expect(fs.readFileSync(file, 'utf8')).toBe('keep me');
    expect(tempsIn(dir)).toEqual([]);
  });

  it('a failing write (missing directory) throws and leaves nothing behind', () => {
    const dir = tempDir();
    expect(() => writeFileAtomic(path.join(dir, 'no-such-dir', 'f'), 'x')).toThrow(/ENOENT/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('a target name of 250 bytes: the temp name stays short (it was `.<name>.tmp-…`, over NAME_MAX)', () => {
    const dir = tempDir();
    const file = path.join(dir, 'x'.repeat(250));
    writeFileAtomic(file, 'long\n', { durable: false });
    expect(fs.readFileSync(file, 'utf8')).toBe('long\n');
    expect(tempsIn(dir)).toEqual([]);
  });

  it('writes to a raw-byte (non-UTF-8) name exactly, not to a U+FFFD spelling', () => {
    const dir = tempDir();
    const raw = Buffer.concat([Buffer.from(dir + '/bad'), Buffer.from([0xff]), Buffer.from('name.json')]);
    writeFileAtomic(raw, 'x');
    const names = fs.readdirSync(dir, { encoding: 'buffer' });
    expect(names).toHaveLength(1);
    expect(Buffer.compare(names[0], Buffer.from([0x62, 0x61, 0x64, 0xff, ...Buffer.from('name.json')]))).toBe(0);
    expect(Buffer.compare(dirnameOf(raw) as Buffer, Buffer.from(dir))).toBe(0);
  });
});

describe('appendDurable', () => {
  it('creates the file, then appends whole lines', () => {
    const file = path.join(tempDir(), 'chain.jsonl');
    appendDurable(file, 'one\n');
    appendDurable(file, 'two €\n');
    expect(fs.readFileSync(file, 'utf8')).toBe('one\ntwo €\n');
  });
});

describe('removeStaleTemps', () => {
  const old = (file: string) => {
    const t = new Date(Date.now() - 3600_000);
    fs.utimesSync(file, t, t);
  };

  it('removes only old temp files of dead processes', () => {
    const dir = tempDir();
    const dead = deadPid();
    const make = (name: string, age: 'old' | 'new') => {
      const p = path.join(dir, name);
      fs.writeFileSync(p, 'x');
      if (age === 'old') old(p);
      return name;
    };
    const gone = make(`.0000000003.bin.tmp-${dead}-1700000000000-0`, 'old');
    const fresh = make(`.0000000004.bin.tmp-${dead}-1700000000000-1`, 'new');
    const live = make(`.key.json.tmp-1-1700000000000-2`, 'old'); // pid 1 is alive
    const mine = make(`.x.tmp-${process.pid}-1700000000000-3`, 'old');
    const other = make('chain.jsonl', 'old');
    const lookalike = make('.notes.tmp-abc', 'old');
    expect(removeStaleTemps(dir, { minAgeMs: 60_000 })).toBe(1);
    const left = fs.readdirSync(dir).sort();
    expect(left).toEqual([fresh, live, mine, other, lookalike].sort());
    expect(left).not.toContain(gone);
    // Under the lock, in a directory only the holder writes: every temp but ours is abandoned.
    expect(removeStaleTemps(dir, { minAgeMs: 0, anyPid: true })).toBe(2);
    expect(fs.readdirSync(dir).sort()).toEqual([mine, other, lookalike].sort());
  });

  it('the current form `.notar-<pid>-<ms>-<n>.tmp`; in a user directory only notar receipt temps', () => {
    const dir = tempDir();
    const dead = deadPid();
    const make = (name: string) => {
      const p = path.join(dir, name);
      fs.writeFileSync(p, 'x');
      old(p);
      return name;
    };
    const current = make(`.notar-${dead}-1700000000000-0.tmp`);
    const oldReceipt = make(`.a.txt.notar.json.tmp-${dead}-1700000000000-1`);
    const usersOwn = make(`.draft.tmp-${dead}-1700000000000-2`); // notar's old store form, but not a receipt's
    const liveOne = make('.notar-1-1700000000000-3.tmp'); // pid 1 is alive
    expect(removeStaleTemps(dir, { userDir: true })).toBe(2);
    expect(fs.readdirSync(dir).sort()).toEqual([usersOwn, liveOne].sort());
    expect([current, oldReceipt].some((n) => fs.existsSync(path.join(dir, n)))).toBe(false);
  });

  it('returns 0 for a missing directory', () => {
    expect(removeStaleTemps(path.join(tempDir(), 'nope'))).toBe(0);
  });
});
