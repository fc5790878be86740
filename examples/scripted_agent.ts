/**
 * A scripted stand-in for an AI agent CLI such as `claude --print`: it reads the round's prompt
 * on stdin and acts only through the `tt` on its PATH, exactly as a real agent would. The agent
 * loop runs it once per round with TINYTOWN_AGENT_ID / TINYTOWN_AGENT_NAME set and a `tt` shim
 * first on PATH, so every `tt send` it makes carries this agent as the sender.
 *
 * What it does with the actionable messages of a round:
 * - a task assignment (`Task ID: <uuid>` line): "works" on it, marks it done with
 *   `tt task complete <id> --result ...`, then asks the reviewer for a review with
 *   `tt send <reviewer> "Please review task <id>: <description>"` (unless it is the reviewer);
 * - a review request ("Please review task <id>: ..."): approves it with
 *   `tt send <requester> --ack "approved: ..."` and tells the conductor with `--info`;
 * - a question (`question: ...`): answers the sender with `--info`;
 * - any other task text: does it and reports back to the sender with `--info`.
 *
 * Usage (as `[agent_clis.scripted] command` in tinytown.toml):
 *   deno run --allow-all examples/scripted_agent.ts [--reviewer NAME] [--work-ms N]
 * It exits 1 when one of its `tt` commands failed, so the loop puts the round's work back.
 */

/** One numbered entry of the prompt's "Actionable Messages" section. */
export interface ActionableEntry {
  urgent: boolean;
  /** Sender as the prompt shows it: `conductor`, `name (uuid)` or a raw uuid. */
  sender: string;
  /** For task assignments. */
  taskId?: string;
  /** Task description (assignments) or the message text (everything else). */
  text: string;
}

const ENTRY = /^\d+\. \[(URGENT|normal)\](?: \([^)]*\))? (.*)$/;
const UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
const REVIEW_REQUEST = new RegExp(`^Please review task (${UUID})`, "i");

/** Reads the "## Actionable Messages" section of a prompt into entries, in prompt order. */
export function parseActionable(prompt: string): ActionableEntry[] {
  const lines = prompt.split("\n");
  const start = lines.findIndex((l) => l.startsWith("## Actionable Messages"));
  if (start < 0) return [];
  const entries: ActionableEntry[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith("## ")) break;
    const head = ENTRY.exec(line);
    const current = entries[entries.length - 1];
    if (head) {
      const [, priority, rest] = head;
      const assignment = /^task assignment from (.*)$/.exec(rest);
      const other = /^from (.+?): (.*)$/.exec(rest);
      entries.push({
        urgent: priority === "URGENT",
        sender: assignment?.[1] ?? other?.[1] ?? "conductor",
        text: assignment ? "" : other?.[2] ?? rest,
      });
    } else if (current) {
      const detail = /^\s+(Task ID|Description): (.*)$/.exec(line);
      if (detail?.[1] === "Task ID") current.taskId = detail[2].trim();
      if (detail?.[1] === "Description") current.text = detail[2].trim();
    }
  }
  return entries;
}

/** The name to reply to: `backend (uuid)` -> `backend`; a raw uuid is usable as it is. */
export function replyAddress(sender: string): string {
  return sender.replace(/ \(.*\)$/, "");
}

function option(name: string, fallback: string): string {
  const i = Deno.args.indexOf(name);
  return i >= 0 && i + 1 < Deno.args.length ? Deno.args[i + 1] : fallback;
}

/** Runs `tt` (the shim the agent loop put on PATH); returns whether it succeeded. */
async function tt(...args: string[]): Promise<boolean> {
  console.log(`$ tt ${args.map((a) => (/^[\w:./-]+$/.test(a) ? a : JSON.stringify(a))).join(" ")}`);
  const out = await new Deno.Command("tt", { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.success ? out.stdout : out.stderr).trim();
  if (text) console.log(text.split("\n").map((l) => `  ${l}`).join("\n"));
  return out.success;
}

async function handle(entry: ActionableEntry, me: string, reviewer: string, workMs: number) {
  const from = replyAddress(entry.sender);
  if (entry.taskId) {
    console.log(`Working on task ${entry.taskId}: ${entry.text}`);
    await new Promise((r) => setTimeout(r, workMs)); // stands in for real work
    const done = await tt("task", "complete", entry.taskId, "--result", `done by ${me}`);
    if (!done || me === reviewer) return done;
    return await tt("send", reviewer, `Please review task ${entry.taskId}: ${entry.text}`);
  }
  const review = REVIEW_REQUEST.exec(entry.text);
  if (review) {
    const taskId = review[1];
    return await tt("send", from, "--ack", `approved: task ${taskId} looks good`) &&
      await tt("send", "conductor", "--info", `${me} approved task ${taskId} (work by ${from})`);
  }
  if (entry.text.startsWith("question: ")) {
    return await tt("send", from, "--info", `${me} answers: ${entry.text.slice(10)} -> yes`);
  }
  return await tt("send", from, "--info", `${me} did: ${entry.text}`);
}

async function main(): Promise<number> {
  const prompt = await new Response(Deno.stdin.readable).text();
  const me = Deno.env.get("TINYTOWN_AGENT_NAME") ?? "agent";
  const reviewer = option("--reviewer", "reviewer");
  const workMs = Number(option("--work-ms", "300"));
  const entries = parseActionable(prompt);
  console.log(`${me}: ${entries.length} actionable message(s)`);
  let ok = true;
  for (const entry of entries) ok = (await handle(entry, me, reviewer, workMs)) && ok;
  return ok ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main());
