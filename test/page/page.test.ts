/**
 * The citizens' verification page (issue 6), end to end: a real store, real
 * receipts and pages written by the real binary, opened from file:// in
 * Chromium (the system's, else the one packaged in a devDependency: see
 * chromium.ts). Every network request fails the test. Screenshots of each
 * verdict go to test-output/page/ for review (they are not compared).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BrowserContext, type FileChooser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseNote, parseSignerKey, signerFromSeed, signNote } from '../../src/core/note.js';
import { makeStore, tempDir, writeDocs, type TestStore } from '../cli/helpers.js';
import { launchChromium, resolveChromium, type Launchable } from './chromium.js';

const PRODUCER = path.resolve(__dirname, '../../examples/make_receipt.py');
const SHOTS = path.resolve(__dirname, '../../test-output/page');
const OFFICE = 'notary.example.gov/land-registry';
const BIG_SIZE = 9 * 1024 * 1024 + 123; // three 4 MiB slices in the page

let office: TestStore;
let other: TestStore;
/** Another key with the office's very name: an impostor. */
let impostor: TestStore;
let ctx: BrowserContext;
let profile: string | undefined;
const pages: Record<string, string> = {};
/** Every URL the browser asked for, and problems seen on the pages. */
const requests: string[] = [];
const blocked: string[] = [];
const pageProblems: string[] = [];

const sha256Hex = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const keyId = (vkey: string) => vkey.split('+')[1];
const file = (name: string) => path.join(office.dir, name);

