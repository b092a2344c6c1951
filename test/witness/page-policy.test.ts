/**
 * The verifier page with a baked-in tlog-policy (issue 12), in Chromium:
 * quorum met (who vouched and when), quorum not met (who is missing), a
 * forged cosignature. Witnesses answer through files here (`witness cosign`,
 * `cosign --from`), the path of offices without a network link.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeStore, tempDir, writeDocs, type TestStore } from '../cli/helpers.js';
import { launchChromium } from '../page/chromium.js';
import { makeWitness, type TestWitness } from './helpers.js';

let office: TestStore;
let ws: TestWitness[];
let ctx: BrowserContext;
let pageUrl: string;
const problems: string[] = [];
const f = (name: string) => path.join(office.dir, name);

beforeAll(async () => {
  office = makeStore('land-registry.example.gov/deeds');
  ws = ['w1', 'w2', 'w3'].map((n) => makeWitness(`${n}.example.gov/witness`));
  for (const w of ws) {
    expect(w.run(['witness', 'add-log', office.vkey]).code).toBe(0);
    expect(office.run(['witnesses', 'add', w.vkey]).code).toBe(0);
  }
  writeDocs(office.dir, { 'deed.txt': 'Deed of sale, parcel 7\n' });
  expect(office.run(['stamp', 'deed.txt']).code).toBe(0);
  fs.copyFileSync(f('deed.txt.notar.json'), f('uncosigned.notar.json'));
  // Two of three witnesses answer by file; the office merges the answers and refreshes.
  const request = office.run(['checkpoint', '--request']).stdout;
  for (const w of ws.slice(0, 2)) {
    const r = w.run(['witness', 'cosign', '-'], request);
    expect(r.code, r.stderr).toBe(0);
    fs.writeFileSync(f(`${w.name.split('.')[0]}.cosig`), r.stdout);
  }
  const merged = office.run(['cosign', '--from', f('w1.cosig'), '--from', f('w2.cosig')]);
  expect(merged.stdout, merged.stderr).toBe('stored 2 new cosignatures\n');
  expect(office.run(['refresh', 'deed.txt.notar.json']).code).toBe(0);
  // A forged w2 cosignature: one base64 character of its signature changed.
  const text = fs.readFileSync(f('deed.txt.notar.json'), 'utf8');
  // Inside the JSON string, the note's newlines are written as the two characters \n.
  const line = text.split('\\n').find((l) => l.startsWith('— w2.'))!;
  const at = line.length - 20;
  const forgedLine = line.slice(0, at) + (line[at] === 'A' ? 'B' : 'A') + line.slice(at + 1);
  fs.mkdirSync(f('forged'));
  fs.writeFileSync(path.join(office.dir, 'forged', 'deed.txt.notar.json'), text.replace(line, forgedLine));
  fs.copyFileSync(f('deed.txt'), path.join(office.dir, 'forged', 'deed.txt'));
  fs.writeFileSync(f('office.policy'), office.run(['policy', '--quorum', '2']).stdout);
  const page = office.run(['verifier-page', '--out', f('verify.html'), '--policy', f('office.policy')]);
  expect(page.code, page.stderr).toBe(0);
  pageUrl = pathToFileURL(f('verify.html')).href;
  // The CLI agrees on all three.
  expect(office.run(['verify', 'deed.txt', '--policy', 'office.policy']).code).toBe(0);
  expect(
    office.run(['verify', 'deed.txt', '--receipt', 'uncosigned.notar.json', '--policy', 'office.policy']).code,
  ).toBe(1);
  expect(office.run(['verify', 'forged/deed.txt', '--policy', 'office.policy']).stdout).toMatch(
    /does not verify.*\(witness\)/,
  );
  ctx = await launchChromium(tempDir('notar-chromium-'));
  await ctx.route('**/*', (route) =>
    route.request().url() === pageUrl ? route.continue() : (problems.push(route.request().url()), route.abort()),
  );
});

afterAll(async () => {
  await ctx?.close();
});

async function open(): Promise<Page> {
  const page = await ctx.newPage();
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console: ${m.text()}`);
  });
  await page.goto(pageUrl);
  await page.waitForSelector('html[data-ready="true"]');
  return page;
}

async function check(files: string[]): Promise<{ kind: string; text: string; details: string; trust: string }> {
  const page = await open();
  await page.setInputFiles('#files', files);
  const box = page.locator('#verdict[data-verdict="authentic"], #verdict[data-verdict="failed"]');
  await box.waitFor();
  const out = {
    kind: (await box.getAttribute('data-verdict')) ?? '',
    text: (await box.textContent()) ?? '',
    details: (await page.locator('#detail-list').textContent()) ?? '',
    trust: (await page.locator('#trust-policy').textContent()) ?? '',
  };
  await page.close();
  return out;
}

describe('verifier page with a policy', () => {
  it('quorum met: Authentic, naming who vouched and when, and the earliest witness time', async () => {
    const v = await check([f('deed.txt'), f('deed.txt.notar.json')]);
    expect(v.kind).toBe('authentic');
    expect(v.text).toMatch(
      /Vouched for by 2 of 3 independent witnesses: w1\.example\.gov\/witness \(on \d+ \w+ \d{4} at \d\d:\d\d:\d\d UTC\), w2\.example\.gov\/witness/,
    );
    expect(v.text).toContain('existed no later than');
    expect(v.details).toContain('did not vouch (no cosignature)');
    expect(v.trust).toMatch(/2 of w1\.example\.gov\/witness, w2\.example\.gov\/witness, w3\.example\.gov\/witness/);
    expect(problems).toEqual([]);
  });

  it('quorum not met: says who is missing and what would fix it', async () => {
    const dir = path.join(office.dir, 'plain');
    writeDocs(dir, {
      'deed.txt': fs.readFileSync(f('deed.txt')),
      'deed.txt.notar.json': fs.readFileSync(f('uncosigned.notar.json')),
    });
    const v = await check([path.join(dir, 'deed.txt'), path.join(dir, 'deed.txt.notar.json')]);
    expect(v.kind).toBe('failed');
    expect(v.text).toContain('Not verified: not enough witnesses');
    expect(v.text).toContain(
      'No witness vouched. Missing: w1.example.gov/witness, w2.example.gov/witness, w3.example.gov/witness',
    );
    expect(problems).toEqual([]);
  });

  it('a forged cosignature: says so, even though two others would be enough', async () => {
    const v = await check([
      path.join(office.dir, 'forged', 'deed.txt'),
      path.join(office.dir, 'forged', 'deed.txt.notar.json'),
    ]);
    expect(v.kind).toBe('failed');
    expect(v.text).toContain('a witness signature is forged or damaged');
    expect(v.text).toContain('Invalid (forged or damaged): w2.example.gov/witness');
    expect(problems).toEqual([]);
  });
});
