import { createHash, randomBytes } from "node:crypto";
import { access, mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { CacheEntry, CacheStore } from "@hamilton-ts/kernel/contracts";
import { decodeEntry, encodeEntry } from "./entry-file.js";

interface StoredRecord {
  readonly key: string;
  readonly dataVersion: string;
  readonly value: unknown;
}

function isRecord(v: unknown): v is StoredRecord {
  const r = v as StoredRecord;
  return typeof v === "object" && v !== null && typeof r.key === "string" && typeof r.dataVersion === "string" && "value" in r;
}

function errorCode(error: unknown): string | undefined {
  return (error as { code?: string } | null)?.code;
}

/**
 * A cache store in a folder: one file per entry, written through the kernel's
 * codecs (Arrow Tables as IPC bytes), so results survive the process and are
 * shared by every process that points at the folder.
 *
 * - Writes are atomic: a temporary file in the same folder, then a rename, so
 *   a reader sees a whole entry or none, whoever else is writing.
 * - Every entry carries its length and a checksum; a truncated or corrupt file
 *   makes `get` reject, which the cache reports as a `store-error` and treats
 *   as a miss (the node runs again and the entry is rewritten).
 * - Large binary data (Arrow IPC bytes, typed arrays of 4 KiB and more) is
 *   stored raw and 64-byte aligned, and read back as views of the file's
 *   bytes, without a copy.
 *
 * @example
 * import { FileCacheStore } from "@hamilton-ts/cache";
 * const dr = await new Builder().withModules(pipeline).withCache({ store: new FileCacheStore(".hamilton-cache") }).build();
 */
export class FileCacheStore implements CacheStore {
  readonly specificationVersion = "v1" as const;
  /** The folder, as an absolute path. */
  readonly path: string;

  /** @param path the folder (created on first write); relative paths resolve against the working directory. */
  constructor(path: string | URL) {
    if (path instanceof URL) path = fileURLToPath(path);
    if (typeof path !== "string" || path === "") throw new TypeError("FileCacheStore needs a folder path, e.g. new FileCacheStore(\".hamilton-cache\").");
    this.path = resolve(path);
  }

  /** The file an entry lives in: a hash of its key, fanned out over 256 folders. */
  fileOf(key: string): string {
    const name = createHash("sha256").update(key).digest("hex");
    return join(this.path, "v1", name.slice(0, 2), `${name.slice(2)}.entry`);
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    const file = this.fileOf(key);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (error) {
      if (errorCode(error) === "ENOENT") return undefined;
      throw new Error(`FileCacheStore: cannot read ${file}: ${(error as Error).message}`, { cause: error });
    }
    let record: unknown;
    try {
      record = decodeEntry(bytes);
    } catch (error) {
      throw new Error(`FileCacheStore: the entry ${file} is corrupt (${(error as Error).message}); it will be rewritten`, { cause: error });
    }
    if (!isRecord(record) || record.key !== key) throw new Error(`FileCacheStore: the entry ${file} does not hold key ${JSON.stringify(key)}; it will be rewritten`);
    return { dataVersion: record.dataVersion, value: record.value };
  }

  async set(key: string, entry: CacheEntry): Promise<void> {
    // serialise now: the caller may reuse the entry's buffers once this returns
    const pieces = encodeEntry({ key, dataVersion: entry.dataVersion, value: entry.value } satisfies StoredRecord);
    const file = this.fileOf(key);
    await mkdir(dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
    try {
      const handle = await open(temp, "wx");
      try {
        await handle.writev(pieces);
      } finally {
        await handle.close();
      }
      await renameRetrying(temp, file);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw new Error(`FileCacheStore: cannot write ${file}: ${(error as Error).message}`, { cause: error });
    }
  }

  async has(key: string): Promise<boolean> {
    try {
      await access(this.fileOf(key));
      return true;
    } catch {
      return false;
    }
  }
}

// Windows refuses to replace a file another process has open; retry briefly (POSIX rename never fails so)
async function renameRetrying(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rename(from, to);
      return;
    } catch (error) {
      const code = errorCode(error);
      if ((code !== "EPERM" && code !== "EBUSY" && code !== "EACCES") || attempt >= 20) throw error;
      await new Promise((r) => setTimeout(r, 5 * (attempt + 1)));
    }
  }
}
