/**
 * A small command-line parser for the commands agents run in every round (`tt send`, `tt task
 * complete`, ...), so they start without commander and the Node built-ins it loads.
 *
 * It follows commander's rules for the command lines it accepts: the program's `-t/--town`
 * and `-v/--verbose` are taken anywhere (also after the command and among its options, as
 * commander's own first pass does); the first option the program does not know starts the
 * command's own options; `--` ends options; a value option takes the next word whatever it is;
 * the last of a repeated option wins. Anything else (help, the version after other words,
 * an unknown option, a missing or extra argument, grouped short flags, conflicting options)
 * returns undefined, and the caller hands the line to commander, which prints the same help
 * and error lines as always.
 */

/** One option, written as commander writes it: `-r, --result <text>`, `--json`. */
export interface FastOption {
  flags: string;
  /** Attribute names this option cannot be used with. */
  conflicts?: readonly string[];
}

/** A command the fast parser knows: its words, arguments and options, and what it runs. */
export interface FastCommand {
  /** Command words: `["send"]`, `["task", "complete"]`. */
  path: readonly string[];
  /** Arguments as commander declares them: `<required>` or `[optional]`. */
  args: readonly string[];
  options: readonly FastOption[];
  run(
    args: (string | undefined)[],
    opts: Record<string, string | true>,
    globals: { town?: string; verbose?: boolean },
  ): Promise<void>;
}

/** A command line the fast parser understood. */
export interface FastLine {
  command: FastCommand;
  args: (string | undefined)[];
  opts: Record<string, string | true>;
  globals: { town?: string; verbose?: boolean };
}

interface OptionShape {
  short?: string;
  long: string;
  /** The attribute name (`--agents-only` -> `agentsOnly`), as commander names it. */
  name: string;
  takesValue: boolean;
  conflicts: readonly string[];
}

/** Short, long, attribute name and whether a value follows, from commander-style flags. */
export function optionShape(option: FastOption): OptionShape {
  const short = /(?:^|[\s,])(-[A-Za-z0-9])(?=[\s,]|$)/.exec(option.flags)?.[1];
  const long = /--[A-Za-z0-9][A-Za-z0-9-]*/.exec(option.flags)?.[0];
  if (long === undefined) throw new Error(`fast option without a long flag: ${option.flags}`);
  const name = long.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  const takesValue = /<[^>]+>/.test(option.flags);
  return { short, long, name, takesValue, conflicts: option.conflicts ?? [] };
}

const HELP_OR_VERSION = new Set(["-h", "--help", "-V", "--version"]);

function maybeOption(arg: string): boolean {
  return arg.length > 1 && arg[0] === "-";
}

function negativeNumber(arg: string): boolean {
  return /^-(\d+|\d*\.\d+)([eE][+-]?\d+)?$/.test(arg);
}

/** Parses `argv` (without the program name) for one of `commands`; undefined: ask commander. */
export function parseFastLine(
  argv: readonly string[],
  commands: readonly FastCommand[],
): FastLine | undefined {
  if (argv.some((arg) => HELP_OR_VERSION.has(arg))) return undefined;
  // Pass 1, the program's: global options anywhere; words up to the first unknown option.
  const globals: { town?: string; verbose?: boolean } = {};
  const operands: string[] = [];
  const unknown: string[] = [];
  let dest = operands;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      if (dest === unknown) dest.push(arg);
      dest.push(...argv.slice(i + 1));
      break;
    }
    if (arg === "-t" || arg === "--town") {
      if (i + 1 >= argv.length) return undefined;
      globals.town = argv[++i];
      continue;
    }
    if (arg === "-v" || arg === "--verbose") {
      globals.verbose = true;
      continue;
    }
    if (arg.startsWith("--town=")) {
      globals.town = arg.slice("--town=".length);
      continue;
    }
    // Grouped short flags (`-vt x`, `-tdir`): rare, and commander's to untangle.
    if (arg.length > 2 && arg[0] === "-" && arg[1] !== "-") return undefined;
    if (dest === operands && maybeOption(arg)) dest = unknown;
    dest.push(arg);
  }
  // The command words; each level above the leaf has no options of its own.
  const command = commands.find((c) => c.path.every((word, k) => operands[k] === word));
  if (command === undefined) return undefined;
  const args = operands.slice(command.path.length);
  // Pass 2, the command's: its options, among the words from the first unknown option on.
  const shapes = command.options.map(optionShape);
  const opts: Record<string, string | true> = {};
  for (let i = 0; i < unknown.length; i++) {
    const arg = unknown[i];
    if (arg === "--") {
      args.push(...unknown.slice(i + 1));
      break;
    }
    let shape = shapes.find((s) => s.long === arg || s.short === arg);
    let value: string | undefined;
    if (shape === undefined && /^--[^=]+=/.test(arg)) {
      const eq = arg.indexOf("=");
      shape = shapes.find((s) => s.long === arg.slice(0, eq) && s.takesValue);
      value = arg.slice(eq + 1);
    }
    if (shape !== undefined) {
      if (shape.takesValue && value === undefined) {
        if (i + 1 >= unknown.length) return undefined;
        value = unknown[++i];
      }
      opts[shape.name] = value ?? true;
      continue;
    }
    if (maybeOption(arg) && !negativeNumber(arg)) return undefined; // unknown option
    args.push(arg);
  }
  const required = command.args.filter((a) => a.startsWith("<")).length;
  if (args.length < required || args.length > command.args.length) return undefined;
  for (const s of shapes) {
    if (opts[s.name] !== undefined && s.conflicts.some((c) => opts[c] !== undefined)) {
      return undefined;
    }
  }
  const padded = command.args.map((_, k) => args[k]);
  return { command, args: padded, opts, globals };
}
