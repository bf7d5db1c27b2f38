import { Cluster, Redis, type RedisOptions } from "ioredis";

/**
 * Where Redis is: a `redis://` / `rediss://` URL, ioredis options (`host`, `port`,
 * `username`, `password`, `db`, `tls`, …), or an ioredis `Redis` / `Cluster`
 * instance (duplicated, never closed by hamilton-ts). Auth and TLS work as
 * ioredis documents them.
 */
export type RedisConnection = string | RedisOptions | Redis | Cluster;

/** The ioredis options a URL stands for. */
export interface ParsedRedisUrl {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
  tls?: Record<string, never>;
}

/**
 * Parse `redis://[[user]:password@]host[:port][/db]` (or `rediss://` for TLS)
 * into ioredis options, as the `hamilton-ts worker --redis` flag takes it.
 *
 * @example
 * parseRedisUrl("rediss://worker:s3cret@redis.internal:6380/2")
 * // { host: "redis.internal", port: 6380, username: "worker", password: "s3cret", db: 2, tls: {} }
 */
export function parseRedisUrl(url: string): ParsedRedisUrl {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`"${url}" is not a Redis URL; write redis://[user:password@]host[:port][/db] (rediss:// for TLS).`);
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") {
    throw new Error(`"${url}" is not a Redis URL (scheme ${u.protocol}); write redis://host:port or rediss://host:port.`);
  }
  const out: ParsedRedisUrl = { host: u.hostname.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1", port: u.port ? Number(u.port) : 6379 };
  if (u.username) out.username = decodeURIComponent(u.username);
  if (u.password) out.password = decodeURIComponent(u.password);
  const db = u.pathname.replace(/^\//, "");
  if (db) {
    if (!/^\d+$/.test(db)) throw new Error(`"${url}": the path must be a database number, got "${db}".`);
    out.db = Number(db);
  }
  if (u.protocol === "rediss:") out.tls = {};
  return out;
}

/** Accept a URL string or ioredis options or instance: everything but a string as it is. */
export function toConnectionOptions(connection: RedisConnection): RedisOptions | Redis | Cluster {
  return typeof connection === "string" ? parseRedisUrl(connection) : connection;
}

function isClient(c: unknown): c is Redis | Cluster {
  return typeof c === "object" && c !== null && typeof (c as Redis).duplicate === "function" && typeof (c as Redis).connect === "function";
}

/**
 * A Redis client of our own for one BullMQ object (Queue, QueueEvents, Worker).
 * hamilton-ts creates every client itself, from this package's `ioredis`, so
 * BullMQ 5 and 6 (whose ioredis is an optional peer) see the same thing, and
 * closes it itself. A caller's instance is duplicated, never closed.
 * `maxRetriesPerRequest: null` is what BullMQ requires of blocking clients.
 */
export function createClient(connection: RedisConnection, name?: string): Redis | Cluster {
  const o = toConnectionOptions(connection);
  const own: RedisOptions = { maxRetriesPerRequest: null, ...(name ? { connectionName: name } : {}) };
  if (isClient(o)) return o instanceof Cluster || (o as { isCluster?: boolean }).isCluster ? (o as Cluster).duplicate() : (o as Redis).duplicate(own);
  return new Redis({ ...o, ...own });
}

/** A short, password-free description of the connection for error messages. */
export function describeConnection(connection: RedisConnection): string {
  const o = toConnectionOptions(connection) as { host?: string; port?: number; options?: { host?: string; port?: number }; path?: string };
  if (o.path) return o.path;
  const host = o.host ?? o.options?.host ?? "127.0.0.1";
  const port = o.port ?? o.options?.port ?? 6379;
  return `${host}:${port}`;
}

/** Close a client we created: politely, then by dropping the socket if Redis is gone. */
export async function closeClient(client: Redis | Cluster, politeMs = 1000): Promise<void> {
  if (client.status === "end") return;
  if (client.status !== "ready") return client.disconnect();
  const polite = client.quit().then(
    () => true,
    () => false,
  );
  const ok = await Promise.race([polite, new Promise<boolean>((r) => setTimeout(() => r(false), politeMs).unref())]);
  if (!ok) client.disconnect();
}
