import { build } from "esbuild";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { builtinModules } from "node:module";

const entry = fileURLToPath(new URL("../src/index.ts", import.meta.url));

describe("the kernel bundles for a browser", () => {
  test("esbuild (platform: browser) bundles src/index.ts with no Node builtin; what loads up front fits the 20 kB budget", async () => {
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const seen: string[] = [];
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: "browser",
      format: "esm",
      minify: true,
      // as an app's bundler does: what is imported on demand (dynamic execution, the cache) becomes chunks of its own
      splitting: true,
      outdir: "/virtual-out",
      write: false,
      metafile: true,
      logLevel: "silent",
      plugins: [
        {
          name: "refuse-node-builtins",
          setup(b) {
            b.onResolve({ filter: /.*/ }, (args) => {
              if (builtins.has(args.path)) seen.push(`${args.path} (from ${args.importer})`);
              return undefined;
            });
          },
        },
      ],
    });
    expect(seen).toEqual([]);
    expect(result.errors).toEqual([]);
    // the entry chunk and every chunk it imports statically: what a page loads before it runs anything
    const outputs = result.metafile!.outputs;
    const entryKey = Object.keys(outputs).find((k) => outputs[k]!.entryPoint)!;
    const eager = new Set<string>();
    const visit = (k: string) => {
      if (eager.has(k)) return;
      eager.add(k);
      for (const i of outputs[k]!.imports) if (i.kind === "import-statement") visit(i.path);
    };
    visit(entryKey);
    const lazy = Object.keys(outputs).filter((k) => !eager.has(k) && !k.endsWith(".map"));
    const bytes = (keys: Iterable<string>) => {
      const files = [...keys].map((k) => result.outputFiles!.find((f) => f.path.endsWith(k.replace(/^.*virtual-out/, "")))!.contents);
      const all = Buffer.concat(files.map((f) => Buffer.from(f)));
      return { min: all.length, gz: gzipSync(all).length };
    };
    const upFront = bytes(eager);
    const onDemand = bytes(lazy);
    // 19.9 kB now (20.2 before what a failed attempt does under a retry policy moved to an on-demand chunk)
    expect(upFront.gz).toBeLessThanOrEqual(20 * 1024);
    // dynamic execution and the cache are chunks of their own, loaded by build() only when asked for
    expect(lazy.some((k) => /run-dynamic/.test(k))).toBe(true);
    expect(lazy.some((k) => /cache-wiring/.test(k))).toBe(true);
    expect(lazy.some((k) => /retrying/.test(k))).toBe(true);
    // keep the README's figure honest: print it with the test run
    console.log(
      `kernel browser bundle: ${(upFront.min / 1024).toFixed(1)} kB minified, ${(upFront.gz / 1024).toFixed(1)} kB gzipped up front; ` +
        `${(onDemand.gz / 1024).toFixed(1)} kB gzipped on demand (dynamic execution, cache, module locations)`,
    );
  });

  test("no source file imports a node: module", async () => {
    const { readdir, readFile } = await import("node:fs/promises");
    const dir = fileURLToPath(new URL("../src/", import.meta.url));
    const files = (await readdir(dir, { recursive: true })).filter((f) => String(f).endsWith(".ts") && !String(f).includes(".test."));
    const offenders: string[] = [];
    for (const f of files) {
      const text = await readFile(dir + f, "utf8");
      if (/from\s+["']node:|require\(["']node:|import\(["']node:/.test(text)) offenders.push(String(f));
    }
    expect(files.length).toBeGreaterThan(10);
    expect(offenders).toEqual([]);
  });
});
