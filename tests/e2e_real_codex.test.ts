/**
 * The real Codex CLI (npm @openai/codex) runs rounds through `tt spawn` and `tt assign` with
 * the `codex` preset, against the scripted model server speaking OpenAI's Responses API on
 * 127.0.0.1, set up as a custom model provider in `$CODEX_HOME/config.toml` (`CODEX_HOME` in
 * `[agent_clis.codex.env]`). The scripted model calls Codex's own shell tool (`exec_command`)
 * to run the prompt's `tt task complete <id>`; a second test answers with an API error.
 * The shared test bodies: tests/fixtures/real_cli_rounds.ts; the set-up: real_clis.ts.
 */
import { realCliRoundTests } from "./fixtures/real_cli_rounds.ts";

realCliRoundTests("codex");
