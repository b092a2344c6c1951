/**
 * Which Chromium the page tests drive. A system Chromium is preferred (Debian's
 * /usr/bin/chromium); a machine without one uses the headless Chromium that
 * ships inside the @sparticuz/chromium devDependency (a brotli-packed binary in
 * the npm package itself: nothing is downloaded from anywhere but the npm
 * registry, at `npm ci`). NOTAR_TEST_CHROMIUM overrides: a path, or `npm` to
 * force the packaged one (how its path is tested on a machine that has both).
 */
import { spawnSync } from 'node:child_process';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const SYSTEM_CHROMIUM = ['/usr/bin/chromium', '/usr/bin/google-chrome'];
const PACKAGE = '@sparticuz/chromium';
const ROOT = path.resolve(__dirname, '../..');

export type ChromiumSource = { kind: 'path'; path: string; why: string } | { kind: 'npm'; why: string };

/** The choice alone, without touching the package (unit-tested). */
export function chooseChromium(env: NodeJS.ProcessEnv, exists: (p: string) => boolean): ChromiumSource {
  const forced = env.NOTAR_TEST_CHROMIUM?.trim();
  if (forced === 'npm') return { kind: 'npm', why: 'NOTAR_TEST_CHROMIUM=npm' };
  if (forced) return { kind: 'path', path: forced, why: 'NOTAR_TEST_CHROMIUM' };
  const system = SYSTEM_CHROMIUM.find((p) => exists(p));
  if (system) return { kind: 'path', path: system, why: 'system Chromium' };
  return { kind: 'npm', why: `no system Chromium (${SYSTEM_CHROMIUM.join(', ')})` };
}

export interface Launchable {
  executablePath: string;
  /** Extra environment for the browser process (the packaged build's libraries and fonts). */
  env: Record<string, string>;
  description: string;
}

/** Resolves the choice to a runnable browser; throws with a line saying what to do. */
export function resolveChromium(env: NodeJS.ProcessEnv = process.env): Launchable {
  const choice = chooseChromium(env, fs.existsSync);
  if (choice.kind === 'path') {
    if (!fs.existsSync(choice.path)) throw new Error(`${choice.why} names ${choice.path}, which does not exist`);
    return { executablePath: choice.path, env: {}, description: `${choice.path} (${choice.why})` };
  }
  return unpackedNpmChromium(choice.why);
}

/**
 * Unpacks the packaged build once into node_modules/.cache/notar-chromium/<version>
 * (about 200 MB, 1-2 s) and reuses it. The package unpacks into os.tmpdir(), so a
 * child runs it with TMPDIR pointing at a fresh directory that is renamed into place
 * when complete (two test runs at once never see half a browser). VERCEL=1 is the
 * package's switch that also unpacks its NSS and expat libraries (al2023.tar.br),
 * which a minimal Debian lacks; they are used through LD_LIBRARY_PATH only.
 */
function unpackedNpmChromium(why: string): Launchable {
  // Its exports map hides package.json from require.resolve; npm ci puts it here.
  const pkgJson = path.join(ROOT, 'node_modules', PACKAGE, 'package.json');
  if (!fs.existsSync(pkgJson))
    throw new Error(
      `${why}, and the devDependency ${PACKAGE} is not installed: run npm ci (or apt-get install chromium)`,
    );
  const version = JSON.parse(fs.readFileSync(pkgJson, 'utf8')).version as string;
  const dir = path.join(ROOT, 'node_modules/.cache/notar-chromium', version);
  if (!fs.existsSync(path.join(dir, 'chromium'))) unpack(dir);
  // The package's fonts.conf names /tmp/fonts; point fontconfig at the unpacked copy instead.
  const fontsConf = path.join(dir, 'notar-fonts.conf');
  if (!fs.existsSync(fontsConf)) {
    fs.writeFileSync(
      fontsConf,
      `<?xml version="1.0"?>\n<fontconfig>\n  <dir>${path.join(dir, 'fonts')}</dir>\n  <cachedir>${path.join(dir, 'fonts-cache')}</cachedir>\n</fontconfig>\n`,
    );
  }
  return {
    executablePath: path.join(dir, 'chromium'),
    env: { LD_LIBRARY_PATH: path.join(dir, 'al2023/lib'), FONTCONFIG_FILE: fontsConf },
    description: `${PACKAGE} ${version}, unpacked in ${dir} (${why})`,
  };
}

function unpack(dir: string): void {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const tmp = fs.mkdtempSync(`${dir}.tmp-`);
  const script = `import C from '${PACKAGE}'; process.stdout.write(await C.executablePath());`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    env: { ...process.env, TMPDIR: tmp, VERCEL: '1' },
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (r.status !== 0 || r.stdout !== path.join(tmp, 'chromium')) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new Error(`could not unpack ${PACKAGE} into ${tmp}: ${r.error?.message ?? r.stderr.trim()}`);
  }
  try {
    fs.renameSync(tmp, dir);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!fs.existsSync(path.join(dir, 'chromium'))) throw e; // else another run finished first
  }
}

/** The flags every page test launches with: headless, no network chatter of Chromium's own. */
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * A headless Chromium with a fresh profile in `profileDir`: the system one,
 * else the packaged one (resolveChromium). Every page suite launches through
 * here, so none of them needs a system Chromium.
 */
export async function launchChromium(
  profileDir: string,
  extra: Omit<Parameters<typeof chromium.launchPersistentContext>[1] & object, 'executablePath' | 'env' | 'args'> = {},
  browser: Launchable = resolveChromium(),
): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: browser.executablePath,
    env: { ...process.env, ...browser.env },
    headless: true,
    args: ARGS,
    ...extra,
  });
}

/** A page of `ctx` at `url`, once the verifier is ready; its script errors and console errors go to `problems`. */
export async function openVerifierPage(ctx: BrowserContext, url: string, problems: string[]): Promise<Page> {
  const p = await ctx.newPage();
  p.on('pageerror', (e) => problems.push(e.message));
  p.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  await p.goto(url);
  await p.waitForSelector('html[data-ready="true"]');
  return p;
}

/** Drops `files` on the page and waits for its verdict: its kind (authentic, failed) and its text. */
export async function verdictOf(p: Page, files: string[]): Promise<{ kind: string; text: string }> {
  await p.setInputFiles('#files', files);
  const box = p.locator('#verdict[data-verdict="authentic"], #verdict[data-verdict="failed"]');
  await box.waitFor();
  return { kind: (await box.getAttribute('data-verdict')) ?? '', text: (await box.textContent()) ?? '' };
}
