/** Messaging commands: send, inbox. Parsing and printing only; the work is in src/service/. */
import { type Command, Option } from "commander";
import { UsageError } from "../errors.ts";
import { stateDisplayName } from "../model/agent.ts";
import { parseId, SUPERVISOR_ID } from "../model/ids.ts";
import { jsonTime } from "../model/time.ts";
import { processEnv } from "../town/env.ts";
import {
  actionableCount,
  type CategoryCounts,
  type DeadLetterView,
  type MailboxView,
  readAllInboxes,
  readDeadLetters,
  readInbox,
} from "../service/message_inbox.ts";
import {
  checkMessageSize,
  MAX_MESSAGE_BYTES,
  type SendKind,
  sendMessage,
} from "../service/message_send.ts";
import { withTown } from "./context.ts";
import { report, say } from "./output.ts";

export function registerMessagesCommands(program: Command): void {
  program
    .command("send")
    .description("send a message to an agent or to the conductor (normal priority)")
    .argument("<to>", "agent name, nickname, label, short id or UUID, or 'conductor'")
    .argument("<message>", "message text; '-' reads it from stdin")
    .addOption(
      new Option("--query", "send a question (query)").conflicts(["info", "ack"]),
    )
    .addOption(
      new Option("--info", "send information that needs no action").conflicts(["query", "ack"]),
    )
    .addOption(
      new Option("--ack", "send a confirmation (received, approved, thanks, rejected: why...)")
        .conflicts(["query", "info"]),
    )
    .option("--urgent", "deliver to the urgent list, read before the inbox")
    .option("--from <agent>", "sender (default: $TINYTOWN_AGENT_ID, else the conductor)")
    .option("--json", "print the result as JSON")
    .action(async (to: string, message: string, opts: SendOptions, cmd: Command) => {
      const text = message === "-" ? await readStdinText() : message;
      const kind: SendKind = opts.query ? "query" : opts.info ? "info" : opts.ack ? "ack" : "task";
      await withTown(cmd, async (_town, store) => {
        const r = await sendMessage(store, {
          to,
          text,
          kind,
          urgent: opts.urgent,
          from: opts.from,
        }, processEnv);
        const data = {
          message_id: r.messageId,
          type: r.type,
          to: r.toId,
          to_label: r.toLabel,
          from: r.from,
          urgent: r.urgent,
          priority: "normal",
          bytes: r.bytes,
        };
        const stopped = r.toState === "stopped" || r.toState === "error" || r.toState === "cold";
        report(opts.json, data, () => [
          `Sent ${r.urgent ? "URGENT " : ""}${r.type} message to '${to}'` +
          (r.from === SUPERVISOR_ID ? "" : ` (from ${r.from})`),
          ...(stopped && r.toState
            ? [
              `note: ${r.toLabel} is ${stateDisplayName(r.toState)}; the message waits until ` +
              "it runs again",
            ]
            : []),
        ]);
      });
    });

  program
    .command("inbox")
    .description("show pending messages (read-only): one mailbox, every mailbox, or dead letters")
    .argument("[agent]", "agent reference or 'conductor' (default: $TINYTOWN_AGENT_ID)")
    .option("-a, --all", "every agent's mailbox and the conductor's")
    .option("--dead", "messages that could not be read or delivered (dead letters)")
    .option("--json", "print the result as JSON")
    .action(async (agent: string | undefined, opts: InboxOptions, cmd: Command) => {
      const envAgent = parseId(processEnv.get("TINYTOWN_AGENT_ID")?.trim() ?? "");
      const ref = agent ?? envAgent;
      if (!opts.all && !opts.dead && ref === undefined) {
        // Scripts asking for JSON must not get usage text on stdout with exit 0.
        if (opts.json) throw new UsageError("tt inbox needs an agent, --all or --dead");
        return say(
          "Usage: tt inbox <agent>   pending messages of one agent ('conductor' for its mailbox)",
          "       tt inbox --all     pending messages of every agent and the conductor",
          "       tt inbox --dead    messages that could not be read or delivered",
        );
      }
      await withTown(cmd, async (_town, store) => {
        if (opts.dead) {
          const letters = await readDeadLetters(store, agent);
          return report(opts.json, letters.map(deadJson), () => deadLines(letters));
        }
        if (opts.all) {
          const views = await readAllInboxes(store);
          return report(opts.json, views.map(mailboxJson), () => allLines(views));
        }
        const view = await readInbox(store, ref as string);
        report(opts.json, mailboxJson(view), () => inboxLines(ref as string, view));
      }, { readOnly: true });
    });
}

