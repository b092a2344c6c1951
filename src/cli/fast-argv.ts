/**
 * A start-up fast path for the commands people run most (`verify`, `prove`,
 * and `hash` over many files): loading and building the commander program
 * costs about as much as all of verify's work. Only plain command lines are
 * taken here, the ones whose meaning is obvious: the command first, known
 * options written out (`--key K`), the operands the command takes. Anything
 * else (help, `--opt=value`, a value that starts with '-', a repeated single
 * option, `--`, an unknown option, too few or too many operands) returns
 * undefined and goes through commander as before, so every message and edge
 * case stays commander's. The result is what commander's optsWithGlobals()
 * gives for the same line (the CLI tests compare them).
 */

type Kind = 'flag' | 'value' | 'list';

/** Options of the program itself (main.ts: --store, --debug), accepted after the command too. */
const GLOBAL: Record<string, Kind> = { '--store': 'value', '--debug': 'flag' };

interface Spec {
  readonly options: Record<string, Kind>;
  /** Fewest and most operands ([file], <files...>). */
  readonly operands: readonly [number, number];
}

/** Must match the declarations in main.ts (a test checks each against `notar <command> --help`). */
export const FAST_COMMANDS: Record<string, Spec> = {
  verify: {
    options: { '--receipt': 'value', '--receipts': 'value', '--files-from': 'value', '--key': 'list', '--key-file': 'list', '--sha256': 'value', '--json': 'flag' },
    operands: [0, Infinity],
  },
  prove: { options: { '--sha256': 'value', '--files-from': 'value', '--out': 'value' }, operands: [0, Infinity] },
  hash: { options: {}, operands: [0, Infinity] },
};

export interface FastCommand {
  readonly command: string;
  readonly args: string[];
  readonly opts: Record<string, unknown>;
}

/** `--key-file` → `keyFile`, as commander names option values. */
function camel(flag: string): string {
  return flag.slice(2).replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** `argv`: process.argv without node and the script. */
export function fastCommand(argv: readonly string[]): FastCommand | undefined {
  const [command, ...rest] = argv;
  const spec = Object.hasOwn(FAST_COMMANDS, command) ? FAST_COMMANDS[command] : undefined;
  if (!spec) return undefined;
  const options = { ...GLOBAL, ...spec.options };
  const opts: Record<string, unknown> = {};
  const args: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i];
    if (!token.startsWith('-') || token === '-') {
      args.push(token);
      continue;
    }
    const kind = Object.hasOwn(options, token) ? options[token] : undefined;
    if (kind === undefined) return undefined;
    const key = camel(token);
    if (kind === 'flag') {
      opts[key] = true;
      continue;
    }
    const value = rest[++i];
    if (value === undefined || value.startsWith('-')) return undefined;
    if (kind === 'list') opts[key] = [...((opts[key] as string[] | undefined) ?? []), value];
    else if (key in opts) return undefined;
    else opts[key] = value;
  }
  return args.length >= spec.operands[0] && args.length <= spec.operands[1] ? { command, args, opts } : undefined;
}
