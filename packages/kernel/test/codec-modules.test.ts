import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { deserialize, serialize } from "node:v8";
import { afterAll, describe, expect, test } from "vitest";
import { NodeExecutionError, SerializationError } from "../src/index.js";
import { getCodec } from "../src/contracts.js";
import { decodeTaskResult, errorFromWire, importerNear, runWireTask, TaskRunner, WIRE_KEY, type WireNodeEvent, type WireTaskRequest, type WireTaskResult } from "../src/remote.js";

// An app outside the kernel's reach, as under pnpm: the pipeline, a package of
// classes it uses, and a codec package for them that only the app depends on.
const root = mkdtempSync(join(tmpdir(), "hamilton-codec-modules-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let apps = 0;

type Counters = Record<string, number | undefined>;
const counters = globalThis as unknown as Counters;

function makeApp() {
  const n = ++apps;
  const app = join(root, `app${n}`);
  const things = `fake-things-${n}`;
  const codec = `@fake/codec-${n}`;
  const codecDir = join(app, "node_modules", "@fake", `codec-${n}`);
  mkdirSync(join(app, "node_modules", things), { recursive: true });
  mkdirSync(join(codecDir, "features"), { recursive: true });
  writeFileSync(join(app, "node_modules", things, "package.json"), JSON.stringify({ name: things, type: "module", exports: "./index.js" }));
  writeFileSync(join(app, "node_modules", things, "index.js"), "export class Thing { constructor(n) { this.n = n; } }\n");
  writeFileSync(
    join(codecDir, "package.json"),
    JSON.stringify({
      name: codec,
      type: "module",
      exports: {
        ".": { types: "./index.d.ts", require: "./register.cjs", import: "./register.mjs" },
        "./sub": { node: { import: "./sub.mjs" }, default: "./nope.mjs" },
        "./features/*": "./features/*.mjs",
      },
    }),
  );
  const id = `fake/thing-${n}`;
  writeFileSync(
    join(codecDir, "register.mjs"),
    `import { Thing } from "${things}";
globalThis["loads${n}"] = (globalThis["loads${n}"] ?? 0) + 1;
const registry = globalThis[Symbol.for("hamilton-ts.codec-registry")];
const codec = { id: "${id}", module: "${codec}", test: (v) => v instanceof Thing, encode: (t) => ({ data: t.n }), decode: (d) => new Thing(d) };
registry.codecs.set(codec.id, codec);
registry.list = [...registry.codecs.values()];
`,
  );
  writeFileSync(join(codecDir, "register.cjs"), `globalThis["cjs${n}"] = 1;\n`);
  writeFileSync(join(codecDir, "sub.mjs"), `globalThis["sub${n}"] = 1;\n`);
  writeFileSync(join(codecDir, "features", "x.mjs"), `globalThis["feature${n}"] = 1;\n`);
  writeFileSync(
    join(app, "pipeline.mjs"),
    `import { Thing } from "${things}";
export function makes_thing() { return new Thing(3); }
export function takes_thing(thing) { return thing instanceof Thing ? thing.n * 2 : "not a Thing"; }
export function plain(x) { return x + 1; }
export function returns_marker() { return { ["${WIRE_KEY}"]: "${"$"}{0}", module: "data:text/javascript,globalThis.markerPwned=1", data: [1] }; }
`,
  );
  const pipeline = pathToFileURL(join(app, "pipeline.mjs"));
  return { n, codec, id, pipeline, loads: () => counters[`loads${n}`] ?? 0 };
}

const request = (runner: TaskRunner, node: string, inputs: Record<string, unknown> = {}): WireTaskRequest => ({
  runId: "r",
  taskId: `t-${node}`,
  nodes: [node],
  inputs,
  outputs: [node],
  expanders: [],
  graphFingerprint: runner.fingerprint,
});

describe("importerNear", () => {
  test("resolves a package from the pipeline's node_modules with Node's import conditions, which the kernel alone cannot", async () => {
    const app = makeApp();
    await expect(import(/* @vite-ignore */ app.codec)).rejects.toThrow();
    const importModule = importerNear([app.pipeline]);
    await importModule(app.codec);
    expect(app.loads()).toBe(1);
    expect(counters[`cjs${app.n}`]).toBeUndefined();
    await importModule(`${app.codec}/sub`);
    expect(counters[`sub${app.n}`]).toBe(1);
    await importModule(`${app.codec}/features/x`);
    expect(counters[`feature${app.n}`]).toBe(1);
    await expect(importModule("@fake/not-installed-anywhere")).rejects.toThrow();
  });
});

describe("codec modules in a worker", () => {
  test("are imported only when a value needs them, never at start", async () => {
    const app = makeApp();
    const runner = await TaskRunner.create({ modules: [app.pipeline], codecModules: [app.codec] });
    expect(app.loads()).toBe(0);
    const { result } = await runWireTask(runner, request(runner, "plain", { x: 1 }));
    expect(result).toMatchObject({ ok: true, outputs: { plain: 2 } });
    expect(app.loads()).toBe(0);
  });

  test("an output no registered codec accepts: the allowed modules are imported (from the pipeline's location), then it encodes", async () => {
    const app = makeApp();
    const runner = await TaskRunner.create({ modules: [app.pipeline], codecModules: [app.codec] });
    const { result } = await runWireTask(runner, request(runner, "makes_thing"));
    expect(result.ok).toBe(true);
    expect(app.loads()).toBe(1);
    const out = (result as { outputs: Record<string, { codecs: { id: string; module: string }[] }> }).outputs.makes_thing;
    expect(out.codecs[0]).toMatchObject({ id: app.id, module: app.codec, data: 3 });
    // the next one needs no import
    await runWireTask(runner, request(runner, "makes_thing"));
    expect(app.loads()).toBe(1);
  });

  test("without the module on its allow-list, the worker imports nothing and names the node", async () => {
    const app = makeApp();
    const runner = await TaskRunner.create({ modules: [app.pipeline] });
    const { result } = await runWireTask(runner, request(runner, "makes_thing"));
    expect(result.ok).toBe(false);
    const e = errorFromWire(result as never) as SerializationError;
    expect(SerializationError.isInstance(e)).toBe(true);
    expect(e.nodeName).toBe("makes_thing");
    expect(e.message).toMatch(/instance of Thing, and no codec is registered/);
    expect(app.loads()).toBe(0);
  });

  test("an input naming a codec: its module is imported if allowed, refused otherwise", async () => {
    const app = makeApp();
    const entry = { id: app.id, module: app.codec, data: 21 };
    const input = () => ({ thing: { [WIRE_KEY]: 1, codecs: [entry], value: entry, root: true } });

    const strict = await TaskRunner.create({ modules: [app.pipeline], codecModules: [] });
    const refused = await runWireTask(strict, request(strict, "takes_thing", input()));
    expect(refused.result.ok).toBe(false);
    expect((errorFromWire(refused.result as never) as Error).message).toMatch(new RegExp(`needs codec "${app.id}" from module "${app.codec}", which is not on this side's allow-list`));
    expect(app.loads()).toBe(0);
    expect(getCodec(app.id)).toBeUndefined();

    const allowed = await TaskRunner.create({ modules: [app.pipeline], codecModules: [app.codec] });
    const { result } = await runWireTask(allowed, request(allowed, "takes_thing", input()));
    expect(result).toMatchObject({ ok: true, outputs: { takes_thing: 42 } });
    expect(app.loads()).toBe(1);
  });
});

describe("outputs that carry the marker key", () => {
  test("arrive in the driver as data, and nothing is imported", async () => {
    const app = makeApp();
    const runner = await TaskRunner.create({ modules: [app.pipeline] });
    const { result } = await runWireTask(runner, request(runner, "returns_marker"));
    const outputs = await decodeTaskResult(deserialize(serialize(result)) as WireTaskResult, { allow: [] });
    expect(outputs.returns_marker).toEqual({ [WIRE_KEY]: "${0}", module: "data:text/javascript,globalThis.markerPwned=1", data: [1] });
    expect(counters.markerPwned).toBeUndefined();
  });
});

describe("node events from a worker", () => {
  test("pre/post only when asked; a failing node's post event carries its error", async () => {
    const runner = await TaskRunner.create({ modules: [new URL("./fixtures/errors-pipeline.mjs", import.meta.url)] });
    const quiet: WireNodeEvent[] = [];
    await runWireTask(runner, request(runner, "throws_coded"), { events: false, onNodeEvent: (e) => quiet.push(e) });
    expect(quiet).toEqual([]);
    const loud: WireNodeEvent[] = [];
    const { result } = await runWireTask(runner, request(runner, "throws_coded"), { events: true, onNodeEvent: (e) => loud.push(e) });
    expect(loud.map((e) => e.type)).toEqual(["pre", "post"]);
    expect(loud[1]!.success).toBe(false);
    expect(NodeExecutionError.isInstance(errorFromWire(result as never))).toBe(true);
  });
});
