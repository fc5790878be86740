/** How commands print: human lines on stdout, or one JSON document with `--json`. */
const encoder = new TextEncoder();

export function writeOut(text: string): void {
  writeAll(Deno.stdout, text);
}

export function writeErr(text: string): void {
  writeAll(Deno.stderr, text);
}

function writeAll(stream: { writeSync(p: Uint8Array): number }, text: string): void {
  const bytes = encoder.encode(text);
  let offset = 0;
  while (offset < bytes.length) offset += stream.writeSync(bytes.subarray(offset));
}

/**
 * C0/C1 control characters other than tab and newline, as U+FFFD. Human output shows text
 * that agents wrote (messages, tasks, logs); raw escape sequences in it could rewrite the
 * user's terminal. JSON output escapes them itself.
 */
// deno-lint-ignore no-control-regex -- matching control characters is the point
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

export function printable(text: string): string {
  return text.replace(CONTROL, "\uFFFD");
}

/** Prints lines (each ends with a newline). */
export function say(...lines: string[]): void {
  if (lines.length) writeOut(printable(lines.join("\n")) + "\n");
}

/** Prints `value` as pretty JSON. */
export function printJson(value: unknown): void {
  writeOut(JSON.stringify(value, null, 2) + "\n");
}

/** `--json` prints the data; otherwise the human form. */
export function report<T>(json: boolean | undefined, data: T, human: (data: T) => string[]): void {
  if (json) printJson(data);
  else say(...human(data));
}
