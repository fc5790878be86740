/**
 * How a managed redis-server is configured: its command line, and the private config file
 * (read first) that holds what must not be on a command line, which every local user can read
 * in /proc.
 */
import type { ManagedServer } from "./server.ts";
import type { Endpoint } from "./url.ts";

/** How to reach a managed server (the address it listens on). */
export function serverEndpoint(server: ManagedServer): Endpoint {
  if (server.socketPath) return { kind: "unix", path: server.socketPath };
  const tcp = server.tcp!;
  const hostname = tcp.bind === "0.0.0.0" ? "127.0.0.1" : tcp.bind;
  return tcp.tls
    ? { kind: "tls", hostname, port: tcp.port }
    : { kind: "tcp", hostname, port: tcp.port };
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}

/** The file that gives redis-server what must not be on its command line (the password). */
export function serverConfigFile(server: ManagedServer): string {
  return `${server.dir}/redis.conf`;
}

/**
 * The redis-server command line for a town (argv only, never a shell string), after the
 * config file that holds the password: no secret goes on a command line, which every local
 * user can read in /proc.
 */
export function serverArgs(server: ManagedServer): string[] {
  const args = [
    "--daemonize",
    "yes",
    "--pidfile",
    server.pidFile,
    "--dir",
    server.dir,
    "--logfile",
    server.logFile,
    "--loglevel",
    "notice",
    "--dbfilename",
    "dump.rdb",
    // RDB snapshots: after 1 h with 1 change, 5 min with 100, 1 min with 10000 (Redis defaults).
    "--save",
    "3600 1 300 100 60 10000",
  ];
  // The file name cannot change at run time, so it is set even while AOF is off.
  args.push("--appendonly", server.appendOnly ? "yes" : "no", "--appendfsync", "everysec");
  args.push("--appendfilename", server.aofName);
  if (server.socketPath) {
    args.push("--unixsocket", server.socketPath, "--unixsocketperm", "700", "--port", "0");
  } else {
    const tcp = server.tcp!;
    if (tcp.tls) {
      args.push("--port", "0", "--tls-port", String(tcp.port));
      if (tcp.tls.cert) args.push("--tls-cert-file", tcp.tls.cert);
      if (tcp.tls.key) args.push("--tls-key-file", tcp.tls.key);
      if (tcp.tls.ca) args.push("--tls-ca-cert-file", tcp.tls.ca);
    } else {
      args.push("--port", String(tcp.port));
    }
    args.push("--bind", tcp.bind);
  }
  return args;
}

/**
 * The config file's text: the password, quoted so that redis-server reads it back exactly
 * (every byte outside printable ASCII, and `"` and `\`, escaped).
 */
export function serverConfigText(server: ManagedServer): string {
  const lines = ["# Written by tt each time it starts this server; keep it private."];
  if (server.password !== undefined) lines.push(`requirepass ${quoteConfigValue(server.password)}`);
  return lines.join("\n") + "\n";
}

function quoteConfigValue(value: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(value)) {
    if (byte === 0x22 || byte === 0x5c) out += `\\${String.fromCharCode(byte)}`;
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += `\\x${byte.toString(16).padStart(2, "0")}`;
  }
  return `"${out}"`;
}
