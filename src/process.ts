/** Small process helpers shared by the server manager and the agent code. */

/** Whether a process exists. Linux reads /proc (no signal sent); elsewhere SIGCONT probes. */
export function isAlive(pid: number): boolean {
  if (Deno.build.os === "linux") {
    try {
      const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
      // A zombie has exited; only its parent has not collected it yet.
      return !/^\d+ \(.*\) Z/.test(stat);
    } catch {
      return false;
    }
  }
  try {
    Deno.kill(pid, "SIGCONT");
    return true;
  } catch {
    return false;
  }
}

/** Sends a signal, ignoring a process that is already gone. */
export function signalProcess(pid: number, sig: Deno.Signal): boolean {
  try {
    Deno.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}
