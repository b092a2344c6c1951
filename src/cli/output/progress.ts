/**
 * A progress line for long loops (`stamp` of many or large documents): a
 * real count that moves, on stderr, only when stderr is a TTY.
 *
 * Not ora: a spinner animates from a timer, and stamp's hashing loop is
 * synchronous for speed (hashing.ts), so the timer hardly ever fired (two
 * frames in 7 s, no count); and ora clears its lines by counting how many
 * terminal rows its text takes, which at 0 columns is Infinity (an endless
 * `\e[1A\e[0K` loop that also blocked SIGINT/SIGTERM). This line is redrawn
 * with `\r` and `\e[K` only (no cursor movement, no row arithmetic), cut to
 * the terminal's width when it has one, at most 10 times a second.
 *
 * The loops call `due()` per item and `await pulse()` when it says so: the
 * pulse redraws and yields to the event loop, which is also what lets
 * SIGINT/SIGTERM be handled (interrupt.ts), TTY or not.
 */
import { hashedBytes } from '../hashing/hashing.js';
import { onInterrupt } from '../interrupt.js';

const INTERVAL_MS = 100;
/** Quick runs print nothing: the line appears only after this long. */
const DELAY_MS = 250;

export class Progress {
  /** Items done (documents, receipts) and bytes read, as the loop counts them. */
  count = 0;
  /** Bytes read by the second hashing thread (parallel-hash.ts), which this thread's hashedBytes does not count. */
  otherBytes = 0;
  private next = Date.now() + INTERVAL_MS;
  private readonly start = Date.now();
  private readonly tty = Boolean(process.stderr.isTTY) && !process.env.CI;
  private shown = false;
  private last = '';
  private lastDraw = 0;
  private timer?: NodeJS.Timeout;
  private readonly offInterrupt: () => void;

  constructor(private readonly text: (p: Progress) => string) {
    this.offInterrupt = onInterrupt(() => this.clear());
    // Redraws while the loop awaits (a large file read ahead, the store lock).
    if (this.tty) this.timer = setInterval(() => this.draw(), INTERVAL_MS).unref();
  }

  /** True about every 100 ms: time to pulse. Cheap enough to call per item. */
  due(): boolean {
    return Date.now() >= this.next;
  }

  /** Redraws the line (on a TTY) and yields to the event loop once. */
  async pulse(): Promise<void> {
    this.next = Date.now() + INTERVAL_MS;
    this.draw();
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.offInterrupt();
    this.clear();
  }

  private draw(): void {
    const now = Date.now();
    if (!this.tty || now - this.start < DELAY_MS || now - this.lastDraw < INTERVAL_MS) return;
    const line = fitLine(`notar: ${this.text(this)}`, process.stderr.columns);
    if (this.shown && line === this.last) return;
    process.stderr.write('\r' + line + '\x1b[K');
    this.shown = true;
    this.last = line;
    this.lastDraw = now;
  }

  private clear(): void {
    if (this.shown) process.stderr.write('\r\x1b[K');
    this.shown = false;
  }
}

/** Cut to the terminal's width (no wrap, so `\r` returns to its start); 0 or unknown columns: left as it is. */
export function fitLine(text: string, columns: number | undefined): string {
  if (!columns || columns < 2 || text.length < columns) return text;
  return text.slice(0, columns - 2) + '…';
}

/** 1536 → "1.5 kB": decimal units, as `ls -h --si` and disk makers use. */
export function formatSize(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return i === 0 ? `${n} B` : `${n.toFixed(1)} ${units[i]}`;
}

/** `stamp`'s hashing line: documents done of all, and bytes read. */
export function hashingProgress(total: number): Progress {
  const base = hashedBytes.total;
  return new Progress(
    (p) => `hashed ${p.count} of ${total} documents, ${formatSize(hashedBytes.total - base + p.otherBytes)}`,
  );
}
