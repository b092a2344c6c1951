/**
 * Telling the receipt from the document, whatever order they come in: by the
 * `.notar.json` name first, else by the receipt's `format` field (FORMAT.md §7).
 */
import { isReceiptLike, MAX_RECEIPT_BYTES, RECEIPT_SUFFIX } from '../core/receipt.js';

export interface SortedFiles {
  readonly document?: File;
  readonly receipt?: File;
  /** Set when the files cannot be sorted; says what to do instead. */
  readonly problem?: string;
}

export async function looksLikeReceipt(file: File): Promise<boolean> {
  if (file.name.toLowerCase().endsWith(RECEIPT_SUFFIX)) return true;
  if (file.size < 2 || file.size > MAX_RECEIPT_BYTES) return false;
  try {
    return isReceiptLike(JSON.parse(await file.text()));
  } catch {
    return false;
  }
}

/** The receipt text, read only up to the size a receipt can have. */
export async function readReceiptText(file: File): Promise<string> {
  return file.slice(0, MAX_RECEIPT_BYTES + 1).text();
}

/** Sorts one or two files into document and receipt. */
export async function sortFiles(files: readonly File[]): Promise<SortedFiles> {
  if (files.length === 0) return {};
  if (files.length > 2)
    return {
      problem: `You added ${files.length} files. Add only two: the document and its receipt (the file ending in ${RECEIPT_SUFFIX}).`,
    };
  const flags = await Promise.all(files.map(looksLikeReceipt));
  if (files.length === 1) return flags[0] ? { receipt: files[0] } : { document: files[0] };
  const [a, b] = files;
  if (flags[0] !== flags[1]) return flags[0] ? { receipt: a, document: b } : { receipt: b, document: a };
  if (flags[0]) {
    // A stamped receipt file is itself a document: pair by name (deed.notar.json + deed.notar.json.notar.json).
    if (b.name === a.name + RECEIPT_SUFFIX) return { document: a, receipt: b };
    if (a.name === b.name + RECEIPT_SUFFIX) return { document: b, receipt: a };
    return { problem: 'Both files look like receipts. Add the document and its receipt.' };
  }
  return {
    problem: `Neither file is a receipt. Add the document and its receipt (the file ending in ${RECEIPT_SUFFIX}).`,
  };
}
