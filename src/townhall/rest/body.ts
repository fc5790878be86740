/**
 * Reading request bodies: JSON only (`application/json` or `…+json`, else 415), parsed (400
 * on bad JSON), then checked against a zod schema that refuses unknown fields and wrong types
 * (422, naming the field). Bodies over the size limit are stopped earlier (413).
 */
import type { Context } from "hono";
import type { z } from "zod";
import { HttpProblem } from "./problem.ts";

function isJson(contentType: string | undefined): boolean {
  const media = (contentType ?? "").split(";")[0].trim().toLowerCase();
  return media === "application/json" || /^application\/[a-z0-9.+-]+\+json$/.test(media);
}

/**
 * The body checked against `schema`. With `optional`, a request without a Content-Type and
 * without a body counts as `{}`.
 */
export async function readBody<S extends z.ZodType>(
  c: Context,
  schema: S,
  options: { optional?: boolean } = {},
): Promise<z.infer<S>> {
  const type = c.req.header("content-type");
  let text: string;
  if (type === undefined && options.optional) {
    text = await bodyText(c);
    if (text.trim() === "") return schema.parse({});
  }
  if (!isJson(type)) {
    throw new HttpProblem(415, "the request body must be JSON (Content-Type: application/json)");
  }
  text = await bodyText(c);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new HttpProblem(400, `invalid JSON body: ${(err as Error).message.split("\n")[0]}`);
  }
  const r = schema.safeParse(value);
  if (!r.success) throw new HttpProblem(422, describeIssue(r.error.issues[0]));
  return r.data;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const at = issue.path.length ? issue.path.join(".") : "body";
  if (issue.code === "unrecognized_keys") {
    return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")}`;
  }
  if (issue.code === "invalid_type") {
    return /received undefined/.test(issue.message)
      ? `field '${at}' is required`
      : `field '${at}': expected ${issue.expected}`;
  }
  return `field '${at}': ${issue.message}`;
}

async function bodyText(c: Context): Promise<string> {
  try {
    return await c.req.text();
  } catch {
    throw new HttpProblem(400, "the request body could not be read (connection cut?)");
  }
}
