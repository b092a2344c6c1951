/**
 * Receipt text for a whole batch, fast. The receipts of one batch (from one
 * ReceiptBuilder) share block, history path, checkpoint and key, so that
 * tail is serialized once, from the first receipt, and only the head that
 * differs per document (digest, name, salt, index, leaf path) is built per
 * receipt. The text is byte-identical to formatReceipt (the canonical form,
 * FORMAT.md §7) and to JSON.stringify: the first receipt is checked against
 * them, and if they ever differ (the formats changed) they are used instead.
 */
import { formatReceipt, type Receipt } from '../../core/receipt.js';
import type { ByteSink } from './byte-sink.js';

export interface ReceiptText {
  /** formatReceipt(r): the receipt file. */
  pretty(r: Receipt): string;
  /** JSON.stringify(r): a receipt inside an NDJSON line. */
  compact(r: Receipt): string;
  /**
   * before + compact(r) + after as UTF-8, into `sink` (the shared tail is
   * copied as bytes); `after` is the same for every receipt (e.g. '\n').
   */
  compactTo(r: Receipt, sink: ByteSink, before?: string, after?: string): void;
}

const PRETTY_TAIL = '\n  "block": {';
const COMPACT_TAIL = ',"block":{';

/** Head of formatReceipt(r), through the comma after "leaf" (hex needs no escaping). */
function prettyHead(r: Receipt): string {
  const d = r.document;
  const name = d.name === undefined ? '' : `,\n    "name": ${JSON.stringify(d.name)}`;
  const path = r.leaf.path.length === 0 ? '[]' : `[\n      "${r.leaf.path.join('",\n      "')}"\n    ]`;
  return `{\n  "format": ${JSON.stringify(r.format)},\n  "document": {\n    "sha256": "${d.sha256}"${name}\n  },\n  "leaf": {\n    "salt": "${r.leaf.salt}",\n    "index": ${r.leaf.index},\n    "path": ${path}\n  },`;
}

/** Head of JSON.stringify(r), through `"path":`. */
function compactHead(r: Receipt): string {
  const d = r.document;
  const name = d.name === undefined ? '' : `,"name":${JSON.stringify(d.name)}`;
  return `{"format":${JSON.stringify(r.format)},"document":{"sha256":"${d.sha256}"${name}},"leaf":{"salt":"${r.leaf.salt}","index":${r.leaf.index},"path":`;
}

/** Digits of a SHA-256 in hex: every entry of a receipt path. */
const HASH_HEX = 64;

/**
 * A receipt's leaf path as compact JSON bytes, receipt after receipt.
 * Consecutive receipts of a batch share most of their path (the upper levels
 * of the tree change every 2, 4, 8, … leaves; MerkleTree.inclusionProofHex
 * hands them out as the same strings), so only the entries that differ from
 * the previous path are written again, in place: each entry is 64 hex digits
 * (no escaping) at a fixed place. A path of another length, or with an entry
 * that is not 64 characters, is written whole.
 */
class CompactPath {
  private prev: readonly string[] = [];
  private bytes = Buffer.from('[]');
  private fixed = true;

  of(path: readonly string[]): Buffer {
    if (path.length !== this.prev.length || !this.fixed) return this.whole(path);
    for (let k = 0; k < path.length; k++) {
      if (path[k] === this.prev[k]) continue;
      if (path[k].length !== HASH_HEX) return this.whole(path);
      // '["' then k entries of '<hex>","'.
      this.bytes.write(path[k], 2 + k * (HASH_HEX + 3), 'latin1');
    }
    this.prev = path;
    return this.bytes;
  }

  private whole(path: readonly string[]): Buffer {
    this.bytes = Buffer.from(JSON.stringify(path), 'utf8');
    // '["' + n entries + (n - 1) × '","' + '"]', each entry ASCII: then every entry has its fixed place.
    this.fixed = path.every((h) => h.length === HASH_HEX) && this.bytes.length === path.length * (HASH_HEX + 3) + 1;
    this.prev = path;
    return this.bytes;
  }
}

const slow: ReceiptText = {
  pretty: formatReceipt,
  compact: (r) => JSON.stringify(r),
  compactTo: (r, sink, before = '', after = '') => sink.text(before + JSON.stringify(r) + after),
};

/** Text makers for the receipts of the batch that `first` belongs to. */
export function batchReceiptText(first: Receipt): ReceiptText {
  const pretty0 = formatReceipt(first);
  const compact0 = JSON.stringify(first);
  // Strings before the tail are JSON-escaped, so the first match is the real one.
  const prettyTail = pretty0.slice(pretty0.indexOf(PRETTY_TAIL));
  // The tail after the path closes "leaf" first.
  const compactTail = '}' + compact0.slice(compact0.indexOf(COMPACT_TAIL));
  // The head ends in ASCII, so the UTF-8 of head + path + tail is the UTF-8 of each, joined.
  let tail = { after: '', bytes: Buffer.from(compactTail, 'utf8') };
  const path = new CompactPath();
  const fast: ReceiptText = {
    pretty: (r) => prettyHead(r) + prettyTail,
    compact: (r) => compactHead(r) + JSON.stringify(r.leaf.path) + compactTail,
    compactTo: (r, sink, before = '', after = '') => {
      if (after !== tail.after) tail = { after, bytes: Buffer.from(compactTail + after, 'utf8') };
      sink.text(before + compactHead(r));
      sink.bytes(path.of(r.leaf.path));
      sink.bytes(tail.bytes);
    },
  };
  return fast.pretty(first) === pretty0 && fast.compact(first) === compact0 ? fast : slow;
}
