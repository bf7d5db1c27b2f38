// globalSetup: pack every package once, as `pnpm publish` would (workspace: ranges rewritten),
// and print each combination's install figures at the end.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

const root = new URL("../..", import.meta.url).pathname;

declare module "vitest" {
  export interface ProvidedContext {
    /** package name → absolute path of its packed tarball */
    tarballs: Record<string, string>;
    /** where each combination writes its install figures */
    reportDir: string;
  }
}

export default function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), "hamilton-ts-packs-"));
  const tarballs: Record<string, string> = {};
  for (const name of readdirSync(join(root, "packages"))) {
    const pkgDir = join(root, "packages", name);
    if (!existsSync(join(pkgDir, "package.json"))) continue;
    const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as { name: string; private?: boolean };
    if (pkg.private) continue;
    if (!existsSync(join(pkgDir, "dist"))) throw new Error(`${pkg.name} is not built: run pnpm build first`);
    const out = execFileSync("pnpm", ["pack", "--pack-destination", dir], { cwd: pkgDir, encoding: "utf8" });
    const file = out.trim().split("\n").pop()!.trim();
    tarballs[pkg.name] = file.startsWith("/") ? file : join(dir, file);
  }
  const reportDir = join(dir, "report");
  mkdirSync(reportDir);
  project.provide("tarballs", tarballs);
  project.provide("reportDir", reportDir);

  return () => {
    const rows = readdirSync(reportDir)
      .filter((f) => f.endsWith(".json"))
      .map((f) => JSON.parse(readFileSync(join(reportDir, f), "utf8")) as { name: string; seconds: number; bytes: number; packages: number });
    rows.sort((a, b) => a.name.localeCompare(b.name));
    const table = [
      "| combination | install | node_modules | packages |",
      "|---|---:|---:|---:|",
      ...rows.map((r) => `| ${r.name} | ${r.seconds.toFixed(1)} s | ${(r.bytes / 1e6).toFixed(1)} MB | ${r.packages} |`),
    ].join("\n");
    console.log(`\nConsumer installs (npm, outside the workspace):\n${table}\n`);
    mkdirSync(join(root, "consumers", "out"), { recursive: true });
    writeFileSync(join(root, "consumers", "out", "installs.md"), table + "\n");
    rmSync(dir, { recursive: true, force: true });
  };
}
