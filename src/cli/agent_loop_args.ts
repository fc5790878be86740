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
