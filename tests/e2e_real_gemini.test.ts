/**
 * The real `gemini` CLI (npm @google/gemini-cli) runs rounds through `tt spawn` and
 * `tt assign` with the `gemini` preset (`--yolo --skip-trust`), against a scripted Gemini API
 * on 127.0.0.1 (`GOOGLE_GEMINI_BASE_URL` + `GEMINI_API_KEY`, and the API-key auth type in its
 * settings.json). The scripted model calls gemini's own `run_shell_command` tool with the
 * prompt's `tt task complete <id>`; a second test answers with an API error.
 * The shared test bodies: tests/fixtures/real_cli_rounds.ts; the set-up: real_clis.ts.
 */
import { realCliRoundTests } from "./fixtures/real_cli_rounds.ts";

realCliRoundTests("gemini");
