/**
 * GitHub's standalone agent CLI `copilot` (npm @github/copilot) runs rounds through
 * `tt spawn` and `tt assign` with the `copilot` preset, against a scripted OpenAI-compatible
 * chat-completions API on 127.0.0.1: its "bring your own key" provider variables with
 * `COPILOT_OFFLINE=true`, so no GitHub login is needed and nothing goes to GitHub. The scripted
 * model calls copilot's own `bash` tool with the prompt's `tt task complete <id>`; a second
 * test answers with an API error.
 * The shared test bodies: tests/fixtures/real_cli_rounds.ts; the set-up: real_clis.ts.
 */
import { realCliRoundTests } from "./fixtures/real_cli_rounds.ts";

realCliRoundTests("copilot");
