import { SerializationError } from "../errors.js";
import { getCodec, registeredCodecModules } from "../codec/codec-registry.js";
import { decodeValue, missingCodecs, type DecodeOptions } from "../codec/decode-value.js";
import { encodeValue, MISSING_CODEC, type EncodeOptions, type WireEnvelope } from "../codec/encode-value.js";
import { importerNear, type ModuleImporter } from "./module-importer.js";

/** Options of `CodecModules`. */
export interface CodecModulesOptions {
  /**
   * Codec modules this side may import when a value needs them, beyond the
   * modules of codecs already registered here: the allow-list. A worker takes
   * its driver's `ExecutorContext.codecModules` (a trusted setup channel) plus
   * those its user names; a BullMQ worker only its own `codecModules`.
   */
  readonly allow?: Iterable<string>;
  /** How to import one (default: resolved from the working directory, see `importerNear`). */
  readonly importModule?: ModuleImporter;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The codec modules one side of a boundary may import, imported only when a
 * value needs them: when a value to decode names a codec not registered here,
 * or when a value to encode holds an object no registered codec accepts (then
 * every allowed module not imported yet is imported, and the encode retried).
 * A module off the allow-list is a SerializationError, never an `import()`:
 * a value is data, and data never decides what code runs.
 */
export class CodecModules {
  private readonly allowed: ReadonlySet<string>;
  private readonly importModule: ModuleImporter;
  private readonly loads = new Map<string, Promise<void>>();
  /** Modules whose import failed: not tried again for every value. */
  private readonly failed = new Set<string>();

  constructor(options: CodecModulesOptions = {}) {
    this.allowed = new Set(options.allow ?? []);
    this.importModule = options.importModule ?? importerNear([]);
  }

  /** Whether `specifier` may be imported here. */
  allows(specifier: string): boolean {
    return this.allowed.has(specifier) || registeredCodecModules().has(specifier);
  }

  /** The allow-list, for messages. */
  private describeAllowed(): string {
    const all = [...new Set([...this.allowed, ...registeredCodecModules()])];
    return all.length > 0 ? all.map((m) => `"${m}"`).join(", ") : "empty";
  }

  /** Import an allowed module once (concurrent callers share one import). */
  load(specifier: string): Promise<void> {
    if (!this.allows(specifier)) {
      return Promise.reject(
        new SerializationError(`Codec module "${specifier}" is not on this side's allow-list (${this.describeAllowed()}), so it is not imported. Add it to the executor's or worker's codecModules.`),
      );
    }
    let p = this.loads.get(specifier);
    if (!p) {
      p = this.importModule(specifier).then(
        () => undefined,
        (cause: unknown) => {
          this.loads.delete(specifier);
          throw new SerializationError(
            `Cannot import codec module "${specifier}" here: ${errorText(cause)}. Install it where the worker runs, or import it from the pipeline module.`,
            undefined,
            { cause },
          );
        },
      );
      this.loads.set(specifier, p);
    }
    return p;
  }

  /** Whether decoding `wire` needs a module imported first. */
  needsImport(wire: unknown): boolean {
    return missingCodecs(wire).length > 0;
  }

  /** Decode a wire value, importing the allowed modules of any codec it needs that is not registered yet. */
  async decode(wire: unknown, options: DecodeOptions = {}): Promise<unknown> {
    for (const c of missingCodecs(wire, options)) {
      const what = `The value${options.nodeName !== undefined ? ` of "${options.nodeName}"` : ""} needs codec "${c.id}"`;
      if (c.module === undefined) throw new SerializationError(`${what}, which is not registered here, and the sender did not say which module provides it.`, options.nodeName);
      if (!this.allows(c.module)) {
        throw new SerializationError(
          `${what} from module "${c.module}", which is not on this side's allow-list (${this.describeAllowed()}), so it is not imported. ` +
            `If you trust it, add it to the executor's or worker's codecModules.`,
          options.nodeName,
        );
      }
      await this.load(c.module);
      if (!getCodec(c.id)) throw new SerializationError(`${what}, but importing "${c.module}" did not register it.`, options.nodeName);
    }
    return decodeValue(wire, options);
  }

  /**
   * Encode a value; if it holds an object no registered codec accepts, import
   * every allowed codec module not imported yet and try again.
   */
  async encode(value: unknown, options: EncodeOptions = {}): Promise<WireEnvelope> {
    for (;;) {
      try {
        return encodeValue(value, options);
      } catch (error) {
        if (!MISSING_CODEC.has(error as SerializationError) || !(await this.loadRemaining())) throw error;
      }
    }
  }

  /** Import every allowed module not imported yet; true when at least one new import succeeded. */
  private async loadRemaining(): Promise<boolean> {
    let any = false;
    for (const m of this.allowed) {
      if (this.loads.has(m) || this.failed.has(m) || registeredCodecModules().has(m)) continue;
      try {
        await this.load(m);
        any = true;
      } catch {
        this.failed.add(m);
        // a module that cannot be imported here may not be the one this value needs; the encode error says the rest
      }
    }
    return any;
  }
}

/**
 * Import codec modules (each registers its codecs); already registered ones
 * cost nothing. The caller chose these modules: no allow-list applies.
 */
export async function loadCodecModules(specifiers: readonly string[], importModule?: ModuleImporter): Promise<void> {
  const codecs = new CodecModules({ allow: specifiers, importModule });
  for (const s of specifiers) if (!registeredCodecModules().has(s)) await codecs.load(s);
}

/** Options of `decodeValueAsync`. */
export interface DecodeAsyncOptions extends DecodeOptions, CodecModulesOptions {}

/**
 * Like `decodeValue`, but first imports the modules of any codec not yet
 * registered, if they are allowed (`options.allow`, plus the modules of codecs
 * registered here); any other module is a SerializationError.
 */
export function decodeValueAsync(wire: unknown, options: DecodeAsyncOptions | ModuleImporter = {}): Promise<unknown> {
  // (an importer alone: the form of earlier versions)
  const opts: DecodeAsyncOptions = typeof options === "function" ? { importModule: options } : options;
  return new CodecModules(opts).decode(wire, opts);
}
