/**
 * The townhall REST app in-process for tests: built over a library Town with the given
 * `[townhall]` settings, called through its fetch handler, and every response checked against
 * the served `/openapi.json` with ajv (status documented, body matching its schema).
 */
import assert from "node:assert/strict";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { Town } from "../../mod.ts";
import { defaultTownhallSettings, type TownhallSettings } from "../../src/town/config.ts";
import { buildRestApp, type RestApp } from "../../src/townhall/rest/app.ts";
import type { RestDeps } from "../../src/townhall/rest/context.ts";
import {
  type AuthenticatorOptions,
  createAuthenticator,
  RateLimiter,
} from "../../src/townhall/security/mod.ts";

/** A response as tests see it. */
export interface Reply {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the text for non-JSON bodies. */
  // deno-lint-ignore no-explicit-any -- tests read arbitrary JSON
  body: any;
  text: string;
}

/** Options of a call. */
export interface CallOptions {
  /** Sent as JSON (with Content-Type) unless `raw` is given. */
  json?: unknown;
  /** A raw body, sent as is. */
  raw?: BodyInit;
  headers?: Record<string, string>;
  /** Client address the server sees (rate limits). Default 127.0.0.1. */
  address?: string;
}

/** Settings with every default, changed by `edit`. */
export function townhallSettings(edit: (s: TownhallSettings) => void = () => {}): TownhallSettings {
  const s = defaultTownhallSettings();
  s.rateLimit.enabled = false;
  edit(s);
  return s;
}

/** Checks a response against the OpenAPI document. */
export class OpenApiChecker {
  // deno-lint-ignore no-explicit-any -- the OpenAPI document is walked by key
  readonly #doc: any;
  readonly #ajv: Ajv2020;

  constructor(doc: unknown) {
    this.#doc = doc;
    this.#ajv = new Ajv2020({ strict: false, allErrors: true });
    this.#ajv.addFormat("uuid", /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    this.#ajv.addSchema(doc as object, "doc");
  }

  /** The OpenAPI path template matching a concrete path. */
  template(path: string): string | undefined {
    const bare = path.split("?")[0];
    return Object.keys(this.#doc.paths).find((t) =>
      new RegExp(`^${t.replace(/\{[^}]+\}/g, "[^/]+")}$`).test(bare)
    );
  }

  /** Asserts the status is documented for the route and the JSON body matches its schema. */
  check(method: string, path: string, reply: Reply): void {
    const t = this.template(path);
    assert.ok(t, `${path} is in the OpenAPI document`);
    const op = this.#doc.paths[t][method.toLowerCase()];
    assert.ok(op, `${method} ${t} is in the OpenAPI document`);
    const r = op.responses[String(reply.status)];
    assert.ok(
      r,
      `${method} ${t} documents status ${reply.status} (body ${reply.text.slice(0, 200)})`,
    );
    const json = r.content?.["application/json"];
    if (!json) return;
    const pointer = [
      "paths",
      t,
      method.toLowerCase(),
      "responses",
      String(reply.status),
      "content",
      "application/json",
      "schema",
    ]
      .map((s) => s.replaceAll("~", "~0").replaceAll("/", "~1")).join("/");
    const validate = this.#ajv.getSchema(`doc#/${pointer}`);
    assert.ok(validate, `schema for ${method} ${t} ${reply.status}`);
    assert.ok(
      validate(reply.body),
      `${method} ${path} ${reply.status} matches the OpenAPI schema: ${
        JSON.stringify(validate.errors)
      } in ${reply.text.slice(0, 300)}`,
    );
  }
}

/** An in-process REST app and a client for it. */
export interface RestHarness {
  rest: RestApp;
  call(method: string, path: string, options?: CallOptions): Promise<Reply>;
  checker: OpenApiChecker;
}

/** Builds the app over `town`. */
export async function restHarness(
  town: Town,
  settings: TownhallSettings = townhallSettings(),
  extra: Partial<RestDeps> & { authOptions?: AuthenticatorOptions } = {},
): Promise<RestHarness> {
  const rest = buildRestApp({
    town,
    settings,
    authenticator: createAuthenticator(settings.auth, extra.authOptions),
    ...(settings.rateLimit.enabled ? { limiter: new RateLimiter(settings.rateLimit) } : {}),
    ...extra,
  });
  const raw = async (method: string, path: string, o: CallOptions = {}): Promise<Reply> => {
    const headers: Record<string, string> = { ...o.headers };
    let body: BodyInit | undefined = o.raw;
    if (o.json !== undefined && o.raw === undefined) {
      body = JSON.stringify(o.json);
      headers["content-type"] ??= "application/json";
    }
    const res = await rest.fetch(
      new Request(`http://townhall.test${path}`, { method, headers, body }),
      { remoteAddr: { transport: "tcp", hostname: o.address ?? "127.0.0.1", port: 1 } },
    );
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get("content-type") ?? "").includes("json")) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed, text };
  };
  const doc = (await raw("GET", "/openapi.json")).body;
  const checker = new OpenApiChecker(doc);
  return {
    rest,
    checker,
    async call(method, path, options) {
      const reply = await raw(method, path, options);
      checker.check(method, path, reply);
      return reply;
    },
  };
}
