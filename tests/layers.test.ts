/**
 * The layer rule of src/: a module imports only its own layer or lower ones, and no imports go
 * round in a cycle. Layers, lowest first:
 *
 *   base     errors.ts, path.ts, process.ts, sleep.ts, version.ts, lazy.ts, bundled.ts, ...
 *            (no tt imports but base)
 *   redis    tt's own Redis client and the managed redis-server
 *   model    Agent, Task, Message, events, ids and their wire forms
 *   store    key names, Lua, repositories over Redis (the only code that knows the key layout)
 *   town     config, paths, environment, opening a town's Redis
 *   agent    the agent loop runtime: loop, round, prompt, runner, launch, liveness
 *   service  the operations, grouped by noun (service/), and missions (mission/)
 *   lib      the library behind mod.ts
 *   face     the CLI (cli/), townhall REST (townhall/), MCP (mcp/)
 *   build    the bundled build's entry and its parts (bundle/): the whole program, as main.ts
 *
 * Folders of one layer may import each other, but not round in a cycle. A new folder under
 * src/ has to be given a layer here before it can be imported by anything.
 */
import assert from "node:assert/strict";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";

const LAYERS: ReadonlyArray<readonly [layer: string, units: readonly string[]]> = [
  ["base", [
    "bundled.ts",
    "errors.ts",
    "lazy.ts",
    "path.ts",
    "private_files.ts",
    "process.ts",
    "sleep.ts",
    "version.ts",
  ]],
  ["redis", ["redis"]],
  ["model", ["model"]],
  ["store", ["store"]],
  ["town", ["town"]],
  ["agent", ["agent"]],
  ["service", ["service", "mission"]],
  ["lib", ["lib"]],
  ["face", ["cli", "townhall", "mcp"]],
  ["build", ["bundle"]],
];

const SRC = fromFileUrl(new URL("../src/", import.meta.url));

/** The unit a file under src/ belongs to: its top folder, or the file itself at the top. */
function unitOf(rel: string): string {
  return rel.split("/")[0];
}

function layerOf(unit: string): number {
  return LAYERS.findIndex(([, units]) => units.includes(unit));
}

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) out.push(...await sourceFiles(path));
    else if (entry.isFile && /\.tsx?$/.test(entry.name)) out.push(path);
  }
  return out;
}

interface Import {
  specifier: string;
  /** `import type` / `export type`: gone at run time, so it cannot make a load-order cycle. */
  typeOnly: boolean;
}

