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

/** Prints lines (each ends with a newline). */
export function say(...lines: string[]): void {
  if (lines.length) writeOut(lines.join("\n") + "\n");
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
