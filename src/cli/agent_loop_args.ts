/** Recognises the exact command line `tt spawn` uses to start a loop (see agent/launch.ts). */
export interface AgentLoopArgs {
  town: string;
  name: string;
  id: string;
  maxRounds: number;
}

/** `--town <root> agent-loop <name> <id> <max_rounds>`, or undefined for anything else. */
export function agentLoopArgs(argv: readonly string[]): AgentLoopArgs | undefined {
  if (argv.length !== 6 || argv[0] !== "--town" || argv[2] !== "agent-loop") return undefined;
  const [, town, , name, id, rounds] = argv;
  if (!/^\d+$/.test(rounds)) return undefined;
  return { town, name, id, maxRounds: Number(rounds) };
}

/** `--town <root> agent-host <key> <name> <id> <max_rounds>` (see agent/host_launch.ts). */
export function agentHostArgs(
  argv: readonly string[],
): AgentLoopArgs & { key: string } | undefined {
  if (argv.length !== 7 || argv[2] !== "agent-host") return undefined;
  const loop = agentLoopArgs([argv[0], argv[1], "agent-loop", argv[4], argv[5], argv[6]]);
  return loop && /^[0-9a-f]{16}$/.test(argv[3]) ? { ...loop, key: argv[3] } : undefined;
}
