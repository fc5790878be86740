/**
 * Every module loaded through `lazyImport` is in LAZY_MODULES: `deno compile` cannot see a
 * run-time specifier, so a binary would lack a module missing from the list (src/lazy.ts).
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { LAZY_MODULES } from "../src/lazy.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) out.push(...await sourceFiles(path));
    else if (entry.isFile && entry.name.endsWith(".ts")) out.push(path);
  }
  return out;
}

/** The modules named by `lazyImport<...>("src/x.ts")` calls (ids from the root). */
async function lazilyImported(): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const file of [join(ROOT, "main.ts"), ...await sourceFiles(join(ROOT, "src"))]) {
    const source = await Deno.readTextFile(file);
    for (const [, id] of source.matchAll(/lazyImport<[^>]*>\(\s*"([^"]+)",?\s*\)/g)) {
      found.set(id, relative(ROOT, file));
    }
  }
  return found;
}

Deno.test("every lazily imported module is in LAZY_MODULES, and every entry is imported", async () => {
  const found = await lazilyImported();
  assert.ok(found.size >= 10, `found the lazy imports: ${[...found.keys()]}`);
  for (const [module, from] of found) {
    assert.ok((LAZY_MODULES as readonly string[]).includes(module), `${module} (${from})`);
  }
  for (const module of LAZY_MODULES) {
    assert.ok(found.has(module), `${module} is imported lazily somewhere`);
    await Deno.stat(join(ROOT, module));
  }
});

Deno.test("the bundle entry loads each of the LAZY_MODULES from the part that exports it", async () => {
  const entry = await Deno.readTextFile(join(ROOT, "src/bundle/entry.ts"));
  const table = entry.slice(entry.indexOf("const LOADERS"));
  const loaders = [
    ...table.matchAll(/^\s*"([^"]+)": \(\) => (\w+)Part\(\)\.then\(\(p\) => p\.(\w+)\),$/gm),
  ];
  assert.deepEqual(loaders.map((m) => m[1]).sort(), [...LAZY_MODULES].sort());
  const parts = new Map<string, Map<string, string>>();
  for (const [, id, part, name] of loaders) {
    if (!parts.has(part)) {
      const source = await Deno.readTextFile(join(ROOT, `src/bundle/${part}_part.ts`));
      const exported = new Map<string, string>();
      for (const [, as, from] of source.matchAll(/^export \* as (\w+) from "([^"]+)";$/gm)) {
        exported.set(as, relative(ROOT, fileURLToPath(new URL(from, `file://${ROOT}src/bundle/`))));
      }
      parts.set(part, exported);
    }
    assert.equal(parts.get(part)!.get(name), id, `${id}: ${part}_part.ts exports it as ${name}`);
  }
});
