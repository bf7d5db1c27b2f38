// The documentation's TypeScript must compile under `tsc --strict`, as a user
// would compile it: the root README's headline example, the kernel README's
// examples and the kernel's JSDoc @example blocks, against the packages' built
// type declarations.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { readmeExample } from "./readme.js";

const examples = fileURLToPath(new URL("..", import.meta.url));
const root = join(examples, "..");
const kernelSrc = join(root, "packages", "kernel", "src");

/** Names each kernel entry exports (values and types), read from its index file. */
function exportedNames(file: string): Set<string> {
  const text = readFileSync(file, "utf8");
  const names = new Set<string>();
  for (const m of text.matchAll(/export (?:type )?\{([^}]*)\}/g)) for (const n of m[1]!.split(",")) if (n.trim()) names.add(n.trim().split(/\s+as\s+/).pop()!);
  return names;
}
const entries: Array<[string, Set<string>]> = [
  ["@hamilton-ts/kernel", exportedNames(join(kernelSrc, "index.ts"))],
  ["@hamilton-ts/kernel/contracts", exportedNames(join(kernelSrc, "contracts.ts"))],
  ["@hamilton-ts/kernel/remote", exportedNames(join(kernelSrc, "remote.ts"))],
  ["@hamilton-ts/cache", exportedNames(join(root, "packages", "cache", "src", "index.ts"))],
];

// what the fragments refer to without defining it
const AMBIENT: Record<string, string> = {
  pipeline: "declare const pipeline: { total: (n: number) => number; top: (total: number) => string[] };",
  Point: "declare class Point { constructor(x: number, y: number); x: number; y: number }",
  MyTable: "declare class MyTable { names(): string[]; get(name: string): unknown }",
  avg: "declare function avg(xs: number[]): number;",
  sd: "declare function sd(xs: number[]): number;",
  fetchPage: "declare function fetchPage(url: string): Promise<string>;",
  dr: 'declare const dr: import("@hamilton-ts/kernel").Driver;',
  task: "declare const task: { taskId: string; reject(error: unknown): void };", // an executor's record of a submitted task
};

/** A fragment as a module: imports for the kernel names it uses and does not import or declare itself. */
function asModule(code: string): string {
  const words = new Set(code.match(/[A-Za-z_$][\w$]*/g) ?? []);
  const imported = new Set([
    ...[...code.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}/g)].flatMap((m) => m[1]!.split(",").map((n) => n.trim())),
    ...[...code.matchAll(/import\s+\*\s+as\s+([\w$]+)/g)].map((m) => m[1]!),
  ]);
  const declared = new Set([...code.matchAll(/\b(?:const|let|function|class|type|interface)\s+([\w$]+)/g)].map((m) => m[1]!));
  const taken = new Set<string>();
  const lines: string[] = [];
  for (const [entry, names] of entries) {
    const use = [...names].filter((n) => words.has(n) && !imported.has(n) && !declared.has(n) && !taken.has(n));
    use.forEach((n) => taken.add(n));
    if (use.length > 0) lines.push(`import { ${use.join(", ")} } from "${entry}";`);
  }
  for (const [name, declaration] of Object.entries(AMBIENT)) if (words.has(name) && !imported.has(name) && !declared.has(name)) lines.push(declaration);
  return `${lines.join("\n")}\n${code}\nexport {};\n`;
}

/**
 * ```ts blocks of a markdown file: `// name.ts` blocks as files, the others as
 * fragments; each section (## heading) in a folder of its own, so two sections
 * may both show a `pipeline.ts`.
 */
function markdownBlocks(markdown: string, prefix: string): Array<{ file: string; code: string }> {
  return markdown.split(/^## /m).flatMap((section, s) =>
    [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m, i) => {
      const file = /^\/\/ (\S+\.ts)\n/.exec(m[1]!)?.[1];
      return file ? { file: `s${s}/${file}`, code: m[1]! } : { file: `s${s}/${prefix}-${i}.ts`, code: asModule(m[1]!) };
    }),
  );
}

const CACHE_WIRED = readFileSync(join(kernelSrc, "driver", "builder.ts"), "utf8").includes("withCache(");

/** Every @example block of the kernel's sources. */
function jsdocExamples(): Array<{ file: string; code: string }> {
  const out: Array<{ file: string; code: string }> = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      // src/cache documents Builder.withCache and @hamilton-ts/cache's FileCacheStore, which are being wired
      // in by the caching work: include it once withCache exists on the Builder
      if (e.isDirectory()) {
        if (e.name !== "cache" || CACHE_WIRED) walk(p);
      }
      else if (e.name.endsWith(".ts") && !e.name.includes(".test")) {
        for (const m of readFileSync(p, "utf8").matchAll(/@example\n((?:\s*\*(?!\/).*\n)+)/g)) {
          const code = m[1]!.split("\n").map((l) => l.replace(/^\s*\* ?/, "")).join("\n");
          out.push({ file: `jsdoc-${e.name.replace(/\.ts$/, "")}-${out.length}.ts`, code: asModule(code) });
        }
      }
    }
  };
  walk(kernelSrc);
  return out;
}

