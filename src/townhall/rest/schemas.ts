/**
 * Request bodies of the REST routes as zod schemas (strict: an unknown field is refused). The
 * OpenAPI document derives its request schemas from these.
 */
import { z } from "zod";

const text = z.string().min(1).max(1_000_000);

export const spawnBody = z.object({
  name: text,
  cli: text.optional(),
  role_id: text.optional(),
  nickname: text.optional(),
  parent_agent_id: z.string().optional(),
  /** tt: rounds before the loop ends on its own (default 10, 0 = no limit). */
  max_rounds: z.number().int().min(0).max(1_000_000).optional(),
}).strict();

export const restartBody = z.object({
  max_rounds: z.number().int().min(0).max(1_000_000).optional(),
}).strict();

export const pruneBody = z.object({ all: z.boolean().optional() }).strict();

export const assignBody = z.object({ agent: text, task: text }).strict();

export const backlogAddBody = z.object({
  description: text,
  tags: z.array(z.string().max(200)).max(100).optional(),
}).strict();

export const agentBody = z.object({ agent: text }).strict();

export const sendBody = z.object({
  to: text,
  message: text,
  kind: z.string().nullable().optional(),
  from: z.string().nullable().optional(),
  urgent: z.boolean().optional(),
}).strict();

export const reclaimBody = z.object({
  to_backlog: z.boolean().optional(),
  to: text.optional(),
  from: text.optional(),
}).strict();

export const orphanBody = z.object({ action: z.string().optional() }).strict();

export const missionStopBody = z.object({ force: z.boolean().optional() }).strict();

export const missionFailBody = z.object({ reason: z.string().optional() }).strict();

/** The JSON Schema of a body, for the OpenAPI document. */
export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const s = z.toJSONSchema(schema, { target: "draft-2020-12" }) as Record<string, unknown>;
  delete s.$schema;
  return s;
}