/** Deterministic bytes that do not compress to nothing. */
function bigContent(size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0, x = 7; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

function writePage(name: string, args: string[]): string {
  const out = path.join(office.dir, name);
  const r = office.run(['verifier-page', '--out', out, ...args]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toBe('');
  expect(r.stderr).toContain(out);
  pages[name] = pathToFileURL(out).href;
  return out;
}

/** A copy of deed.txt's receipt with `edit` applied to its text, in its own folder. */
function editedReceipt(folder: string, edit: (text: string) => string): string[] {
  const text = fs.readFileSync(file('deed.txt.notar.json'), 'utf8');
  const edited = edit(text);
  expect(edited).not.toBe(text);
  return writeDocs(path.join(office.dir, folder), {
    'deed.txt': fs.readFileSync(file('deed.txt')),
    'deed.txt.notar.json': edited,
  });
}

function setUpStores(): void {
  office = makeStore(OFFICE);
  other = makeStore('notary.example.gov/other-office');
  impostor = makeStore(OFFICE);
  writeDocs(office.dir, {
    'deed.txt': 'Deed of sale: parcel 42, seller A, buyer B.\n',
    'will.txt': 'Last will and testament of C.\n',
    'big.bin': bigContent(BIG_SIZE),
    'office.vkey': `# land registry, published on the office website\n${office.vkey}\n`,
  });
  // One batch of three (so leaf paths are not empty), then a later block.
  expect(office.run(['stamp', 'deed.txt', 'will.txt', 'big.bin']).code).toBe(0);
  writeDocs(office.dir, { 'later.txt': 'later\n' });
  expect(office.run(['stamp', 'later.txt']).code).toBe(0);
  writeDocs(path.join(office.dir, 'altered'), { 'deed.txt': 'Deed of sale: parcel 42, seller A, buyer Z.\n' });
}

function makePages(): void {
  writePage('trusted.html', ['--key-file', file('office.vkey')]);
  writePage('untrusted.html', ['--key', other.vkey]);
  // A page that trusts the impostor's key: the office's genuine receipts pose, to it, exactly as a forgery would.
  writePage('impostor.html', ['--key', impostor.vkey]);
  writePage('nokey.html', []);
  // A valid key whose name tries to close the script element.
  const evil = signerFromSeed('evil</script><script>alert(1)</script>', new Uint8Array(32).fill(9));
  writePage('evil.html', ['--key', evil.text, '--key', office.vkey]);
}

beforeAll(() => {
  setUpStores();
  makePages();
});

let browser: Launchable | undefined;
let browserError: unknown;
try {
  browser = resolveChromium();
} catch (e) {
  browserError = e;
}

/** A missing browser is a failure, never a skip. */
it('has Chromium for the browser tests', () => {
  expect(browserError, String(browserError)).toBeUndefined();
  console.log(`page tests: ${browser!.description}`);
});

async function launch(): Promise<void> {
  if (!browser) throw browserError;
  fs.mkdirSync(SHOTS, { recursive: true });
  const dir = tempDir('notar-chromium-');
  profile = dir;
  ctx = await launchChromium(dir, { viewport: { width: 1024, height: 900 } }, browser);
  const allowed = () => new Set(Object.values(pages));
  await ctx.route('**/*', (route) => {
    const url = route.request().url();
    if (allowed().has(url)) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  ctx.on('request', (r) => requests.push(r.url()));
}

afterAll(async () => {
  await ctx?.close();
  for (const dir of [office?.dir, other?.dir, impostor?.dir, profile])
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  // Taken and cleared first, so a failure is reported by the test that caused it only.
  const own = new Set(Object.values(pages));
  const [tried, others, problems] = [
    blocked.splice(0),
    requests.splice(0).filter((u) => !own.has(u)),
    pageProblems.splice(0),
  ];
  expect(tried, 'requests the page tried to make').toEqual([]);
  expect(others, 'requests other than the page itself').toEqual([]);
  expect(problems, 'script errors, console errors or CSP violations').toEqual([]);
});

async function open(name: string, viewport = { width: 1024, height: 900 }): Promise<Page> {
  const page = await ctx.newPage();
  await page.setViewportSize(viewport);
  page.on('request', (r) => {
    if (r.url() !== pages[name]) pageProblems.push(`request: ${r.url()}`);
  });
  page.on('pageerror', (e) => pageProblems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') pageProblems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('dialog', (d) => {
    pageProblems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(pages[name]);
  await page.waitForSelector('html[data-ready="true"]');
  return page;
}

interface Shown {
  kind: string;
  text: string;
  details: string;
}

async function verdict(page: Page): Promise<Shown> {
  const box = page.locator(
    '#verdict[data-verdict="authentic"], #verdict[data-verdict="failed"], #verdict[data-verdict="needs-key"]',
  );
  await box.waitFor();
  return {
    kind: (await box.getAttribute('data-verdict')) ?? '',
    text: (await box.textContent()) ?? '',
    details: (await page.locator('#detail-list').textContent()) ?? '',
  };
}

async function check(page: Page, files: string[]): Promise<Shown> {
  await page.setInputFiles('#files', files);
  return verdict(page);
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

describe('verifier page', () => {
  beforeAll(launch);

  it('shows a genuine document as Authentic, with origin, time and details', async () => {
    const page = await open('trusted.html');
    expect(await page.locator('#trust-baked-list').textContent()).toContain(`${OFFICE} (key ID ${keyId(office.vkey)})`);
    const shown = await check(page, [file('deed.txt'), file('deed.txt.notar.json')]);
    const time = JSON.parse(fs.readFileSync(file('deed.txt.notar.json'), 'utf8')).block.time as string;
    expect(shown.kind).toBe('authentic');
    expect(shown.text).toContain('Authentic');
    expect(shown.text).toContain(`Stamped by ${OFFICE} on `);
    expect(shown.text).toContain(`at ${time.slice(11, 19)} UTC`);
    expect(shown.details).toContain(sha256Hex(fs.readFileSync(file('deed.txt'))));
    expect(shown.details).toContain('Name written in the receipt (not verified)deed.txt');
    expect(shown.details).toContain(`key ID ${keyId(office.vkey)}`);
    await page.locator('#details summary').click();
    await shot(page, 'genuine');
    await page.close();
  });

  it('hashes a big document in slices with progress (receipt added first)', async () => {
    const page = await open('trusted.html');
    await page.evaluate(() => {
      const box = document.getElementById('progress-box')!;
      const bar = document.getElementById('progress') as HTMLProgressElement;
      const seen = { visible: false, max: 0 };
      (window as unknown as { seen: typeof seen }).seen = seen;
      new MutationObserver(() => {
        if (!box.hidden) seen.visible = true;
        seen.max = Math.max(seen.max, bar.value);
      }).observe(box, { attributes: true, subtree: true });
    });
    await page.setInputFiles('#files', [file('big.bin.notar.json')]);
    await page.locator('#verdict', { hasText: 'Waiting for the document' }).waitFor();
    expect(await page.locator('#verdict').textContent()).toContain(
      'the receipt calls it “big.bin”; that name is not verified',
    );
    const shown = await check(page, [file('big.bin')]);
    expect(shown.kind).toBe('authentic');
    expect(shown.details).toContain(sha256Hex(fs.readFileSync(file('big.bin'))));
    expect(await page.evaluate(() => (window as unknown as { seen: unknown }).seen)).toEqual({
      visible: true,
      max: 100,
    });
    expect(await page.locator('#progress-box').isHidden()).toBe(true);
    await page.close();
  });

  it('accepts both files dropped at once, receipt first', async () => {
    const page = await open('trusted.html');
    const files = ['will.txt.notar.json', 'will.txt'].map((name) => ({
      name,
      content: fs.readFileSync(file(name), 'utf8'),
    }));
    const dataTransfer = await page.evaluateHandle((list) => {
      const dt = new DataTransfer();
      for (const f of list) dt.items.add(new File([f.content], f.name));
      return dt;
    }, files);
    await page.dispatchEvent('#drop', 'drop', { dataTransfer });
    const shown = await verdict(page);
    expect(shown.kind).toBe('authentic');
    expect(shown.text).toContain(OFFICE);
    await page.close();
  });

  it('says what to do when the files are not a document and its receipt', async () => {
    const page = await open('trusted.html');
    await page.setInputFiles('#files', [file('deed.txt'), file('will.txt')]);
    await page.locator('#problem', { hasText: 'Neither file is a receipt' }).waitFor();
    await page.setInputFiles('#files', [file('deed.txt'), file('will.txt'), file('later.txt')]);
    await page.locator('#problem', { hasText: 'Add only two' }).waitFor();
    expect(await page.locator('#verdict').getAttribute('data-verdict')).toBe('info');
    await page.close();
  });

  /**
   * Enter on the focused drop zone opens the file picker. Playwright turns on
   * file-chooser interception asynchronously; on a loaded machine the first
   * key press can beat it (the picker then opens natively and no event comes),
   * so the press is repeated a few times before the test gives up.
   */
  async function chooserFromEnter(page: Page): Promise<FileChooser> {
    for (let attempt = 0; attempt < 4; attempt++) {
      const waiting = page.waitForEvent('filechooser', { timeout: 7_500 }).catch(() => undefined);
      await page.keyboard.press('Enter');
      const chooser = await waiting;
      if (chooser) return chooser;
    }
    throw new Error('Enter on the drop zone never opened the file picker');
  }

  it('is keyboard operable: the drop zone is a button that opens the file picker', async () => {
    const page = await open('trusted.html');
    await expect(page.getByRole('button', { name: /Choose files/ }).count()).resolves.toBe(1);
    await expect(page.getByLabel('Document and receipt files').count()).resolves.toBe(1);
    expect(await page.locator('#verdict').getAttribute('role')).toBe('status');
    expect(await page.locator('#verdict').getAttribute('aria-live')).toBe('polite');
    // Tab from the top of the page reaches the drop zone (the hidden input is skipped).
    let focused = '';
    for (let i = 0; i < 5 && focused !== 'drop'; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement?.id ?? '');
    }
    expect(focused).toBe('drop');
    const chooser = await chooserFromEnter(page);
    expect(chooser.isMultiple()).toBe(true);
    await chooser.setFiles([file('deed.txt'), file('deed.txt.notar.json')]);
    expect((await verdict(page)).kind).toBe('authentic');
    await page.keyboard.press('Tab'); // into the results: Details, then "Check another document"
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('reset');
    await page.keyboard.press('Enter');
    await page.locator('#verdict', { hasText: 'No document yet' }).waitFor();
    expect(await page.locator('#slot-document').textContent()).toBe('not added yet');
    await page.close();
  });

  it('shows an altered document as a digest failure (also at 375 px)', async () => {
    const page = await open('trusted.html');
    const shown = await check(page, [path.join(office.dir, 'altered', 'deed.txt'), file('deed.txt.notar.json')]);
    expect(shown.kind).toBe('failed');
    expect(shown.text).toContain('Not verified');
    expect(shown.text).toContain('This document was altered, or it is not the stamped document');
    expect(shown.text).not.toContain('Authentic');
    expect(shown.details).toContain('digest:');
    await shot(page, 'altered');
    await page.setViewportSize({ width: 375, height: 800 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await shot(page, 'altered-375px');
    await page.close();
  });

  it('shows a receipt with a changed path hash as damaged', async () => {
    const page = await open('trusted.html');
    const files = editedReceipt('tampered-path', (text) => {
      const r = JSON.parse(text);
      const h: string = r.leaf.path[0];
      return text.replace(h, h.slice(0, 10) + (h[10] === '0' ? '1' : '0') + h.slice(11));
    });
    const shown = await check(page, files);
    expect(shown.kind).toBe('failed');
    expect(shown.text).toContain('The receipt is damaged or was edited');
    expect(shown.details).toContain('batch:');
    await shot(page, 'damaged-receipt');
    await page.close();
  });

  // FORMAT.md §11: JSON spelling carries no meaning; duplicate member names do (they are refused).
  it('shows a re-spelled receipt (compact, CRLF, BOM) as Authentic', async () => {
    for (const [folder, edit] of [
      ['respelled-compact', (text: string) => JSON.stringify(JSON.parse(text))],
      ['respelled-crlf', (text: string) => '\ufeff' + text.replace(/\n/g, '\r\n')],
    ] as const) {
      const page = await open('trusted.html');
      const shown = await check(page, editedReceipt(folder, edit));
      expect(shown.kind, folder).toBe('authentic');
      await page.close();
    }
  });

  it('shows a receipt with a duplicate member name as damaged', async () => {
    const page = await open('trusted.html');
    const shown = await check(
      page,
      editedReceipt('duplicate-member', (text) => text.replace('"index": 0', '"index": 0, "index": 0')),
    );
    expect(shown.kind).toBe('failed');
    expect(shown.text).toContain('The receipt is damaged or was edited');
    expect(shown.details).toContain('format:');
    expect(shown.details).toContain('"index" twice in leaf');
    await page.close();
  });

  it('shows checkpoints with one and with three extension lines, signed by the office key, as Authentic with the lines in the details', async () => {
    const signer = parseSignerKey(JSON.parse(fs.readFileSync(path.join(office.storeDir, 'key.json'), 'utf8')).key);
    for (const ext of [['one extension ☃'], ['first', 'second — with an em dash', 'third\u00a0line']]) {
      const files = editedReceipt(`extensions-${ext.length}`, (text) => {
        const r = JSON.parse(text);
        const body = parseNote(r.checkpoint).body + ext.map((l) => l + '\n').join('');
        return JSON.stringify({ ...r, checkpoint: signNote(body, signer) }, null, 2) + '\n';
      });
      const page = await open('trusted.html');
      const shown = await check(page, files);
      expect(shown.kind, shown.details).toBe('authentic');
      expect(shown.details).toContain('Checkpoint extension lines (signed, not interpreted)');
      for (const l of ext) expect(shown.details).toContain(l);
      if (ext.length === 3) {
        await page.locator('#details summary').click();
        await shot(page, 'extension-lines');
      }
      await page.close();
    }
  });

  it('shows receipts of an independent producer (Python) in every spelling as Authentic', async () => {
    const out = tempDir('notar-producer-');
    const made = spawnSync(
      'python3',
      [
        PRODUCER,
        out,
        '--seed',
        '44'.repeat(32),
        '--name',
        'registry.example\ufeff/civil',
        '--batches',
        '2,3',
        '--extensions',
        '1',
        '--witness',
      ],
      { encoding: 'utf8' },
    );
    expect(made.status, made.stderr).toBe(0);
    const manifest = JSON.parse(made.stdout) as {
      key: string;
      receipts: { document: string; receipt: string; spelling: string }[];
    };
    writePage('producer.html', ['--key', manifest.key]);
    const picks = manifest.receipts.filter((r) => r.document.endsWith('doc-1-2.txt'));
    expect(picks.length).toBe(5);
    for (const r of picks) {
      // The page pairs a document with DOCUMENT.notar.json: give each spelling its own folder.
      const [doc, receipt] = writeDocs(path.join(out, 'page', r.spelling), {
        'doc-1-2.txt': fs.readFileSync(r.document),
        'doc-1-2.txt.notar.json': fs.readFileSync(r.receipt),
      });
      const page = await open('producer.html');
      const shown = await check(page, [doc, receipt]);
      expect(shown.kind, `${r.spelling}: ${shown.details}`).toBe('authentic');
      expect(shown.text).toContain('Stamped by registry.example\ufeff/civil');
      expect(shown.details).toContain('extension line 1');
      expect(shown.details).toContain(
        'Name written in the receipt (not verified)Grundbuch \u2013 M\u00fcller \u6771\u4eac \u{1f4dc} 1-2.txt',
      );
      await page.close();
    }
  });

  it('shows a broken checkpoint signature as an invalid signature', async () => {
    const page = await open('trusted.html');
    const files = editedReceipt('tampered-signature', (text) => {
      const sig = /— \S+ (\S+)\\n/.exec(text)![1];
      const at = 20; // inside the Ed25519 signature, past the 4-byte key ID
      return text.replace(sig, sig.slice(0, at) + (sig[at] === 'A' ? 'B' : 'A') + sig.slice(at + 1));
    });
    const shown = await check(page, files);
    expect(shown.kind).toBe('failed');
    expect(shown.text).toContain("The notary's signature is invalid");
    await shot(page, 'bad-signature');
    await page.close();
  });

  it('refuses a receipt signed by a key the page does not trust, naming the signer', async () => {
    const page = await open('untrusted.html');
    const shown = await check(page, [file('deed.txt'), file('deed.txt.notar.json')]);
    expect(shown.kind).toBe('failed');
    expect(shown.text).toContain(
      `Not signed by a key this page trusts. The receipt says it comes from ${OFFICE} (key ID ${keyId(office.vkey)}), and this page trusts no key of that name.`,
    );
    await shot(page, 'untrusted');
    await page.close();
  });

  it('a receipt bearing the trusted office name but another key: says it only claims the name and may be forged (issue 10 item 11)', async () => {
    const page = await open('impostor.html');
    expect(await page.locator('#trust-baked-list').textContent()).toContain(
      `${OFFICE} (key ID ${keyId(impostor.vkey)})`,
    );
    const shown = await check(page, [file('deed.txt'), file('deed.txt.notar.json')]);
    expect(shown.kind).toBe('failed');
    expect(shown.text).toContain('Not verified: may be forged');
    expect(shown.text).toContain(
      `This receipt claims to be from ${OFFICE}, but it is not signed by that office's key (key ID ${keyId(impostor.vkey)}). It is signed by a different key (key ID ${keyId(office.vkey)}), so it may be forged.`,
    );
    // The other key is never called by the office's name in the verdict.
    expect(shown.text).not.toContain(`${OFFICE}, key ID ${keyId(office.vkey)}`);
    expect(shown.details).toContain('Signature, as the receipt claims it (not verified)');
    await shot(page, 'impostor');
    await page.close();
  });

  it('without a baked key, says it cannot say authentic, then works with a pasted key', async () => {
    const page = await open('nokey.html');
    expect(await page.locator('#trust-none').isVisible()).toBe(true);
    expect(await page.locator('#trust-none').textContent()).toContain('cannot say that a document is authentic');
    const before = await check(page, [file('deed.txt'), file('deed.txt.notar.json')]);
    expect(before.kind).toBe('needs-key');
    expect(before.text).toContain('cannot say the document is authentic');
    expect(before.text).not.toContain('Authentic');
    await shot(page, 'no-key');
    await page.getByLabel("Notary's verifier key").fill('not a key');
    await page.getByRole('button', { name: 'Use this key' }).click();
    expect(await page.locator('#key-error').textContent()).toContain('not a valid verifier key');
    expect((await verdict(page)).kind).toBe('needs-key');
    await page.getByLabel("Notary's verifier key").fill(office.vkey);
    await page.getByRole('button', { name: 'Use this key' }).click();
    await page.locator('#verdict[data-verdict="authentic"]').waitFor();
    expect(await page.locator('#verdict').textContent()).toContain(`Stamped by ${OFFICE}`);
    expect(await page.locator('#pasted-list').textContent()).toContain(keyId(office.vkey));
    await shot(page, 'pasted-key');
    await page.close();
  });

  it('bakes key text safely: a name containing </script> stays text', async () => {
    const html = fs.readFileSync(fileURLToPath(pages['evil.html']), 'utf8');
    expect(html.match(/<\/script>/g)).toHaveLength(5); // the four data blocks' (keys, revocation status, witness policy, TSA certificates) and the script's own
    const page = await open('evil.html');
    expect(await page.locator('#trust-baked-list').textContent()).toContain(
      'evil</script><script>alert(1)</script> (key ID',
    );
    expect((await check(page, [file('deed.txt'), file('deed.txt.notar.json')])).kind).toBe('authentic');
    await page.close();
  });
});

describe('notar verifier-page', () => {
  it('rejects a bad key with exit 2 and one error line, writing nothing', () => {
    const out = path.join(office.dir, 'bad.html');
    const r = office.run(['verifier-page', '--out', out, '--key', `${office.vkey}x`]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter((l: string) => l.startsWith('notar: error:'))).toHaveLength(1);
    expect(r.stderr).toContain('--key');
    expect(r.stderr).not.toContain('    at ');
    expect(fs.existsSync(out)).toBe(false);
  });

  it('writes a self-contained page: inline script and style, no external references', () => {
    const html = fs.readFileSync(path.join(office.dir, 'trusted.html'), 'utf8');
    expect(html).not.toContain('__NOTAR_TRUSTED_KEYS__');
    // Outside the inline script: nothing that could load a resource (the browser tests watch the script).
    const markup = html.replace(/(<script[^>]*>)[^]*?(<\/script>)/g, '$1$2');
    expect(markup.match(/\b(?:src|href|action|srcset)\s*=\s*"[^"]*"/gi)).toEqual(['href="data:,"']);
    expect(markup).not.toMatch(/url\(|@import/i);
    expect(html).toContain('<link rel="icon" href="data:,">');
    expect(html).toContain(`default-src 'none'`);
    expect(html).toContain(JSON.stringify([office.vkey]));
  });
});
