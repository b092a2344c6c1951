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
  /** compact(r) as UTF-8, into `sink` (the shared tail is copied as bytes). */
  compactTo(r: Receipt, sink: ByteSink): void;
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

/** Head of JSON.stringify(r), through the end of "leaf". */
function compactHead(r: Receipt): string {
  const d = r.document;
  const name = d.name === undefined ? '' : `,"name":${JSON.stringify(d.name)}`;
  const path = r.leaf.path.length === 0 ? '[]' : `["${r.leaf.path.join('","')}"]`;
  return `{"format":${JSON.stringify(r.format)},"document":{"sha256":"${d.sha256}"${name}},"leaf":{"salt":"${r.leaf.salt}","index":${r.leaf.index},"path":${path}}`;
}

const slow: ReceiptText = {
  pretty: formatReceipt,
  compact: (r) => JSON.stringify(r),
  compactTo: (r, sink) => sink.text(JSON.stringify(r)),
};

/** Text makers for the receipts of the batch that `first` belongs to. */
export function batchReceiptText(first: Receipt): ReceiptText {
  const pretty0 = formatReceipt(first);
  const compact0 = JSON.stringify(first);
  // Strings before the tail are JSON-escaped, so the first match is the real one.
  const prettyTail = pretty0.slice(pretty0.indexOf(PRETTY_TAIL));
  const compactTail = compact0.slice(compact0.indexOf(COMPACT_TAIL));
  // The head ends in ASCII, so the UTF-8 of head + tail is the UTF-8 of each, joined.
  const compactTailBytes = Buffer.from(compactTail, 'utf8');
  const fast: ReceiptText = {
    pretty: (r) => prettyHead(r) + prettyTail,
    compact: (r) => compactHead(r) + compactTail,
    compactTo: (r, sink) => {
      sink.text(compactHead(r));
      sink.bytes(compactTailBytes);
    },
  };
  return fast.pretty(first) === pretty0 && fast.compact(first) === compact0 ? fast : slow;
}
