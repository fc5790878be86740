/**
 * The real Claude Code CLI (npm @anthropic-ai/claude-code) runs rounds through `tt spawn` and
 * `tt assign` with the `claude` preset as it is, against the scripted model server speaking the
 * Anthropic Messages API on 127.0.0.1 (`ANTHROPIC_BASE_URL`, a dummy `ANTHROPIC_API_KEY` and
 * `IS_SANDBOX=1` in `[agent_clis.claude.env]`). The scripted model calls Claude Code's own Bash
 * tool to run the prompt's `tt task complete <id>`; a second test answers with an API error.
 * The shared test bodies: tests/fixtures/real_cli_rounds.ts; the set-up: real_clis.ts.
 */
import { realCliRoundTests } from "./fixtures/real_cli_rounds.ts";

realCliRoundTests("claude");