interface SendOptions {
  query?: boolean;
  info?: boolean;
  ack?: boolean;
  urgent?: boolean;
  from?: string;
  json?: boolean;
}

interface InboxOptions {
  all?: boolean;
  dead?: boolean;
  json?: boolean;
}

/**
 * Reads a message from stdin (one trailing newline dropped, as `echo` adds one), refusing
 * more than MAX_MESSAGE_BYTES without reading the rest.
 */
async function readStdinText(): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of Deno.stdin.readable) {
    chunks.push(chunk);
    size += chunk.length;
    if (size > MAX_MESSAGE_BYTES) break; // leaving the loop cancels the stream
  }
  checkMessageSize(size);
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return new TextDecoder().decode(all).replace(/\r?\n$/, "");
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function countsLine(c: CategoryCounts): string {
  return `[T] ${plural(c.tasks, "task", "tasks")}  [Q] ${
    plural(c.queries, "query", "queries")
  }  [I] ${c.informational} info  [C] ${plural(c.confirmations, "ack", "acks")}`;
}

/** tt's extras: urgent and in-flight messages, and unreadable entries, when there are any. */
function extrasLine(v: MailboxView): string[] {
  const parts = [
    v.urgent ? `${v.urgent} urgent` : "",
    v.inflight ? `${v.inflight} in flight` : "",
    v.unreadable ? `${v.unreadable} unreadable` : "",
  ].filter(Boolean);
  return parts.length ? [`  also: ${parts.join(", ")}`] : [];
}

function heading(v: MailboxView): string {
  return v.id === SUPERVISOR_ID
    ? "supervisor/conductor (well-known mailbox)"
    : `${v.label} (${v.state ? stateDisplayName(v.state) : "?"})`;
}

function inboxLines(ref: string, v: MailboxView): string[] {
  const where = v.id === SUPERVISOR_ID ? " (conductor's well-known mailbox)" : ` (${v.label})`;
  const lines = [`Inbox for '${ref}'${where}: ${plural(v.total, "message", "messages")}`];
  if (v.total > 0) lines.push(`  ${countsLine(v.counts)}`);
  lines.push(...extrasLine(v));
  for (const p of v.previews) lines.push(`  ${p.text}`);
  if (v.total > v.previews.length) lines.push(`  …plus ${v.total - v.previews.length} more`);
  return lines;
}

function allLines(views: MailboxView[]): string[] {
  if (views.length === 0) return ["No pending messages in any inbox."];
  const lines = ["Pending messages:"];
  let actionable = 0;
  for (const v of views) {
    actionable += actionableCount(v.counts);
    lines.push("", `${heading(v)}`, `  ${countsLine(v.counts)}`, ...extrasLine(v));
    for (const p of v.previews) lines.push(`  • ${p.text}`);
    const more = v.total - v.previews.length;
    if (more > 0) lines.push(`  …plus ${plural(more, "more message", "more messages")}`);
  }
  lines.push("", `Total: ${plural(actionable, "actionable message", "actionable messages")}`);
  return lines;
}

function deadLines(letters: DeadLetterView[]): string[] {
  if (letters.length === 0) return ["No dead letters."];
  return [
    `Dead letters (${letters.length}, newest first):`,
    ...letters.flatMap((d) => [
      `  ${d.at || "?"} ${d.label}: ${d.reason}`,
      `    ${d.preview}`,
    ]),
  ];
}

function mailboxJson(v: MailboxView) {
  return {
    id: v.id,
    label: v.label,
    state: v.state ?? null,
    total: v.total,
    sampled: v.sampled,
    counts: v.counts,
    urgent: v.urgent,
    inflight: v.inflight,
    unreadable: v.unreadable,
    previews: v.previews.map((p) => ({
      id: p.id,
      type: p.type,
      category: p.category,
      from: p.from,
      priority: p.priority,
      created_at: jsonTime(p.createdAt),
      text: p.text,
    })),
  };
}

function deadJson(d: DeadLetterView) {
  return { agent_id: d.agentId, label: d.label, reason: d.reason, at: d.at, preview: d.preview };
}
