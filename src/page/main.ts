/**
 * The citizen's verification page: hashes the document locally, checks its
 * receipt with the same core code as `notar verify` (FORMAT.md §8) against
 * the keys baked in by the office (or pasted by the visitor), and says what
 * it found. Nothing is sent anywhere; the page's CSP forbids it anyway.
 */
import type { Verifier } from '../core/note.js';
import type { Policy } from '../core/policy.js';
import { parseReceipt, RECEIPT_SUFFIX } from '../core/receipt.js';
import { verifyReceipt } from '../core/verify.js';
import { readReceiptText, sortFiles } from './files.js';
import { CHUNK_BYTES, hashFile } from './hashing.js';
import { addKey, parseKeyList, readBakedKeys } from './keys.js';
import { byId, hideDetails, showKeys, showProgress, showResult, showSlot, showVerdict } from './render.js';
import { describe, type Verdict } from './verdict.js';
import { checkTime, readBakedTsa, withTime } from './time.js';
import type { TsaCertificate } from '../core/timestamp.js';
import { pageLifecycle, readProofFile } from './rotation.js';
import { applyRotation, withSuccessors } from '../core/key-lifecycle.js';
import { applyPageStatus, isStatusFile, readBakedStatus, STATUS_ELEMENT_ID, withStatus } from './status.js';
import { readBakedPolicy, showPolicy, verifyUnderPolicy } from './witness.js';

interface State {
  document?: File;
  receipt?: { readonly file: File; readonly text: string };
  /** The digest of `document`, once computed. */
  digest?: { readonly file: File; readonly value: Uint8Array };
  hashing?: File;
  baked: Verifier[];
  pasted: Verifier[];
  /** Key rotation or retirement proofs added by the visitor. */
  proofs: { readonly name: string; readonly text: string }[];
  /** A revocation status: baked in, or added by the visitor (the later one wins). */
  status?: { readonly name: string; readonly text: string };
  /** TSA certificates baked in by `notar verifier-page --tsa-cert` (time.ts). */
  tsa: TsaCertificate[];
  /** A tlog-policy baked in by `notar verifier-page --policy` (issue 12). */
  policy?: Policy;
  /** Bumped on every reset, so late results of old work are dropped. */
  generation: number;
}

const state: State = { baked: [], pasted: [], proofs: [], tsa: [], generation: 0 };
/** The JSON data block with the trusted TSA certificates (base64 DER). */
const TSA_ELEMENT_ID = 'notar-trusted-tsa';
/** The JSON data block that `notar verifier-page` fills with the trusted keys. */
const KEYS_ELEMENT_ID = 'notar-trusted-keys';

const trusted = (): Verifier[] => [...state.baked, ...state.pasted];

async function addFiles(files: File[]): Promise<void> {
  const generation = state.generation;
  const flags = await Promise.all(files.map(isStatusFile));
  const statusFile = files.find((_, i) => flags[i]);
  if (statusFile) state.status = { name: statusFile.name, text: await statusFile.text() };
  files = files.filter((_, i) => !flags[i]);
  const proofs = await Promise.all(files.map(readProofFile));
  files.forEach((f, i) => {
    const text = proofs[i];
    if (text !== undefined) state.proofs = [...state.proofs.filter((p) => p.text !== text), { name: f.name, text }];
  });
  files = files.filter((_, i) => proofs[i] === undefined);
  const sorted = await sortFiles(files);
  if (generation !== state.generation) return;
  byId('problem').textContent = sorted.problem ?? '';
  if (sorted.problem) return;
  if (sorted.receipt) {
    const text = await readReceiptText(sorted.receipt);
    if (generation !== state.generation) return;
    state.receipt = { file: sorted.receipt, text };
  }
  if (sorted.document) state.document = sorted.document;
  update();
}

/** Hashes the current document (once), then shows the outcome. */
async function hashDocument(file: File): Promise<void> {
  state.hashing = file;
  const big = file.size > CHUNK_BYTES;
  showProgress(0, file.size, big);
  const stale = () => state.document !== file;
  let value: Uint8Array | undefined;
  try {
    value = await hashFile(file, (done, total) => showProgress(done, total, big), stale);
  } catch (e) {
    // The file vanished or is unreadable (moved, permissions): say so, forget it.
    if (!stale()) {
      byId('problem').textContent =
        `Could not read ${file.name}: ${(e as Error).message || 'the browser refused'}. Add it again.`;
      state.document = undefined;
    }
  }
  if (state.hashing === file) state.hashing = undefined;
  showProgress(0, 0, false);
  if (value && !stale()) state.digest = { file, value };
  update();
}

/** Redraws everything from the state; starts hashing when needed. */
function update(): void {
  timeChecks++;
  const { document: doc, receipt } = state;
  const digest = doc && state.digest?.file === doc ? state.digest.value : undefined;
  showSlot('slot-document', doc, digest ? ' — fingerprint computed' : doc ? ' — computing fingerprint…' : '');
  showSlot('slot-receipt', receipt?.file);
  if (doc && !digest && state.hashing !== doc) void hashDocument(doc);
  showStatusSlot();
  // Under a baked policy (issue 12) revocation status and rotation proofs apply as without one.
  if (doc && receipt && digest && state.policy) {
    const life = { ...pageLifecycle(state.proofs, trusted()), status: state.status?.text };
    return showTimed(verifyUnderPolicy(state.policy, receipt.text, digest, trusted(), life), receipt.text);
  }
  if (doc && receipt && digest) {
    const { lifecycle, problem } = pageLifecycle(state.proofs, trusted());
    const keys = withSuccessors(trusted(), lifecycle.successors);
    const rotated = applyRotation(verifyReceipt(receipt.text, digest, keys), lifecycle);
    const checked = applyPageStatus(rotated.result, digest, state.status?.text, keys);
    const verdict = withStatus(
      withStatus(describe(checked.result, digest, keys), { note: rotated.note, problem }, 'Key rotation'),
      checked,
    );
    return showTimed(verdict, receipt.text);
  }
  hideDetails();
  if (doc && !digest) return showVerdict('info', 'Checking…', "Computing the document's fingerprint on this computer.");
  if (doc)
    return showVerdict(
      'info',
      'Waiting for the receipt',
      `Now add the receipt for this document (the file ending in ${RECEIPT_SUFFIX}).`,
    );
  if (receipt)
    return showVerdict(
      'info',
      'Waiting for the document',
      `Now add the document this receipt is for${receiptName(receipt.text)}.`,
    );
  showVerdict('info', 'No document yet', 'Add the document and its receipt to see the result.');
}

