// capped-read.ts: a user-supplied file is read with its cap applied while reading (issue 10 item 9).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCapped, readStoreText, TooLargeError } from '../../src/store/capped-read.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'notar-capped-'));

function caught(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('no error');
}

describe('readCapped', () => {
  it('reads a file of exactly the cap; one byte more is TooLargeError naming the input and the cap', () => {
    const file = path.join(dir, 'a');
    fs.writeFileSync(file, 'x'.repeat(1024));
    expect(readCapped(file, 1024, file).length).toBe(1024);
    fs.appendFileSync(file, 'y');
    const e = caught(() => readCapped(file, 1024, file, 'a receipt'));
    expect(e).toBeInstanceOf(TooLargeError);
    expect((e as TooLargeError).code).toBe('FORMAT');
    expect((e as Error).message).toBe(`${file} is larger than 1 KiB, too large to be a receipt`);
  });

  it('an endless device stops at the cap (cap + 1 bytes read, not gigabytes)', () => {
    expect(caught(() => readCapped('/dev/zero', 64 * 1024, '/dev/zero'))).toBeInstanceOf(TooLargeError);
    expect(caught(() => readCapped('/dev/urandom', 3, '/dev/urandom'))).toBeInstanceOf(TooLargeError);
  });

  it('a FIFO with no writer reads as empty instead of blocking in open(2)', () => {
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(readCapped(fifo, 100, fifo).length).toBe(0);
  });

  it('a directory is EISDIR; a missing file is the OS error, for the caller to word', () => {
    expect((caught(() => readCapped(dir, 100, dir)) as NodeJS.ErrnoException).code).toBe('EISDIR');
    expect((caught(() => readCapped(path.join(dir, 'none'), 100, 'none')) as NodeJS.ErrnoException).code).toBe(
      'ENOENT',
    );
  });

  it('readStoreText: a store file above its cap is a STORE error (damage), not FORMAT', () => {
    const e = caught(() => readStoreText('/dev/zero', 4096));
    expect((e as { code: string }).code).toBe('STORE');
    expect((e as Error).message).toMatch(/larger than 4 KiB/);
  });
});
