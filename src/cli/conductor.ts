/** `tt conductor`: start the conductor's AI CLI with a briefing on the town. */
import type { Command } from "commander";
import { prepareConductor, runConductor } from "../agent/conductor.ts";
import { withTown } from "./context.ts";
import { report, say, writeOut } from "./output.ts";

export function registerConductorCommands(program: Command): void {
  program
    .command("conductor")
    .description("start the conductor: your AI CLI, briefed on the town, in this terminal")
    .option("-c, --cli <cli>", "CLI to use (default: conductor_cli, else default_cli)")
    .option("--print-context", "print the briefing and exit instead of starting the CLI")
    .option("--json", "with --print-context: print the launch details as JSON")
    .action(
      async (opts: { cli?: string; printContext?: boolean; json?: boolean }, cmd: Command) => {
        await withTown(cmd, async (town, store) => {
          const launch = await prepareConductor(town, store, opts.cli);
          if (opts.printContext) {
            if (opts.json) {
              return report(true, {
                cli: launch.cli,
                context_file: launch.contextFile,
                program: launch.program,
                args: launch.args,
                workdir: launch.cwd,
                context: launch.context,
              }, () => []);
            }
            return writeOut(launch.context);
          }
          say(`Conductor: ${launch.cli} (briefing in ${launch.contextFile})`);
          const code = await runConductor(town, launch);
          if (code !== 0) Deno.exitCode = code;
        });
      },
    );
}
