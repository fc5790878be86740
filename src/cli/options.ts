/** Flags every command group shares (`--json`), and the shared value parsers. */
import { Option } from "commander";
import { jsonHelp } from "./values.ts";

export { checked, portNumber, seconds, wholeNumber } from "./values.ts";

/**
 * `--json`: the command prints one JSON document (`print <what> as JSON`) instead of lines
 * for people; `description` replaces the whole help text where it means something else.
 */
export function jsonOption(what = "the result", description?: string): Option {
  return new Option("--json", jsonHelp(what, description));
}
