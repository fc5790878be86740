/**
 * Runs a common command without commander when its command line is plain (see parse.ts):
 * agents call these in every round, and commander with the Node built-ins it loads costs more
 * start-up time than the command's own work. Anything else is left to the full parser.
 */
import { VERSION } from "../../version.ts";
import { reportFailure } from "../failure.ts";
import { type OutputSink, processSink, runWithSink, writeOut } from "../output.ts";
import { FAST_COMMANDS } from "./commands.ts";
import { parseFastLine } from "./parse.ts";

/** The exit code of the command, or undefined when the full parser must run `argv`. */
export async function runFast(
  argv: readonly string[],
  sink: OutputSink = processSink,
): Promise<number | undefined> {
  if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
    return (await runWithSink(sink, () => Promise.resolve(writeOut(`tt ${VERSION}\n`)))).exitCode;
  }
  const line = parseFastLine(argv, FAST_COMMANDS);
  if (line === undefined) return undefined;
  const { value, exitCode } = await runWithSink(sink, async () => {
    try {
      await line.command.run(line.args, line.opts, line.globals);
      return undefined;
    } catch (err) {
      return reportFailure(err, argv.includes("-v") || argv.includes("--verbose"));
    }
  });
  return value ?? exitCode;
}
