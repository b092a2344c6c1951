/**
 * Standard input read asynchronously through process.stdin. For a pipe or a
 * terminal that is libuv's event loop (epoll), not a thread-pool read(2): a
 * read blocked on a silent writer would make process.exit() wait for it, so
 * an interrupted `stamp` (interrupt.ts) could never end. A regular file
 * behind stdin is read by the thread pool as usual (it never blocks).
 */
import * as fs from 'node:fs';

let reader: AsyncIterator<Buffer> | undefined;
let rest: Buffer | undefined;
let regularFile: boolean | undefined;

function stdinIsFile(): boolean {
  try {
    return fs.fstatSync(0).isFile();
  } catch {
    return false;
  }
}

/** Copies the next bytes of stdin into buf[at..]; 0 at its end. */
export async function readStdinInto(buf: Buffer, at: number): Promise<number> {
  // A regular file (`< file`) never blocks: read straight into the caller's (1 MiB) buffer.
  regularFile ??= stdinIsFile();
  if (regularFile)
    return new Promise((resolve, reject) =>
      fs.read(0, buf, at, buf.length - at, null, (e, n) => (e ? reject(e) : resolve(n))),
    );
  if (rest === undefined || rest.length === 0) {
    reader ??= (process.stdin as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    const next = await reader.next();
    if (next.done) return 0;
    rest = next.value;
  }
  const n = Math.min(rest.length, buf.length - at);
  rest.copy(buf, at, 0, n);
  rest = rest.subarray(n);
  return n;
}

/**
 * The bytes of stdin piece by piece, for hashing: a pipe's pieces are
 * handed on as they come (no copy); a regular file is read 1 MiB at a time.
 */
export async function* stdinChunks(): AsyncGenerator<Buffer> {
  regularFile ??= stdinIsFile();
  if (!regularFile && rest === undefined) {
    yield* process.stdin as AsyncIterable<Buffer>;
    return;
  }
  const buf = Buffer.allocUnsafe(1 << 20);
  for (let n; (n = await readStdinInto(buf, 0)) > 0;) yield buf.subarray(0, n);
}
