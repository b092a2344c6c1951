/**
 * Test data for the bench, generated fresh in a temp directory: many small
 * files, a few large ones, a list of digests, a sparse huge file. Contents
 * are random (distinct digests; nothing for a cache or dedup to exploit).
 */
import { randomFillSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

const pad = (i, width) => String(i).padStart(width, '0');

/** Writes a NUL-separated and a newline-separated list of `names`. */
function writeLists(base, names) {
  fs.writeFileSync(base + '.list0', names.join('\0') + '\0');
  fs.writeFileSync(base + '.list', names.join('\n') + '\n');
  return { list0: base + '.list0', list: base + '.list' };
}

/**
 * `count` random files of `size` bytes in `root/sub`, named with short
 * relative paths (`sub/000123`) so xargs fits them in few command lines.
 */
export function smallFiles(root, sub, count, size) {
  fs.mkdirSync(path.join(root, sub), { recursive: true });
  const width = String(count - 1).length;
  const pool = Buffer.allocUnsafe(Math.min(count, 65536) * size);
  const names = [];
  for (let i = 0; i < count; i++) {
    const j = i % 65536;
    if (j === 0) randomFillSync(pool);
    const name = `${sub}/${pad(i, width)}`;
    fs.writeFileSync(path.join(root, name), pool.subarray(j * size, (j + 1) * size));
    names.push(name);
  }
  return { names, ...writeLists(path.join(root, sub), names) };
}

/** `count` random files of `mib` MiB (one random block, a distinct header per file). */
export function largeFiles(root, sub, count, mib) {
  fs.mkdirSync(path.join(root, sub), { recursive: true });
  const block = randomFillSync(Buffer.allocUnsafe(mib << 20));
  const names = [];
  for (let i = 0; i < count; i++) {
    randomFillSync(block, 0, 64);
    const name = `${sub}/${pad(i, 2)}`;
    fs.writeFileSync(path.join(root, name), block);
    names.push(name);
  }
  return { names, ...writeLists(path.join(root, sub), names) };
}

/** `count` random SHA-256 digests, one bare hex line each (`notar stamp --digests` input). */
export function digestLines(file, count) {
  const fd = fs.openSync(file, 'w');
  const hexes = [];
  try {
    const chunk = 16384;
    for (let done = 0; done < count; done += chunk) {
      const n = Math.min(chunk, count - done);
      const raw = randomFillSync(Buffer.allocUnsafe(n * 32));
      let text = '';
      for (let i = 0; i < n; i++) {
        const hex = raw.toString('hex', i * 32, i * 32 + 32);
        text += hex + '\n';
        if ((done + i) % 10_000 === 5_000) hexes.push(hex);
      }
      fs.writeSync(fd, text);
    }
  } finally {
    fs.closeSync(fd);
  }
  return { file, sample: hexes };
}

/** A sparse file of `bytes` (reads as zeros without touching the disk). */
export function sparseFile(file, bytes) {
  const fd = fs.openSync(file, 'w');
  try {
    fs.ftruncateSync(fd, bytes);
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

/** Removes `<name><suffix>` for every name (untimed cleanup between runs). */
export function removeAll(root, names, suffix) {
  for (const n of names) {
    try {
      fs.unlinkSync(path.join(root, n + suffix));
    } catch (e) {
      if (e.code !== 'ENOENT') throw e;
    }
  }
}