/** Relative specifiers of static, re-export and dynamic imports, comments left out. */
function importsOf(source: string): Import[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
  const found: Import[] = [];
  const pattern =
    /(?:^\s*((?:import|export)\s+type\b)?[^;"'`]*?\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']+)["']/gm;
  for (const m of code.matchAll(pattern)) found.push({ specifier: m[2], typeOnly: !!m[1] });
  return found;
}

function importSpecifiers(source: string): string[] {
  return importsOf(source).map((i) => i.specifier);
}

/** File -> the files it imports (paths relative to src/); `runtime` leaves out type imports. */
async function importGraph(runtime = false): Promise<Map<string, string[]>> {
  const graph = new Map<string, string[]>();
  for (const file of await sourceFiles(SRC)) {
    const targets = importsOf(await Deno.readTextFile(file))
      .filter((i) => !(runtime && i.typeOnly))
      .map((i) => relative(SRC, normalize(join(dirname(file), i.specifier))));
    graph.set(relative(SRC, file), targets);
  }
  return graph;
}

/** Imports that leave src/, go to a folder without a layer, or go up a layer. */
function layerViolations(graph: Map<string, string[]>): string[] {
  const problems: string[] = [];
  for (const [from, targets] of graph) {
    const fromUnit = unitOf(from);
    const fromLayer = layerOf(fromUnit);
    if (fromLayer < 0) {
      problems.push(`${from}: src/${fromUnit} has no layer (add it to LAYERS in this test)`);
      continue;
    }
    for (const to of targets) {
      if (to.startsWith("..")) {
        problems.push(`${from} imports ${to}, outside src/`);
        continue;
      }
      const toLayer = layerOf(unitOf(to));
      if (toLayer < 0) problems.push(`${from} imports ${to}: src/${unitOf(to)} has no layer`);
      else if (toLayer > fromLayer) {
        problems.push(
          `${from} (${LAYERS[fromLayer][0]}) imports ${to} (${LAYERS[toLayer][0]}), a higher layer`,
        );
      }
    }
  }
  return problems;
}

/** Every import cycle, each as the files it goes through (first file repeated at the end). */
function importCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const s = state.get(next);
      if (s === "open") cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (s === undefined && graph.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

/** Pairs of units that import each other (within a layer; across layers is a violation). */
function unitCycles(graph: Map<string, string[]>): string[][] {
  const units = new Map<string, string[]>();
  for (const [from, targets] of graph) {
    const deps = units.get(unitOf(from)) ?? [];
    for (const to of targets) if (unitOf(to) !== unitOf(from)) deps.push(unitOf(to));
    units.set(unitOf(from), deps);
  }
  return importCycles(units);
}

Deno.test("src/: no import goes to a higher layer or to a folder without one", async () => {
  assert.deepEqual(layerViolations(await importGraph()), []);
});

Deno.test("src/: no import cycle between files (type-only imports aside)", async () => {
  const cycles = importCycles(await importGraph(true)).map((c) => c.join(" -> "));
  assert.deepEqual(cycles, []);
});

Deno.test("src/: no import cycle between folders of one layer", async () => {
  const cycles = unitCycles(await importGraph()).map((c) => c.join(" -> "));
  assert.deepEqual(cycles, []);
});

/** Code outside comments, for the sealed-store checks. */
function codeOf(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

/**
 * Lines outside src/store/ (and src/redis/, which defines the client) that reach past the
 * store: its connection, Lua scripts, raw pipelines or transactions, or key names spelled out.
 */
function storeLeaks(file: string, source: string): string[] {
  const unit = unitOf(file);
  if (unit === "store" || unit === "redis") return [];
  const rules: [RegExp, string][] = [
    [/\bstore\.redis\b/, "uses the store's connection"],
    [/\bnew Script\(/, "defines a Lua script"],
    [/\.redis\.(pipeline|multi|evalScript)\(/, "sends raw pipelines, transactions or scripts"],
    [/["'`]tt:/, "spells out a key name (key names live in src/store/keys.ts)"],
  ];
  const out: string[] = [];
  codeOf(source).split("\n").forEach((line, i) => {
    for (const [pattern, what] of rules) {
      if (pattern.test(line)) out.push(`${file}:${i + 1} ${what}: ${line.trim()}`);
    }
  });
  return out;
}

Deno.test("the store is sealed: no connection, Lua, raw batch or key name outside src/store/", async () => {
  const leaks: string[] = [];
  for (const file of await sourceFiles(SRC)) {
    leaks.push(...storeLeaks(relative(SRC, file), await Deno.readTextFile(file)));
  }
  assert.deepEqual(leaks, []);
});

Deno.test("the sealed-store check finds each kind of leak", () => {
  const source = [
    "await store.redis.del(k);",
    'const S = new Script("return 1");',
    "const p = town.redis.pipeline();",
    "const k = `tt:${town}:agent:${id}`;",
    "// store.redis in a comment is fine",
    "await store.agents.requestStop(id);",
  ].join("\n");
  assert.deepEqual(storeLeaks("service/x.ts", source).map((l) => l.split(" ")[0]), [
    "service/x.ts:1",
    "service/x.ts:2",
    "service/x.ts:3",
    "service/x.ts:4",
  ]);
  assert.deepEqual(storeLeaks("store/x.ts", source), []);
});

Deno.test("the layer check sees static, type, re-export and dynamic imports, not comments", () => {
  const source = [
    'import { a } from "./a.ts";',
    'import type { B } from "../b/b.ts";',
    'export { c } from "./c.ts";',
    'import "./side.ts";',
    'const d = await import("./d.ts");',
    '// import { e } from "./e.ts";',
    '/** import { f } from "./f.ts"; */',
    'import { g } from "npm:g";',
    "import {",
    "  type H,",
    '} from "./h.ts";',
    'export type { I } from "./i.ts";',
  ].join("\n");
  assert.deepEqual(importSpecifiers(source), [
    "./a.ts",
    "../b/b.ts",
    "./c.ts",
    "./side.ts",
    "./d.ts",
    "./h.ts",
    "./i.ts",
  ]);
  assert.deepEqual(
    importsOf(source).map((i) => i.typeOnly),
    [false, true, false, false, false, false, true],
  );
});

Deno.test("the layer check finds an upward import and a cycle", () => {
  const graph = new Map<string, string[]>([
    ["store/a.ts", ["service/b.ts"]],
    ["service/b.ts", ["store/a.ts"]],
    ["nowhere/c.ts", []],
  ]);
  assert.deepEqual(layerViolations(graph), [
    "store/a.ts (store) imports service/b.ts (service), a higher layer",
    "nowhere/c.ts: src/nowhere has no layer (add it to LAYERS in this test)",
  ]);
  assert.deepEqual(importCycles(graph), [["service/b.ts", "store/a.ts", "service/b.ts"]]);
});
