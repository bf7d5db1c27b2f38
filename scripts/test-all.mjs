#!/usr/bin/env node
// Runs every package's vitest suite in turn, then the examples' and the consumer
// tests', and ends with one line of totals across all: "N passed, M failed".
// `node scripts/test-all.mjs kernel consumers` runs only those.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const only = process.argv.slice(2);
// every package, then the examples, then the consumer tests (packed packages installed with npm outside the workspace)
const dirs = [
  ...readdirSync(join(root, "packages"))
    .map((d) => join(root, "packages", d))
    .filter((d) => existsSync(join(d, "package.json")) && JSON.parse(readFileSync(join(d, "package.json"), "utf8")).scripts?.test),
  ...["examples", "consumers"].map((d) => join(root, d)).filter((d) => existsSync(join(d, "vitest.config.ts"))),
].filter((d) => only.length === 0 || only.some((o) => d.endsWith(o)));

const out = mkdtempSync(join(tmpdir(), "hamilton-ts-tests-"));
let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
const failures = []; // named again at the end, so a CI log's tail shows which test failed and why
for (const dir of dirs) {
  const name = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).name;
  const report = join(out, name.replace(/[@/]/g, "_") + ".json");
  const started = Date.now();
  const r = spawnSync("npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`], {
    cwd: dir,
    stdio: "inherit",
    env: { ...process.env, FORCE_COLOR: process.env.CI ? "0" : process.env.FORCE_COLOR },
  });
  let p = 0, f = 0, s = 0;
  if (existsSync(report)) {
    const json = JSON.parse(readFileSync(report, "utf8"));
    p = json.numPassedTests; f = json.numFailedTests; s = json.numPendingTests + (json.numTodoTests ?? 0);
    if (r.status !== 0 && f === 0) f = Math.max(1, json.numFailedTestSuites ?? 0); // each suite that crashed counts as a failure
    for (const file of json.testResults ?? []) {
      const where = file.name.startsWith(root) ? file.name.slice(root.length) : file.name;
      const bad = (file.assertionResults ?? []).filter((t) => t.status === "failed");
      for (const t of bad) failures.push(`${where} > ${t.fullName}\n    ${String(t.failureMessages?.[0] ?? "").split("\n").slice(0, 3).join("\n    ")}`);
      if (bad.length === 0 && file.status === "failed") failures.push(`${where} (suite failed)\n    ${String(file.message ?? "").split("\n").slice(0, 3).join("\n    ")}`);
    }
  } else {
    f = 1;
  }
  passed += p; failed += f; skipped += s;
  rows.push(`${name.padEnd(34)} ${String(p).padStart(5)} passed ${String(f).padStart(4)} failed ${String(s).padStart(4)} skipped  ${((Date.now() - started) / 1000).toFixed(1)}s`);
}
if (failures.length) console.log("\nFailed:\n" + failures.map((f) => "  " + f).join("\n"));
console.log("\n" + rows.join("\n"));
if (skipped) console.log(`(${skipped} skipped)`);
// the last line is exactly "N passed, M failed": CI reads it
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
