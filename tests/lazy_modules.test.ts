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

/** The modules named by `lazyImport<...>("./x.ts", import.meta.url)` calls, from the root. */
async function lazilyImported(): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const file of [join(ROOT, "main.ts"), ...await sourceFiles(join(ROOT, "src"))]) {
    const source = await Deno.readTextFile(file);
    const calls = source.matchAll(/lazyImport<[^>]*>\(\s*"([^"]+)",\s*import\.meta\.url,?\s*\)/g);
    for (const [, specifier] of calls) {
      const target = fileURLToPath(new URL(specifier, `file://${file}`));
      found.set(relative(ROOT, target), relative(ROOT, file));
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