/** Bumped by every check and every redraw, so only the latest time check may show its result. */
let timeChecks = 0;

/** Shows a verdict; an authentic receipt's timestamps (async: Web Crypto) refine it when they are checked (time.ts). */
function showTimed(verdict: Verdict, text: string): void {
  // An authentic receipt parsed: its timestamps, if any, are checked next.
  const receipt = verdict.kind === 'authentic' ? parseReceipt(text) : undefined;
  if (receipt?.timestamps === undefined) return showResult(verdict);
  const run = ++timeChecks;
  showVerdict('info', 'Checking…', 'Checking the time stamp.');
  void checkTime(receipt, state.tsa).then((t) => {
    // Dropped if anything changed meanwhile (files, keys, reset): a newer check or message owns the page.
    if (run === timeChecks) showResult(withTime(verdict, t));
  });
}

/** The name the receipt gives (informational only: it is not verified). */
function receiptName(text: string): string {
  try {
    const name = parseReceipt(text).document.name;
    return name === undefined ? '' : ` (the receipt calls it “${name}”; that name is not verified)`;
  } catch {
    return '';
  }
}

function showStatusSlot(): void {
  byId('slot-status').textContent = state.status ? state.status.name : 'none (optional)';
  byId('slot-proofs').textContent = state.proofs.length
    ? state.proofs.map((p) => p.name).join(', ')
    : 'none (optional)';
}

function reset(): void {
  state.generation++;
  state.document = state.receipt = state.digest = state.hashing = undefined;
  state.proofs = [];
  byId('problem').textContent = '';
  showProgress(0, 0, false);
  update();
  byId('drop').focus();
}

function setupKeys(): void {
  const bakedStatus = readBakedStatus(byId(STATUS_ELEMENT_ID).textContent ?? '');
  if (bakedStatus !== undefined) state.status = { name: 'built into this page', text: bakedStatus };
  const baked = readBakedKeys(byId(KEYS_ELEMENT_ID).textContent ?? '');
  const policy = readBakedPolicy(byId('notar-policy').textContent ?? 'null');
  if (policy.error) baked.errors.push(policy.error);
  state.policy = policy.policy;
  state.baked = [
    ...baked.keys,
    ...(policy.policy?.logs.map((l) => l.key).filter((k) => !baked.keys.some((b) => b.text === k.text)) ?? []),
  ];
  if (state.policy) showPolicy(state.policy);
  showKeys('trust-baked-list', state.baked);
  byId('trust-baked').hidden = state.baked.length === 0;
  byId('trust-none').hidden = state.baked.length > 0 || baked.errors.length > 0;
  byId('trust-broken').hidden = baked.errors.length === 0;
  byId('trust-broken').textContent = baked.errors.join(' ');
  // Only a page without baked keys asks for one: an office's page trusts its own keys.
  byId('paste').hidden = state.baked.length > 0;
  byId('key-add').addEventListener('click', pasteKeys);
  const tsa = readBakedTsa(byId(TSA_ELEMENT_ID).textContent ?? '[]');
  state.tsa = tsa.certs;
  if (tsa.errors.length) {
    byId('trust-broken').hidden = false;
    byId('trust-broken').textContent = [byId('trust-broken').textContent, ...tsa.errors].filter(Boolean).join(' ');
  }
}

function pasteKeys(): void {
  const input = byId<HTMLTextAreaElement>('key-input');
  const { keys, errors } = parseKeyList(input.value);
  const error = errors.length
    ? `That is not a valid verifier key. ${errors.join(' ')}`
    : keys.length
      ? ''
      : 'Paste a verifier key first.';
  byId('key-error').textContent = error;
  input.setAttribute('aria-invalid', String(Boolean(error)));
  if (error) return;
  keys.forEach((k) => addKey(state.pasted, k));
  input.value = '';
  showPasted();
  update();
}

function showPasted(): void {
  showKeys('pasted-list', state.pasted, (k) => {
    state.pasted = state.pasted.filter((p) => p !== k);
    showPasted();
    update();
    byId('key-input').focus();
  });
}

function setupFiles(): void {
  const input = byId<HTMLInputElement>('files');
  const zone = byId('drop');
  zone.addEventListener('click', () => input.click());
  input.addEventListener('change', () => {
    const files = Array.from(input.files ?? []);
    input.value = ''; // so choosing the same file again still fires
    void addFiles(files);
  });
  // The whole window accepts drops, so a near miss never opens the file in the tab.
  window.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('dragging');
  });
  window.addEventListener('dragleave', (e) => {
    if (e.relatedTarget === null) zone.classList.remove('dragging');
  });
  window.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('dragging');
    void addFiles(Array.from(e.dataTransfer?.files ?? []));
  });
  byId('reset').addEventListener('click', reset);
}

setupKeys();
setupFiles();
update();
// Marks the script as running (tests wait for it before adding files).
document.documentElement.dataset.ready = 'true';
