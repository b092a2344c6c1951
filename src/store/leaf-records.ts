/**
 * The raw records (digest || salt, 64 bytes a leaf) of one leaves file, read
 * without its names or signature: what a scan for a digest needs (`prove`,
 * `find`, the already-stamped check, the proof index's catch-up). One reused
 * buffer, so scanning a million leaves allocates once.
 */
import * as fs from 'node:fs';
import { LEAVES_HEADER_SIZE, RECORD, recordsExtent } from './leaves.js';
import { storeIo } from './store.js';

let pool = Buffer.alloc(0);

/** The records of leaves file `file` (a view of the shared buffer, valid until the next call); undefined if it does not exist. */
export function readLeafRecords(file: string): Buffer | undefined {
  let fd: number;
  try {
    // Non-blocking: a FIFO in its place must not hang the open (it is refused below).
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw storeIo(e, `cannot read ${file}`);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile())
      throw storeIo(new Error('not a regular file (a device, FIFO or socket is in its place)'), `cannot read ${file}`);
    const header = Buffer.alloc(LEAVES_HEADER_SIZE);
    fs.readSync(fd, header, 0, header.length, 0);
    const { offset, count } = recordsExtent(header, st.size, file);
    const len = count * RECORD;
    if (pool.length < len) pool = Buffer.allocUnsafe(len);
    if (fs.readSync(fd, pool, 0, len, offset) !== len) throw storeIo(new Error('short read'), `cannot read ${file}`);
    return pool.subarray(0, len);
  } finally {
    fs.closeSync(fd);
  }
}
