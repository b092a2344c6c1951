/** `notar hash [FILE...]`: digests in sha256sum format (`<hex>  <name>`); no FILE (or `-`): stdin, named `-`, as sha256sum does. */
import { NotarError } from '../../core/errors.js';
import { digestFileHex } from '../hashing/hashing.js';
import { hashFiles, hashThreads } from '../hashing/parallel-hash.js';

const NEEDS_ESCAPE = /[\\\n\r]/;

/**
 * [file, hex digest] in list order; like sha256sum, one unreadable file does
 * not stop the others (its error goes to `failed`). Many files are hashed on
 * two threads first (parallel-hash.ts), then listed.
 */
async function* digests(files: string[], failed: string[]): AsyncGenerator<[string, string]> {
  const onError = (_: number, e: unknown) => {
    if (!(e instanceof NotarError)) throw e;
    failed.push(e.message);
  };
  if (hashThreads(files) === 2) {
    const bad = new Set<number>();
    const run = await hashFiles(files, {
      threads: 2,
      onError: (i, e) => {
        onError(i, e);
        bad.add(i);
      },
    });
    const hex = Buffer.from(run.digests.buffer, run.digests.byteOffset, run.digests.byteLength).toString('hex');
    for (let i = 0; i < files.length; i++) if (!bad.has(i)) yield [files[i], hex.slice(i * 64, i * 64 + 64)];
    return;
  }
  for (const [i, file] of files.entries()) {
    let hex: string;
    try {
      hex = await digestFileHex(file);
    } catch (e) {
      onError(i, e);
      continue;
    }
    yield [file, hex];
  }
}

export async function run(named: string[]): Promise<number> {
  const files = named.length === 0 ? ['-'] : named;
  // Output goes out in large pieces: one write per line would cost a syscall per file.
  let out = '';
  let printed = 0;
  const failed: string[] = [];
  for await (const [file, hex] of digests(files, failed)) {
    // sha256sum escapes names with a backslash or newline and marks the line with a leading '\'.
    if (NEEDS_ESCAPE.test(file)) {
      const name = file.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
      out += `\\${hex}  ${name}\n`;
    } else out += `${hex}  ${file}\n`;
    printed++;
    if (out.length >= 1 << 16) {
      process.stdout.write(out);
      out = '';
    }
  }
  if (out) process.stdout.write(out);
  if (failed.length > 0) {
    const more = failed.length > 1 ? ` (and ${failed.length - 1} more file${failed.length > 2 ? 's' : ''})` : '';
    // A hint only when it is true: with nothing printed, the error line says it all.
    const hint =
      printed > 0
        ? `the digest${printed === 1 ? ' of the other file was' : 's of the other files were'} printed`
        : undefined;
    throw new NotarError('IO', `${failed[0]}${more}`, { hint });
  }
  return 0;
}
