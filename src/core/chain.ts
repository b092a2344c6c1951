/**
 * Chain file records (FORMAT.md §6): one JSON line per block, the block's
 * fields plus its signed checkpoint. Pure encoding; the store does the I/O.
 */
import { Block, checkBlock } from './block.js';
import { formatError } from './errors.js';
import { checkKeys, expectInteger, expectString, parseCanonicalJson } from './json.js';
import { MAX_NOTE_BYTES } from './note.js';

export interface ChainRecord extends Block {
  /** Signed checkpoint note for history size seq + 1. */
  readonly checkpoint: string;
}

const FIELDS = ['seq', 'time', 'size', 'root', 'prev', 'checkpoint'];

/** The canonical line, without its trailing newline. */
export function formatChainRecord(r: ChainRecord): string {
  checkBlock(r);
  return JSON.stringify({
    seq: r.seq,
    time: r.time,
    size: r.size,
    root: r.root,
    prev: r.prev,
    checkpoint: r.checkpoint,
  });
}

export function parseChainRecord(line: string): ChainRecord {
  const obj = checkKeys(parseCanonicalJson(line, 'chain line', MAX_NOTE_BYTES + 4096), 'chain line', FIELDS);
  const record: ChainRecord = {
    seq: expectInteger(obj.seq, 'chain line seq', 0),
    time: expectString(obj.time, 'chain line time', 32),
    size: expectInteger(obj.size, 'chain line size', 1),
    root: expectString(obj.root, 'chain line root', 64),
    prev: expectString(obj.prev, 'chain line prev', 64),
    checkpoint: expectString(obj.checkpoint, 'chain line checkpoint', MAX_NOTE_BYTES),
  };
  checkBlock(record);
  if (formatChainRecord(record) !== line) throw formatError('chain line is not in canonical form');
  return record;
}
