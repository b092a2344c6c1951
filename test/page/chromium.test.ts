// Which Chromium the page tests drive (chromium.ts): the system's when present,
// else the one packaged in the npm devDependency; NOTAR_TEST_CHROMIUM overrides.
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chooseChromium, resolveChromium, SYSTEM_CHROMIUM } from './chromium.js';

const only =
  (...present: string[]) =>
  (p: string) =>
    present.includes(p);

describe('chooseChromium', () => {
  it('prefers a system Chromium', () => {
    expect(chooseChromium({}, only('/usr/bin/chromium'))).toEqual({
      kind: 'path',
      path: '/usr/bin/chromium',
      why: 'system Chromium',
    });
    expect(chooseChromium({}, only(SYSTEM_CHROMIUM[1]))).toMatchObject({ kind: 'path', path: SYSTEM_CHROMIUM[1] });
  });

  it('falls back to the npm-packaged build when no system Chromium exists', () => {
    expect(chooseChromium({}, only())).toMatchObject({ kind: 'npm' });
  });

  it('NOTAR_TEST_CHROMIUM=npm forces the packaged build even where a system one exists', () => {
    expect(chooseChromium({ NOTAR_TEST_CHROMIUM: 'npm' }, only('/usr/bin/chromium'))).toMatchObject({ kind: 'npm' });
  });

  it('NOTAR_TEST_CHROMIUM=<path> names the browser; a missing one is an error, not a fallback', () => {
    expect(chooseChromium({ NOTAR_TEST_CHROMIUM: '/opt/c/chrome' }, only('/usr/bin/chromium'))).toMatchObject({
      kind: 'path',
      path: '/opt/c/chrome',
    });
    expect(() => resolveChromium({ NOTAR_TEST_CHROMIUM: '/nonexistent/chrome' })).toThrow(
      '/nonexistent/chrome, which does not exist',
    );
  });
});

describe('the npm-packaged Chromium', () => {
  it('unpacks to an executable with its libraries and fonts', () => {
    const b = resolveChromium({ NOTAR_TEST_CHROMIUM: 'npm' });
    expect(fs.statSync(b.executablePath).mode & 0o100).toBe(0o100);
    expect(fs.existsSync(`${b.env.LD_LIBRARY_PATH}/libnss3.so`)).toBe(true);
    expect(fs.readFileSync(b.env.FONTCONFIG_FILE, 'utf8')).toContain('<dir>');
  });
});
