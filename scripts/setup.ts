/**
 * Makes sure redis-server 7.0+ (or Valkey's equivalent) is on PATH. Runs before every
 * `deno task test|demo|bench`, so the happy path is a single `redis-server --version`.
 * When it is missing it is installed with the platform package manager; the command is printed
 * before it runs. `TT_SETUP_NO_INSTALL=1` turns installing off (tests use it): the script then
 * only prints the command it would have run.
 *
 * Permissions: --allow-read (PATH lookup, /etc/os-release), --allow-run, --allow-env (PATH,
 * TT_SETUP_NO_INSTALL), --allow-sys=uid (are we root?).
 */
import {
  formatRedisVersion,
  isSupportedRedisVersion,
  MIN_REDIS_VERSION,
  parseRedisVersion,
  type RedisVersion,
} from "../src/redis/version.ts";

export type RedisProbe =
  | { kind: "ok"; version: RedisVersion }
  | { kind: "missing" }
  | { kind: "too-old"; found: string };

/** What the plan is built from; gathered from the machine, or given by tests. */
export interface PlatformFacts {
  os: string;
  isRoot: boolean;
  hasTool: (name: string) => boolean;
  /** `ID` and `ID_LIKE` words from /etc/os-release, lowercased. */
  osReleaseIds: string[];
}

export interface InstallPlan {
  /** Commands to run in order (argv arrays). Empty when there is nothing we can run. */
  commands: string[][];
  /** The same commands as one line for people to copy. */
  display: string;
  /** False when the package manager is missing or we lack root and sudo. */
  runnable: boolean;
}

const REQUIRED = `redis-server ${MIN_REDIS_VERSION.major}.${MIN_REDIS_VERSION.minor}+ is required`;

/** Runs `redis-server --version` once and classifies the answer. */
export async function probeRedis(binary = "redis-server"): Promise<RedisProbe> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(binary, {
      args: ["--version"],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (err) {
    // Not found or not executable both mean "not usable"; anything else is a real bug.
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.PermissionDenied) {
      return { kind: "missing" };
    }
    throw err;
  }
  if (!output.success) return { kind: "too-old", found: "unknown (--version failed)" };
  const version = parseRedisVersion(new TextDecoder().decode(output.stdout));
  if (version === undefined) return { kind: "too-old", found: "unknown" };
  if (!isSupportedRedisVersion(version)) {
    return { kind: "too-old", found: formatRedisVersion(version) };
  }
  return { kind: "ok", version };
}

/** Picks the install commands for this platform. Pure, so tests can cover every branch. */
export function planInstall(facts: PlatformFacts): InstallPlan {
  if (facts.os === "darwin") {
    return plan([["brew", "install", "redis"]], facts.hasTool("brew"));
  }
  if (facts.os !== "linux") {
    // No supported package manager; Redis on Windows means WSL.
    return {
      commands: [],
      display: "apt-get install -y redis-server (inside WSL)",
      runnable: false,
    };
  }
  const base = linuxCommands(facts);
  if (facts.isRoot) return plan(base.commands, base.found);
  if (facts.hasTool("sudo")) {
    return plan(base.commands.map((argv) => ["sudo", ...argv]), base.found);
  }
  // Without root or sudo we can only tell the user what to run as root.
  return plan(base.commands, false);
}

function linuxCommands(facts: PlatformFacts): { commands: string[][]; found: boolean } {
  const apt = [["apt-get", "update"], ["apt-get", "install", "-y", "redis-server"]];
  const dnf = [["dnf", "install", "-y", "redis"]];
  if (facts.hasTool("apt-get")) return { commands: apt, found: true };
  if (facts.hasTool("dnf")) return { commands: dnf, found: true };
  // Neither is on PATH: still name the right command for the distribution.
  const redHat = ["fedora", "rhel", "centos", "rocky", "almalinux"];
  const isRedHat = facts.osReleaseIds.some((id) => redHat.includes(id));
  return { commands: isRedHat ? dnf : apt, found: false };
}

