#!/usr/bin/env -S deno run --allow-read --allow-write --allow-net --allow-run --allow-env --allow-sys
/** tt: entry point. Only wires the CLI; everything else lives in src/ (src/cli/main.ts). */
import { main } from "./src/cli/main.ts";

Deno.exit(await main(Deno.args));
