import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProject, tarball, tsc, type Project } from "./lib/project.js";
import { blocksUnder, readme } from "./lib/readme.js";

/** The root README's code blocks, each starting with `// <file>`, as files. */
function readmeFiles(heading: string): Record<string, string> {
  return Object.fromEntries(blocksUnder(readme("."), heading, "ts").map((code) => [/^\/\/ (\S+)/.exec(code)![1]!, code]));
}

// Issue 11, item 8: a user's project tests its pipeline with vitest (.ts locations, worker threads and
// processes), runs the app under tsx, then compiles it with tsc and runs the output.
describe("a user's TypeScript app: vitest, tsx and tsc, from npm", () => {
  let p: Project;
  beforeAll(() => {
    p = createProject({ name: "kernel + threads + cluster, tested with vitest", type: "module", fixtures: ["vitest-user"] });
    p.install([tarball("@hamilton-ts/kernel"), tarball("@hamilton-ts/executor-threads"), tarball("@hamilton-ts/executor-cluster")]);
    p.install(["vitest@^4.1", "tsx@^4.20", "@types/node@^20"], { dev: true });
    // the README's pipeline, and its "Testing your pipeline" config and test, exactly as written
    p.write("src/pipeline.ts", readmeFiles("A 15-line example")["pipeline.ts"]!);
    const testing = readmeFiles("Testing your pipeline");
    expect(Object.keys(testing)).toEqual(["vitest.config.ts", "test/pipeline.test.ts"]);
    for (const [file, code] of Object.entries(testing)) p.write(file, code);
  });
  afterAll(() => p?.remove());

  it("vitest runs the pipeline's tests, .ts locations on threads and processes included", () => {
    const r = p.exec(process.execPath, ["node_modules/vitest/vitest.mjs", "run", "--reporter=dot"], { timeoutMs: 120_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Tests\s+5 passed/); // 3 of ours, 2 of the README's
  });

  it("without tsx in execArgv, a .ts location fails with Node's own error (what the README warns about)", () => {
    p.write("vitest.bare.config.ts", 'import { defineConfig } from "vitest/config";\nexport default defineConfig({});\n');
    const r = p.exec(process.execPath, ["node_modules/vitest/vitest.mjs", "run", "--config", "vitest.bare.config.ts", "-t", "worker threads"], { timeoutMs: 120_000 });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/Unknown file extension "\.ts"/);
  });

  it("the app runs under tsx with its ./squares.js location", () => {
    const r = p.node(["--import", "tsx", "src/app.ts"]);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ total: 55 });
  });

  it("the same app, compiled with tsc --strict, runs from dist/", () => {
    const build = p.node([tsc, "-p", "tsconfig.json", "--pretty", "false"]);
    expect(build.stdout + build.stderr).toBe("");
    const r = p.node(["dist/app.js"]);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ total: 55 });
  });
});