function plan(commands: string[][], runnable: boolean): InstallPlan {
  return { commands, display: commands.map((argv) => argv.join(" ")).join(" && "), runnable };
}

/** The line printed when we give up. */
export function requiredMessage(plan: InstallPlan, found?: string): string {
  const foundPart = found === undefined ? "" : ` (found ${found})`;
  return `error: ${REQUIRED}${foundPart}; install it with: ${plan.display}`;
}

/** PATH lookup without spawning anything. */
export function toolOnPath(name: string, path = Deno.env.get("PATH") ?? ""): boolean {
  const windows = Deno.build.os === "windows";
  const separator = windows ? ";" : ":";
  const names = windows ? [`${name}.exe`, `${name}.cmd`, name] : [name];
  for (const dir of path.split(separator)) {
    if (dir === "") continue;
    for (const candidate of names) {
      try {
        if (Deno.statSync(`${dir}/${candidate}`).isFile) return true;
      } catch {
        // Not in this directory.
      }
    }
  }
  return false;
}

function readOsReleaseIds(): string[] {
  let text: string;
  try {
    text = Deno.readTextFileSync("/etc/os-release");
  } catch {
    return [];
  }
  const ids: string[] = [];
  for (const line of text.split("\n")) {
    const match = /^(ID|ID_LIKE)=(.*)$/.exec(line.trim());
    if (match) ids.push(...match[2].replace(/["']/g, "").toLowerCase().split(/\s+/));
  }
  return ids.filter((id) => id !== "");
}

/**
 * Whether we run as root. Deno refuses /proc/self/status to anything short of --allow-all, so
 * the uid comes from Deno.uid() (the task grants --allow-sys=uid); run with fewer permissions,
 * `id -u` (--allow-run) answers instead.
 */
function runningAsRoot(): boolean {
  if (Deno.build.os === "windows") return false;
  try {
    return Deno.uid() === 0;
  } catch {
    // No sys permission: ask id(1).
  }
  try {
    const out = new Deno.Command("id", { args: ["-u"], stdin: "null", stderr: "null" })
      .outputSync();
    return out.success && new TextDecoder().decode(out.stdout).trim() === "0";
  } catch {
    return false;
  }
}

function gatherFacts(): PlatformFacts {
  return {
    os: Deno.build.os,
    isRoot: runningAsRoot(),
    hasTool: (name) => toolOnPath(name),
    osReleaseIds: Deno.build.os === "linux" ? readOsReleaseIds() : [],
  };
}

function installDisabled(): boolean {
  const value = (Deno.env.get("TT_SETUP_NO_INSTALL") ?? "").trim().toLowerCase();
  return value === "1" || value === "true" || value === "yes";
}

async function runInstall(plan: InstallPlan): Promise<boolean> {
  // apt-get must not stop to ask questions (e.g. debconf) when nobody is at the terminal.
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  for (const [program, ...args] of plan.commands) {
    console.log(`$ ${[program, ...args].join(" ")}`);
    try {
      const status = await new Deno.Command(program, { args, env, stdin: "inherit" }).spawn()
        .status;
      if (!status.success) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** Returns the exit code; prints at most one line of its own on failure. */
export async function setup(): Promise<number> {
  const probe = await probeRedis();
  if (probe.kind === "ok") return 0;

  const installPlan = planInstall(gatherFacts());
  if (probe.kind === "too-old") {
    // The package manager would most likely reinstall the same old version, so we stop here.
    console.error(requiredMessage(installPlan, probe.found));
    return 1;
  }
  if (installDisabled() || !installPlan.runnable) {
    console.error(requiredMessage(installPlan));
    return 1;
  }
  if (!await runInstall(installPlan)) {
    console.error(requiredMessage(installPlan));
    return 1;
  }
  const after = await probeRedis();
  if (after.kind !== "ok") {
    const found = after.kind === "too-old" ? after.found : undefined;
    console.error(requiredMessage(installPlan, found));
    return 1;
  }
  console.log(`installed ${after.version.flavor} ${formatRedisVersion(after.version)}`);
  return 0;
}

if (import.meta.main) {
  Deno.exit(await setup());
}
