// A fresh plain-npm project outside the workspace, installed from the packed tarballs
// and the npm registry only, as a user's app is.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { inject } from "vitest";

const fixtures = new URL("../fixtures/", import.meta.url).pathname;
const require = createRequire(import.meta.url);
/** The workspace's TypeScript compiler: it type-checks the project against the project's own node_modules. */
export const tsc = require.resolve("typescript/bin/tsc");

/** What a combination installs. */
export interface ProjectSpec {
  /** the combination's name (report rows, temp folder) */
  readonly name: string;
  /** package.json `type` */
  readonly type: "module" | "commonjs";
  /** extra package.json fields, e.g. `overrides` */
  readonly packageJson?: Record<string, unknown>;
  /** fixture folders (under consumers/fixtures) copied into the project root */
  readonly fixtures?: readonly string[];
}

/** Output of a command run in the project. */
export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The result of `npm install`: wall time, size of node_modules, package count. */
export interface InstallFigures {
  readonly seconds: number;
  readonly bytes: number;
  readonly packages: number;
}

/**
 * Create an empty project in the system temp folder (no node_modules above it
 * to fall back on) with the fixtures copied in.
 */
export function createProject(spec: ProjectSpec): Project {
  const dir = mkdtempSync(join(tmpdir(), `hamilton-ts-consumer-${spec.name.replace(/[^a-z0-9]+/gi, "-")}-`));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, version: "1.0.0", type: spec.type, ...spec.packageJson }, null, 2));
  for (const f of spec.fixtures ?? []) cpSync(join(fixtures, f), dir, { recursive: true });
  return new Project(spec.name, dir);
}

/** Our packages' tarballs, by package name. */
export function tarball(name: string): string {
  const file = inject("tarballs")[name];
  if (!file) throw new Error(`no tarball for ${name}`);
  return file;
}

/** A consumer project on disk. */
export class Project {
  constructor(
    readonly name: string,
    readonly dir: string,
  ) {}

  /** Write a file (folders created). */
  write(file: string, text: string): void {
    mkdirSync(dirname(join(this.dir, file)), { recursive: true });
    writeFileSync(join(this.dir, file), text);
  }

  /** Read a file of the project. */
  read(file: string): string {
    return readFileSync(join(this.dir, file), "utf8");
  }

  /**
   * `npm install <specs>`, as a user types it: our packages by tarball path,
   * everything else from the registry. Records the figures for the report and
   * checks that every @hamilton-ts package came from a tarball, once.
   */
  install(specs: readonly string[], options: { dev?: boolean; timeoutMs?: number } = {}): InstallFigures {
    const started = Date.now();
    const flags = ["install", "--no-audit", "--no-fund", "--loglevel=error", ...(options.dev ? ["--save-dev"] : [])];
    const r = this.exec("npm", [...flags, ...specs], { timeoutMs: options.timeoutMs ?? 280_000 });
    const seconds = (Date.now() - started) / 1000;
    if (r.code !== 0) throw new Error(`npm install ${specs.join(" ")} failed (${r.code}) after ${seconds.toFixed(1)} s:\n${r.stderr.slice(-4000)}`);
    const lock = JSON.parse(this.read("package-lock.json")) as { packages: Record<string, { resolved?: string; version?: string }> };
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (!/(^|\/)node_modules\/@hamilton-ts\//.test(path)) continue;
      if (path.split("node_modules/").length > 2) throw new Error(`a second copy of an @hamilton-ts package was installed at ${path}`);
      if (!entry.resolved?.startsWith("file:")) throw new Error(`${path} did not come from our tarball (resolved: ${entry.resolved ?? "?"})`);
    }
    const du = spawnSync("du", ["-sb", join(this.dir, "node_modules")], { encoding: "utf8" });
    const figures = { seconds, bytes: Number(du.stdout.split("\t")[0]), packages: Object.keys(lock.packages).length - 1 };
    // the figures of the first install: what the user's app needs; tools and plugins added after it are not counted
    const report = join(inject("reportDir"), `${this.name}.json`);
    if (!existsSync(report)) writeFileSync(report, JSON.stringify({ name: this.name, ...figures }));
    return figures;
  }

  /** Run `node args…` in the project. */
  node(args: readonly string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Run {
    return this.exec(process.execPath, args, options);
  }

  /** Type-check with `tsc -p <tsconfig>` (the workspace's compiler, the project's types). */
  tsc(tsconfig: string): Run {
    return this.node([tsc, "-p", tsconfig, "--pretty", "false"]);
  }

  /** Run a command in the project, with no NODE_OPTIONS or NODE_PATH leaking in from the workspace. */
  exec(command: string, args: readonly string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Run {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (v !== undefined && !/^(NODE_OPTIONS|NODE_PATH|VITEST.*|npm_.*|PNPM_.*|INIT_CWD|TEST|FORCE_COLOR)$/i.test(k)) env[k] = v;
    }
    const r: SpawnSyncReturns<string> = spawnSync(command, [...args], {
      cwd: this.dir,
      encoding: "utf8",
      env: { ...env, NO_COLOR: "1", ...options.env },
      timeout: options.timeoutMs ?? 120_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: r.status, stdout: r.stdout ?? "", stderr: (r.stderr ?? "") + (r.error ? `\n${r.error.message}` : "") };
  }

  /** Remove the project (kept with KEEP_CONSUMERS=1, to look at). */
  remove(): void {
    if (process.env.KEEP_CONSUMERS) console.log(`kept ${this.name} at ${this.dir}`);
    else rmSync(this.dir, { recursive: true, force: true });
  }
}
