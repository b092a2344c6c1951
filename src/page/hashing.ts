/**
 * Hashing the document in the browser (FORMAT.md §1): read in slices, feed a
 * streaming SHA-256, and give the event loop a turn between slices so the
 * page stays responsive and can show progress on large files.
 */
import { createSha256 } from '../core/hash.js';

/** 4 MiB: large enough to be fast, small enough to keep memory flat. */
export const CHUNK_BYTES = 4 * 1024 * 1024;

export type OnProgress = (done: number, total: number) => void;

/**
 * Resolves on the next task. A MessageChannel is not throttled like
 * setTimeout is in background tabs, so a hidden tab keeps hashing at speed.
 */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** SHA-256 of `file`; undefined if `cancelled()` turns true meanwhile. */
export async function hashFile(
  file: Blob,
  onProgress: OnProgress,
  cancelled: () => boolean,
): Promise<Uint8Array | undefined> {
  const hasher = createSha256();
  for (let offset = 0; offset < file.size; offset += CHUNK_BYTES) {
    const end = Math.min(offset + CHUNK_BYTES, file.size);
    const chunk = new Uint8Array(await file.slice(offset, end).arrayBuffer());
    if (cancelled()) return undefined;
    hasher.update(chunk);
    onProgress(end, file.size);
    await nextTask();
    if (cancelled()) return undefined;
  }
  return hasher.digest();
}
