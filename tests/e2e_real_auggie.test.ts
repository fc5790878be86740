/**
 * The real `auggie` CLI (npm @augmentcode/auggie) runs rounds through `tt spawn` and
 * `tt assign` with the `auggie` preset (prompt by `--instruction-file`), against a scripted
 * Augment API on 127.0.0.1 (`AUGMENT_SESSION_AUTH`, whose `tenantURL` is the API). The scripted
 * model calls auggie's own `launch-process` tool with the prompt's `tt task complete <id>`; a
 * second test answers with an API error.
 * The shared test bodies: tests/fixtures/real_cli_rounds.ts; the set-up: real_clis.ts.
 */
import { realCliRoundTests } from "./fixtures/real_cli_rounds.ts";

realCliRoundTests("auggie");
