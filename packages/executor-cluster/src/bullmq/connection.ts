import type { ConnectionOptions } from "bullmq";

/**
 * Where Redis is: a `redis://` / `rediss://` URL, ioredis options (`host`, `port`,
 * `username`, `password`, `db`, `tls`, …) or an ioredis instance. Options pass
 * straight through to BullMQ, so auth and TLS work as ioredis documents them.
 */
export type RedisConnection = string | ConnectionOptions;

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

/** Accept a URL string or anything BullMQ takes as a connection. */
export function toConnectionOptions(connection: RedisConnection): ConnectionOptions {
  return typeof connection === "string" ? parseRedisUrl(connection) : connection;
}

/** A short, password-free description of the connection for error messages. */
export function describeConnection(connection: RedisConnection): string {
  const o = toConnectionOptions(connection) as { host?: string; port?: number; options?: { host?: string; port?: number }; path?: string };
  if (o.path) return o.path;
  const host = o.host ?? o.options?.host ?? "127.0.0.1";
  const port = o.port ?? o.options?.port ?? 6379;
  return `${host}:${port}`;
}
