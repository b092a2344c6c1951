/**
 * A start-up fast path for the commands people run most (`verify`, `prove`,
 * `hash`): loading commander and building the program costs about 6 ms of
 * the ~30 ms notar adds to `node -e ''` (issue 11, measured). Only plain
 * command lines are taken here, the ones whose meaning is obvious: the
 * command first, known options written out (`--key K`), the operands the
 * command takes. Anything else (help, `--opt=value`, a value that starts with
 * '-', a repeated single option, `--`, an unknown option, too few or too many
 * operands) returns undefined and goes through commander, so every message
 * and edge case stays commander's. The result is what commander's
 * optsWithGlobals() gives for the same line (the CLI tests compare them).
 *
 * The options are not listed here: main.ts's declarations are replayed into
 * a Recorder (the few commander methods they use, recording instead of
 * building), so a command or an option is declared in one place only.
 */

/** The commands taken here when the line is plain. */
const FAST = new Set(['verify', 'prove', 'hash']);

type Kind = 'flag' | 'value' | 'list';

/** A command module: does its work and returns the exit code. */
export type Runner = (args: string[], opts: Record<string, unknown>) => Promise<number>;
export type Loader = () => Promise<{ run: Runner }>;

/** The part of commander's Command that main.ts declares with (commander's Command has it all). */
export interface Declarer {
  command(nameAndArgs: string): Declarer;
  description(text: string): Declarer;
  option(flags: string, description: string, parse?: (value: string, previous: string[]) => string[]): Declarer;
  requiredOption(flags: string, description: string): Declarer;
  addHelpText(position: 'after', text: string): Declarer;
  action(fn: ((...args: never[]) => unknown) & { load?: Loader }): Declarer;
}

/** One command as main.ts declares it, without commander. */
class Recorder implements Declarer {
  readonly options = new Map<string, { key: string; kind: Kind }>();
  readonly commands = new Map<string, Recorder>();
  /** Fewest and most operands ([file], <files...>). */
  readonly operands: [number, number] = [0, 0];
  /** Something only commander does right (a required option, --no-x, [optional] values). */
  plain = true;
  load?: Loader;

  /** `only`: the one command whose declaration is recorded (the others cost ~1 ms to record, for nothing). */
  constructor(
    usage = '',
    private readonly only?: string,
  ) {
    for (const arg of usage.split(' ').slice(1)) {
      if (arg.startsWith('<')) this.operands[0]++;
      this.operands[1] = arg.endsWith('...>') || arg.endsWith('...]') ? Infinity : this.operands[1] + 1;
    }
  }

  command(usage: string): Declarer {
    const name = usage.split(' ')[0];
    if (this.only !== undefined && name !== this.only) return IGNORED;
    const sub = new Recorder(usage);
    this.commands.set(name, sub);
    return sub;
  }

  option(flags: string, _description: string, parse?: unknown): Recorder {
    const names = flags.split(/[ ,|]+/).filter((f) => f.startsWith('-'));
    const long = names.find((f) => f.startsWith('--')) ?? names[0];
    const takes = flags.includes('<');
    if (long.startsWith('--no-') || flags.includes('[')) this.plain = false;
    const entry = { key: camel(long), kind: (parse ? 'list' : takes ? 'value' : 'flag') as Kind };
    for (const name of names) this.options.set(name, entry);
    return this;
  }

  requiredOption(flags: string, description: string): Recorder {
    this.plain = false;
    return this.option(flags, description);
  }

  action(fn: { load?: Loader }): Recorder {
    this.load = fn.load;
    return this;
  }

  description(): Recorder {
    return this;
  }

  addHelpText(): Recorder {
    return this;
  }
}

/** A declaration nobody asked for: every call is accepted and forgotten. */
const IGNORED: Declarer = {
  command: () => IGNORED,
  description: () => IGNORED,
  option: () => IGNORED,
  requiredOption: () => IGNORED,
  addHelpText: () => IGNORED,
  action: () => IGNORED,
};

/** `--key-file` → `keyFile`, as commander names option values. */
function camel(flag: string): string {
  return flag.replace(/^--?/, '').replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

export interface FastCommand {
  readonly command: string;
  readonly args: string[];
  readonly opts: Record<string, unknown>;
  readonly load: Loader;
}

/**
 * `argv`: process.argv without node and the script; `declare`: main.ts's
 * declarations, replayed into a Recorder.
 */
export function fastCommand(argv: readonly string[], declare: (program: Declarer) => void): FastCommand | undefined {
  const [command, ...rest] = argv;
  if (!FAST.has(command)) return undefined;
  const program = new Recorder('', command);
  declare(program);
  const spec = program.commands.get(command);
  if (!spec?.load || !spec.plain) return undefined;
  const parsed = parse(rest, new Map([...program.options, ...spec.options]));
  if (!parsed || parsed.args.length < spec.operands[0] || parsed.args.length > spec.operands[1]) return undefined;
  return { command, ...parsed, load: spec.load };
}

function parse(
  rest: readonly string[],
  options: Recorder['options'],
): { args: string[]; opts: Record<string, unknown> } | undefined {
  const opts: Record<string, unknown> = {};
  const args: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i];
    if (!token.startsWith('-') || token === '-') {
      args.push(token);
      continue;
    }
    const option = options.get(token);
    if (option === undefined) return undefined;
    const { key, kind } = option;
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
  return { args, opts };
}
