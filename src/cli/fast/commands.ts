/**
 * The commands the fast parser runs, declared as commander declares them in their group
 * (tests/cli_fast.test.ts checks that they match). Each loads only its own group, which does
 * not load commander.
 */
import type { FastCommand } from "./parse.ts";
import { resolveGlobalOptions } from "../globals.ts";
import { lazyImport } from "../../lazy.ts";

const messages = () => lazyImport<typeof import("../messages.ts")>("src/cli/messages.ts");
const tasks = () => lazyImport<typeof import("../tasks.ts")>("src/cli/tasks.ts");
const status = () => lazyImport<typeof import("../status.ts")>("src/cli/status.ts");
const townStart = () => lazyImport<typeof import("../town_start.ts")>("src/cli/town_start.ts");

const json = { flags: "--json" };

export const FAST_COMMANDS: readonly FastCommand[] = [
  {
    path: ["send"],
    args: ["<to>", "<message>"],
    options: [
      { flags: "--query", conflicts: ["info", "ack"] },
      { flags: "--info", conflicts: ["query", "ack"] },
      { flags: "--ack", conflicts: ["query", "info"] },
      { flags: "--urgent" },
      { flags: "--from <agent>" },
      json,
    ],
    run: async ([to, message], opts, g) =>
      (await messages()).sendAction(
        to as string,
        message as string,
        opts,
        resolveGlobalOptions(g),
      ),
  },
  {
    path: ["inbox"],
    args: ["[agent]"],
    options: [{ flags: "-a, --all" }, { flags: "--dead" }, json],
    run: async ([agent], opts, g) =>
      (await messages()).inboxAction(agent, opts, resolveGlobalOptions(g)),
  },
  {
    path: ["assign"],
    args: ["<agent>", "<task>"],
    options: [json],
    run: async ([agent, task], opts, g) =>
      (await tasks()).assignAction(
        agent as string,
        task as string,
        opts,
        resolveGlobalOptions(g),
      ),
  },
  {
    path: ["task", "complete"],
    args: ["<task>"],
    options: [{ flags: "-r, --result <text>" }, json],
    run: async ([ref], opts, g) =>
      (await tasks()).taskCompleteAction(
        ref as string,
        opts as { result?: string },
        resolveGlobalOptions(g),
      ),
  },
  {
    path: ["task", "fail"],
    args: ["<task>"],
    options: [{ flags: "-r, --reason <text>" }, json],
    run: async ([ref], opts, g) =>
      (await tasks()).taskFailAction(
        ref as string,
        opts as { reason?: string },
        resolveGlobalOptions(g),
      ),
  },
  {
    path: ["task", "current"],
    args: ["[agent]"],
    options: [json],
    run: async ([agent], opts, g) =>
      (await tasks()).taskCurrentAction(agent, opts, resolveGlobalOptions(g)),
  },
  {
    path: ["status"],
    args: [],
    options: [{ flags: "--deep" }, { flags: "--tasks" }, json],
    run: async (_args, opts, g) => (await status()).statusAction(opts, resolveGlobalOptions(g)),
  },
  {
    path: ["start"],
    args: [],
    options: [json],
    run: async (_args, opts, g) => (await townStart()).startAction(opts, resolveGlobalOptions(g)),
  },
];
