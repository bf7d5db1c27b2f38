import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { FileCacheStore } from "../src/index.js";

const hammer = fileURLToPath(new URL("./fixtures/hammer.mts", import.meta.url));
const driverHammer = fileURLToPath(new URL("./fixtures/driver-hammer.mts", import.meta.url));

function child(dir: string, id: number, rounds: number): Promise<{ writes: number; reads: number; found: number; inconsistent: number; errors: string[] }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--import", "tsx", hammer, dir, String(id), String(rounds)], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    p.on("error", reject);
    p.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`writer ${id} exited ${code}: ${err}`))));
  });
}

describe("several processes sharing one folder", () => {
  test("concurrent writers and readers of the same keys: every read is a whole entry or none, never torn", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hamilton-cache-mp-"));
    try {
      const results = await Promise.all([1, 2, 3, 4].map((id) => child(dir, id, 12)));
      for (const r of results) {
        expect(r.errors).toEqual([]);
        expect(r.inconsistent).toBe(0);
        expect(r.writes).toBe(96);
      }
      expect(results.reduce((a, r) => a + r.found, 0)).toBeGreaterThan(0);
      const store = new FileCacheStore(dir);
      for (let k = 0; k < 8; k++) {
        const entry = await store.get(`shared-${k}`);
        expect(entry?.dataVersion).toMatch(new RegExp(`^shared-${k}:[1-4]011$`)); // the last round of some writer
      }
      expect((await readdir(dir, { recursive: true })).map(String).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

interface DriverStats {
  runs: number;
  hits: number;
  wrong: string[];
  storeErrors: string[];
  errors: string[];
  stored: string[];
  hitKeys: string[];
}

function driverChild(dir: string, id: number, rounds: number, variant: "a" | "b"): Promise<DriverStats> {
  return new Promise((resolve, reject) => {
    // the kernel's source, as the tests use it (no build needed)
    const p = spawn(process.execPath, ["--conditions", "hamilton-ts:source", "--import", "tsx", driverHammer, dir, String(id), String(rounds), variant], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    p.on("error", reject);
    p.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out) as DriverStats) : reject(new Error(`driver ${id} exited ${code}: ${err}`))));
  });
}

describe("several processes running Drivers over one folder", () => {
  test("each run gets its own seed's and variant's values: never another process's stale entry, never a torn one; entries are shared", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hamilton-cache-drivers-"));
    try {
      const variants = ["a", "b", "a", "b"] as const;
      const results = await Promise.all(variants.map((v, i) => driverChild(dir, i + 1, 10, v)));
      for (const r of results) {
        expect(r.errors).toEqual([]);
        expect(r.wrong).toEqual([]);
        expect(r.storeErrors).toEqual([]);
        expect(r.runs).toBe(10);
      }
      // entries written by one process answer another: some hit keys were never stored by the process that hit them
      const crossHits = results.reduce((n, r) => n + r.hitKeys.filter((k) => !r.stored.includes(k)).length, 0);
      expect(crossHits).toBeGreaterThan(0);
      // both variants' entries live side by side: a fresh driver of each reads its own seeds back, all hits
      for (const v of variants.slice(0, 2)) {
        const again = await driverChild(dir, 0, 4, v);
        expect(again.wrong).toEqual([]);
        expect(again.errors).toEqual([]);
        expect(again.stored).toEqual([]);
        expect(again.hits).toBe(8);
      }
      expect((await readdir(dir, { recursive: true })).map(String).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
