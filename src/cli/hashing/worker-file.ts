/**
 * Starting `stamp`'s second thread (stamp-worker.ts), which hashes half of
 * many small files (parallel-hash.ts). Receipt files are not written from two
 * threads: measured on ext4, two threads creating and renaming files in one
 * directory took 2.5x longer than one (contention on the directory's lock).
 */
import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';

/**
 * The worker script beside this module: dist/cli/ (library build), or the
 * bundle's root when this code sits in dist/cli-bundle/chunks/. Not there
 * (running from src/ under a test runner): no worker, one thread does all.
 */
function workerFile(): URL | undefined {
  for (const rel of ['./stamp-worker.js', '../stamp-worker.js']) {
    const url = new URL(rel, import.meta.url);
    if (url.protocol === 'file:' && fs.existsSync(url)) return url;
  }
  return undefined;
}

export function startWorker(workerData: unknown): Worker | undefined {
  const url = workerFile();
  if (!url) return undefined;
  try {
    return new Worker(url, { workerData, stdout: false, stderr: false });
  } catch {
    return undefined;
  }
}
