#!/usr/bin/env -S deno run --allow-read --allow-write --allow-net --allow-run --allow-env --allow-sys
/** tt: entry point. Only wires the CLI; everything else lives in src/. */
import { runCli } from "./src/cli/app.ts";

Deno.exit(await runCli(Deno.args));
