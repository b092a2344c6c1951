/**
 * `notar verifier-page`: writes the citizens' verification page, one
 * self-contained HTML file (script and style inline, no network access) with
 * the office's trusted verifier keys baked in. The page itself is built from
 * src/page by scripts/build.mjs into dist/page/verifier.html.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NotarError } from '../../core/errors.js';
import type { Verifier } from '../../core/note.js';
import { MAX_POLICY_BYTES, parsePolicy } from '../../core/policy.js';
import { writeFileAtomic } from '../../store/durable.js';
import { osReason } from '../../store/errno.js';
import { readTextInput, trustedKeys, type Opts } from '../common.js';
import { notice } from '../output/io.js';
import { bakeableStatus, bakeStatus } from '../lifecycle/verifier-page-status.js';
import { readPolicy } from './verify-policy.js';

const TEMPLATE = path.join('page', 'verifier.html');
/** Where the keys go; appears exactly once in the built template (src/page/template.html). */
const KEYS_PLACEHOLDER = '__NOTAR_TRUSTED_KEYS__';
const POLICY_PLACEHOLDER = '__NOTAR_POLICY__';

/**
 * JSON that is safe inside a <script> element: `<` is escaped as \u003c (so
 * no key text can ever close the element or open a comment), and `>`, `&`,
 * U+2028/U+2029 too for good measure. JSON.parse reads them back unchanged.
 */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'),
  );
}

/**
 * The page with `keys` (verifier key strings, already validated) baked into
 * its JSON data block (`<script type="application/json">`, never executed).
 */
export function bakeKeys(template: string, keys: readonly string[]): string {
  const parts = template.split(KEYS_PLACEHOLDER);
  if (parts.length !== 2) {
    throw new NotarError('IO', 'the verifier page template is damaged (no single key placeholder)', {
      hint: 'rebuild (`npm run build`) or reinstall notar',
    });
  }
  // split/join, not String.replace: a `$` in the data must stay a `$`.
  return parts.join(scriptSafeJson(keys));
}

/**
 * The built template, dist/page/verifier.html: looked for upwards from this
 * module (dist/notar.cjs, or src/cli/commands/ under a test runner).
 */
function readTemplate(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 4; up++, dir = path.dirname(dir)) {
    const file = path.join(dir, TEMPLATE);
    if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8');
  }
  throw new NotarError('IO', `the verifier page template (dist/${TEMPLATE}) is missing from this installation`, {
    hint: 'rebuild (`npm run build`) or reinstall notar',
  });
}

function outputError(e: unknown, file: string): NotarError {
  const code = (e as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? `the directory ${path.dirname(file)} does not exist`
      : code === 'EISDIR'
        ? 'it is a directory'
        : osReason(e);
  return new NotarError('IO', `cannot write ${file}: ${why}`, { cause: e });
}

function writePage(file: string, html: string): void {
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) {
    throw new NotarError('USAGE', `--out ${file} is a directory`, {
      hint: `name the page file, e.g. --out ${path.join(file, 'verify.html')}`,
    });
  }
  try {
    writeFileAtomic(file, html);
  } catch (e) {
    if (e instanceof NotarError) throw e;
    throw outputError(e, file);
  }
}

/** The policy text, validated (a bad policy is an input error, exit 2, before anything is written). */
function readPolicyText(file: string): string {
  readPolicy(file);
  return readTextInput(file, MAX_POLICY_BYTES);
}

/** Fills the policy data block with the policy text, or null. */
export function bakePolicy(page: string, policy: string | null): string {
  const parts = page.split(POLICY_PLACEHOLDER);
  if (parts.length !== 2)
    throw new NotarError('IO', 'the verifier page template is damaged (no single policy placeholder)', {
      hint: 'rebuild (`npm run build`) or reinstall notar',
    });
  return parts.join(scriptSafeJson(policy));
}

/** Where the TSA certificates go (src/page/template.html; time.ts reads them). */
const TSA_PLACEHOLDER = '__NOTAR_TRUSTED_TSA__';

/** --tsa-cert files (PEM or DER), as base64 DER for the page. */
async function tsaCerts(opts: Opts): Promise<{ der: string[]; subjects: string[] }> {
  const files = (opts.tsaCert as string[] | undefined) ?? [];
  if (files.length === 0) return { der: [], subjects: [] };
  const { readCertFile } = await import('../time/cert-file.js');
  const certs = (await Promise.all(files.map(readCertFile))).flat();
  return { der: certs.map((c) => Buffer.from(c.der).toString('base64')), subjects: certs.map((c) => c.subject) };
}

/** The page with the TSA certificates baked into their JSON data block. */
export function bakeTsa(template: string, der: readonly string[]): string {
  const parts = template.split(TSA_PLACEHOLDER);
  if (parts.length !== 2) {
    throw new NotarError('IO', 'the verifier page template is damaged (no single TSA placeholder)', {
      hint: 'rebuild (`npm run build`) or reinstall notar',
    });
  }
  return parts.join(scriptSafeJson(der));
}

function uniqueKeys(keys: Verifier[]): Verifier[] {
  return keys.filter((k, i) => keys.findIndex((o) => o.text === k.text) === i);
}

export async function run(_args: string[], opts: Opts): Promise<number> {
  const out = opts.out as string;
  // Validated before anything is written: a bad key is an input error (exit 2).
  const keys = uniqueKeys(trustedKeys(opts));
  // Issue 12: --policy bakes a tlog-policy (its log keys count as trusted keys too, also for the status).
  const policy = opts.policy === undefined ? null : readPolicyText(String(opts.policy));
  const logKeys = policy === null ? [] : parsePolicy(policy).logs.map((l) => l.key);
  const status = bakeableStatus(opts, uniqueKeys([...keys, ...logKeys]));
  // Issue 14: --tsa-cert bakes the TSA certificates the page confirms timestamps with.
  const tsa = await tsaCerts(opts);
  writePage(
    out,
    bakeTsa(
      bakeStatus(
        bakePolicy(
          bakeKeys(
            readTemplate(),
            keys.map((k) => k.text),
          ),
          policy,
        ),
        status,
      ),
      tsa.der,
    ),
  );
  if (policy !== null) notice(`baked the witness policy from ${String(opts.policy)}`);
  // stdout stays empty: the page file is the result; this is a notice.
  if (keys.length === 0 && policy === null) {
    notice(
      `wrote ${out} with no trusted key: visitors must paste the notary's verifier key before the page can say "authentic"`,
    );
  } else {
    notice(`wrote ${out}; it trusts ${keys.map((k) => `${k.name} (key ID ${k.keyId})`).join(', ')}`);
  }
  if (tsa.subjects.length) notice(`the page confirms timestamps by ${tsa.subjects.join('; ')}`);
  return 0;
}
