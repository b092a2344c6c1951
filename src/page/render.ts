/**
 * Drawing the page's state. Text goes in only through textContent (never
 * innerHTML), so nothing from a receipt, a file name or a key can inject markup.
 */
import type { Verifier } from '../core/note.js';
import { describeKey } from './keys.js';
import type { Verdict } from './verdict.js';

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page element #${id} is missing`);
  return el as T;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text?: string,
  className?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
/** Icon shapes (24x24): check, cross, exclamation mark, hourglass-ish dots. */
const ICONS: Record<string, string> = {
  authentic: 'M6.5 12.5l3.5 3.5 7.5-8',
  failed: 'M8 8l8 8M16 8l-8 8',
  'needs-key': 'M12 6.5v7M12 17v.5',
  info: 'M7.5 12h.5M12 12h.5M16 12h.5',
};

function icon(kind: string): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const circle = document.createElementNS(SVG_NS, 'circle');
  for (const [k, v] of Object.entries({
    cx: '12',
    cy: '12',
    r: '10.5',
    fill: 'none',
    stroke: 'currentColor',
    'stroke-width': '2',
  }))
    circle.setAttribute(k, v);
  const path = document.createElementNS(SVG_NS, 'path');
  for (const [k, v] of Object.entries({
    d: ICONS[kind] ?? ICONS.info,
    fill: 'none',
    stroke: 'currentColor',
    'stroke-width': '2.5',
    'stroke-linecap': 'round',
    'stroke-linejoin': 'round',
  }))
    path.setAttribute(k, v);
  svg.append(circle, path);
  return svg;
}

/** Fills the status region; `kind` is also exposed as data-verdict (styling, tests). */
export function showVerdict(kind: string, title: string, message: string): void {
  const box = byId('verdict');
  const body = el('div');
  body.append(el('p', title, 'verdict-title'), el('p', message, 'verdict-text'));
  box.replaceChildren(icon(kind), body);
  box.dataset.verdict = kind;
}

/** The full result of a check, with its details on demand. */
export function showResult(v: Verdict): void {
  showVerdict(v.kind, v.title, v.message);
  const list = byId('detail-list');
  list.replaceChildren(...v.details.flatMap(([label, value]) => [el('dt', label), el('dd', value)]));
  byId('details').hidden = false;
  // On a small screen the result may be below the fold: bring it into view.
  byId('verdict').scrollIntoView({ block: 'nearest' });
}

export function hideDetails(): void {
  const details = byId<HTMLDetailsElement>('details');
  details.hidden = true;
  details.open = false;
  byId('detail-list').replaceChildren();
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let n = bytes / 1024;
  let i = 0;
  for (; n >= 1024 && i < units.length - 1; i++) n /= 1024;
  return `${n.toFixed(n < 10 ? 1 : 0)} ${units[i]}`;
}

export function showSlot(id: 'slot-document' | 'slot-receipt', file: File | undefined, note = ''): void {
  byId(id).textContent = file ? `${file.name} (${formatSize(file.size)})${note}` : 'not added yet';
}

export function showProgress(done: number, total: number, visible: boolean): void {
  byId('progress-box').hidden = !visible;
  const pct = total === 0 ? 100 : Math.floor((done / total) * 100);
  byId<HTMLProgressElement>('progress').value = pct;
  byId('progress-text').textContent = `${pct}% of ${formatSize(total)}`;
}

/** A list of keys; `onRemove` adds a labelled Remove button to each. */
export function showKeys(listId: string, keys: readonly Verifier[], onRemove?: (k: Verifier) => void): void {
  byId(listId).replaceChildren(
    ...keys.map((k) => {
      const li = el('li', describeKey(k));
      if (onRemove) {
        const b = el('button', 'Remove');
        b.type = 'button';
        b.setAttribute('aria-label', `Remove key ${describeKey(k)}`);
        b.addEventListener('click', () => onRemove(k));
        li.append(b);
      }
      return li;
    }),
  );
}
