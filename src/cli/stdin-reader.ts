/**
 * Standard input read asynchronously through process.stdin. For a pipe or a
 * terminal that is libuv's event loop (epoll), not a thread-pool read(2): a
 * read blocked on a silent writer would make process.exit() wait for it, so
 * an interrupted `stamp` (interrupt.ts) could never end. A regular file
 * behind stdin is read by the thread pool as usual (it never blocks).
 */
let reader: AsyncIterator<Buffer> | undefined;
let rest: Buffer | undefined;

/** Copies the next bytes of stdin into buf[at..]; 0 at its end. */
export async function readStdinInto(buf: Buffer, at: number): Promise<number> {
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
