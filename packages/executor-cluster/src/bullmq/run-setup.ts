// What a run's jobs share: the modules and config its driver built the graph
// from, and the graph's fingerprint. Stored once in Redis under a content hash
// (jobs carry only the hash), so one worker fleet can serve many pipelines:
// each job says which graph it needs.
import { createHash } from "node:crypto";
import { deserialize, serialize } from "node:v8";
import { GraphError, SerializationError } from "@hamilton-ts/kernel";
import type { ExecutorContext } from "@hamilton-ts/kernel/contracts";
import { toModuleUrl, workerSetupOf, type ModuleLocation } from "@hamilton-ts/kernel/remote";

/** The modules, config and fingerprint of a driver's graph. */
export interface RunSetup {
  /** Module URLs (or package specifiers) as the driver has them, in order. */
  readonly modules: readonly string[];
  readonly config: Readonly<Record<string, unknown>>;
  readonly allowModuleOverrides: boolean;
  readonly fingerprint: string;
}

/** A setup with its id and the bytes stored in Redis. */
export interface EncodedSetup {
  readonly id: string;
  readonly blob: string;
  readonly setup: RunSetup;
}

/** Setup records expire a week after the last run that used them wrote them. */
export const SETUP_TTL_SECONDS = 7 * 24 * 3600;

/** The Redis key of a setup record, next to the queue's own keys. */
export function setupKey(prefix: string, queueName: string, id: string): string {
  return `${prefix}:${queueName}:hamilton-setup:${id}`;
}

function idOf(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("base64url").slice(0, 22);
}

const setups = new WeakMap<ExecutorContext, EncodedSetup>();

/** Driver side: the setup of a run (computed once per run context). */
export function setupOf(context: ExecutorContext): EncodedSetup {
  let s = setups.get(context);
  if (s) return s;
  const w = workerSetupOf(context);
  s = encodeSetup({ modules: w.modules, config: w.config, allowModuleOverrides: w.allowModuleOverrides, fingerprint: context.graphFingerprint });
  setups.set(context, s);
  return s;
}

/** A setup as stored in Redis, with its content id. */
export function encodeSetup(setup: RunSetup): EncodedSetup {
  let bytes: Buffer;
  try {
    bytes = serialize(setup);
  } catch (cause) {
    throw new SerializationError(
      `The driver's config cannot be sent to BullMQ workers (${cause instanceof Error ? cause.message : String(cause)}). Keep config plain data.`,
      undefined,
      { cause },
    );
  }
  return { id: idOf(bytes), blob: bytes.toString("base64"), setup };
}

/** Worker side: decode a setup record and check it is the one its id names. */
export function decodeSetup(id: string, blob: string): RunSetup {
  const bytes = Buffer.from(blob, "base64");
  if (idOf(bytes) !== id) throw new GraphError(`The run setup ${id} in Redis does not match its id (was it overwritten?). Run the driver again.`);
  const s = deserialize(bytes) as Partial<RunSetup> | null;
  if (
    typeof s !== "object" || s === null || !Array.isArray(s.modules) || !s.modules.every((m) => typeof m === "string") ||
    typeof s.config !== "object" || s.config === null || typeof s.fingerprint !== "string" || typeof s.allowModuleOverrides !== "boolean"
  ) {
    throw new GraphError(`The run setup ${id} in Redis is not a hamilton-ts setup.`);
  }
  return s as RunSetup;
}

function segments(url: string): string[] {
  return url.replace(/^file:\/\//, "").split(/[\\/]/).filter(Boolean);
}

function sharedTail(a: readonly string[], b: readonly string[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[a.length - 1 - n] === b[b.length - 1 - n]) n++;
  return n;
}

/**
 * Worker side: the allow-list. Each module a job names must be one the worker
 * was started with: the same URL or package specifier, or else the one
 * allowed module whose path ends the same way (same file name, and as many
 * parent folders as tell it apart), so a driver and a worker may keep the code
 * at different paths. Returns the worker's own locations, in the job's order.
 */
export function matchModules(requested: readonly string[], allowed: readonly ModuleLocation[]): string[] {
  const urls = allowed.map((m) => toModuleUrl(m));
  const segs = urls.map(segments);
  return requested.map((r) => {
    if (urls.includes(r)) return r;
    const want = segments(r);
    let best = 0;
    let found: number[] = [];
    segs.forEach((s, i) => {
      const n = sharedTail(s, want);
      if (n > best) (best = n), (found = [i]);
      else if (n === best && n > 0) found.push(i);
    });
    if (best > 0 && found.length === 1) return urls[found[0]!]!;
    const why = found.length > 1 ? `it could be any of ${found.map((i) => urls[i]).join(", ")}` : "it is not in this worker's modules";
    throw new GraphError(
      `A job needs module "${r}", but ${why}. Start the worker with every module of the pipelines it serves ` +
        `(startWorker({ modules }) or hamilton-ts worker --module); it serves ${urls.join(", ") || "none"}.`,
    );
  });
}

/** A stable text of plain data, for comparing configs whatever their key order. */
export function stableText(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableText).join(",")}]`;
  if (v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableText((v as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return typeof v === "bigint" ? `${v}n` : v instanceof Date ? `Date(${v.toISOString()})` : (JSON.stringify(v) ?? String(v));
}