/** Type-check files in a fresh folder inside examples/ (so packages resolve as in a user's project). */
function typecheck(name: string, files: Array<{ file: string; code: string }>, extra: Array<{ file: string; code: string }> = []): string[] {
  const dir = join(examples, "out", "docs-typecheck", name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const f of [...files, ...extra]) {
    mkdirSync(dirname(join(dir, f.file)), { recursive: true });
    writeFileSync(join(dir, f.file), f.code);
  }
  const program = ts.createProgram(
    files.map((f) => join(dir, f.file)),
    {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
      types: ["node"],
      typeRoots: [join(root, "node_modules", "@types")],
      skipLibCheck: true,
    },
  );
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `${d.file.fileName.slice(dir.length + 1)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : "";
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  });
}

const moduleJson = { file: "package.json", code: JSON.stringify({ type: "module" }) };

describe("documentation compiles under tsc --strict", () => {
  it("the root README's headline example (typed results: no casts needed)", () => {
    const blocks = readmeExample(readFileSync(join(root, "README.md"), "utf8"));
    expect(typecheck("readme", blocks, [moduleJson])).toEqual([]);
  });

  it("the kernel README's examples", () => {
    const blocks = markdownBlocks(readFileSync(join(root, "packages", "kernel", "README.md"), "utf8"), "kernel-readme");
    expect(blocks.length).toBeGreaterThanOrEqual(8);
    expect(typecheck("kernel-readme", blocks, [moduleJson])).toEqual([]);
  });

  it("the kernel's JSDoc @example blocks", () => {
    const blocks = jsdocExamples();
    expect(blocks.length).toBeGreaterThanOrEqual(12);
    const pipelineFile = { file: "pipeline.ts", code: "export const total = (n: number): number => n * 2;\nexport const top = (total: number): string[] => [String(total)];\n" };
    expect(typecheck("kernel-jsdoc", blocks, [moduleJson, pipelineFile])).toEqual([]);
  });

  it("examples/hello-world (typed results, no casts)", () => {
    const dir = join(examples, "hello-world");
    const files = ["my_functions.ts", "run.ts"].map((file) => ({ file, code: readFileSync(join(dir, file), "utf8") }));
    expect(typecheck("hello-world", files, [moduleJson])).toEqual([]);
  });

  // the nodes a README's `./pipeline.js` is assumed to have, for sections that do not show their pipeline
  const STUB_PIPELINE = [
    "export const number_of_steps = (): number => 5;",
    "export const total = (number_of_steps: number): number => number_of_steps * 2;",
    "export const model = (): { weights: number[] } => ({ weights: [1, 2] });",
    "export const total_words = (): number => 3;",
  ].join("\n");
  /** Add a stub `pipeline.ts` where a block imports a `pipeline.js` that its section does not show. */
  const withPipelines = (blocks: Array<{ file: string; code: string }>) => {
    const out = [...blocks];
    for (const b of blocks) {
      for (const m of b.code.matchAll(/(?:from |import\()"(\.{1,2}\/(?:[\w-]+\/)*)pipeline\.js"/g)) {
        const file = join(dirname(b.file), m[1]!, "pipeline.ts");
        if (!out.some((o) => o.file === file)) out.push({ file, code: STUB_PIPELINE });
      }
    }
    return out;
  };

  it("every ts block of the root README and of each package README (one program: a culprit's path names its README)", () => {
    const readmes: Array<[string, string]> = [
      ["root", join(root, "README.md")],
      ...["cache", "cli", "executor-threads", "executor-cluster", "results-arrow", "results-dataframe"].map((pkg): [string, string] => [pkg, join(root, "packages", pkg, "README.md")]),
    ];
    const blocks = readmes.flatMap(([name, file]) => {
      const own = markdownBlocks(readFileSync(file, "utf8"), `${name}-readme`).map((b) => ({ file: `${name}/${b.file}`, code: b.code }));
      expect(own.length, `${name} README has no ts block`).toBeGreaterThan(0);
      return own;
    });
    expect(blocks.filter((b) => b.file.startsWith("root/")).length).toBeGreaterThanOrEqual(6);
    expect(typecheck("readmes", withPipelines(blocks), [moduleJson])).toEqual([]);
  });

  it("a type error in the documentation would be caught", () => {
    const broken = { file: "broken.ts", code: asModule(`const dr = new Driver({}, { n: () => 1 });\nconst { n } = await dr.execute(["n"]);\nconst s: string = n;`) };
    expect(typecheck("broken", [broken], [moduleJson]).join("\n")).toMatch(/Type 'number' is not assignable to type 'string'/);
  });
});
