import { Queue, QueueEvents } from "bullmq";
import type { Cluster, Redis } from "ioredis";
import { closeClient, createClient, type RedisConnection } from "./connection.js";

/** The Redis side of one executor while runs are active: a Queue to add jobs, QueueEvents to hear results. */
export interface Session {
  readonly queue: Queue;
  readonly events: QueueEvents;
  /** Our own client: the Queue's connection, and raw commands (setups, the event stream's position). */
  readonly client: Redis | Cluster;
  /** The QueueEvents client (BullMQ's duplicate of ours). */
  readonly eventsClient: StatusClient;
  /** Setup ids written in this session. */
  readonly setups: Set<string>;
}

export interface SessionOptions {
  readonly connection: RedisConnection;
  readonly queueName: string;
  readonly prefix: string;
  readonly timeoutMs: number;
  readonly where: string;
}

function withTimeout<T>(p: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(error()), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

const ignore = (): void => undefined;

/** Resolve once an ioredis client is ready (ioredis connects by itself). */
function ready(client: Redis | Cluster): Promise<void> {
  if (client.status === "ready") return Promise.resolve();
  return new Promise((resolve) => {
    const onReady = () => (client.off("ready", onReady), resolve());
    client.on("ready", onReady);
  });
}

/**
 * Connect a Queue and a QueueEvents. QueueEvents starts reading the event stream
 * from its last entry before any job is added, so no result is missed. The
 * position is read with our own ioredis client, the same under BullMQ 5 and 6
 * (BullMQ 6 wraps its clients and no longer hands out ioredis).
 */
export async function openSession(o: SessionOptions): Promise<Session> {
  const unreachable = () =>
    new Error(`BullMQExecutor: cannot reach Redis at ${o.where} within ${o.timeoutMs} ms (queue "${o.queueName}"). Is Redis running, and are host, port, password and TLS right?`);
  const client = createClient(o.connection);
  client.on("error", ignore);
  let queue: Queue | undefined;
  let events: QueueEvents | undefined;
  try {
    await withTimeout(ready(client), o.timeoutMs, unreachable);
    // ioredis instances typed by our ioredis; BullMQ 5 and 6 both accept them
    queue = new Queue(o.queueName, { connection: client as never, prefix: o.prefix });
    queue.on("error", ignore);
    const key = `${o.prefix}:${o.queueName}:events`;
    const last = await withTimeout(client.xrevrange(key, "+", "-", "COUNT", 1), o.timeoutMs, unreachable);
    events = new QueueEvents(o.queueName, { connection: client as never, prefix: o.prefix, lastEventId: last[0]?.[0] ?? "0-0", autorun: true });
    events.on("error", ignore);
    await withTimeout(Promise.all([queue.waitUntilReady(), events.waitUntilReady()]), o.timeoutMs, unreachable);
    const eventsClient = (await rawClientOf(events)) ?? { status: client.status, disconnect: ignore };
    return { queue, events, client, eventsClient, setups: new Set() };
  } catch (error) {
    await closeParts(queue, events, client);
    throw error;
  }
}

interface StatusClient {
  readonly status: string;
  disconnect(): void;
}

/** The Redis client under a BullMQ object: `client` in BullMQ 5, the backend's in BullMQ 6. */
export function rawClientOf(x: unknown): Promise<StatusClient | undefined> {
  const o = x as { client?: Promise<StatusClient>; getBackend?: () => { client?: Promise<StatusClient> } };
  return Promise.resolve(o.client ?? o.getBackend?.()?.client).catch(() => undefined);
}

/** Whether every connection of the session is up. */
export function sessionUp(s: Session): boolean {
  return s.client.status === "ready" && s.eventsClient.status === "ready";
}

/** How many BullMQ workers listen on the queue, or undefined when Redis won't say (CLIENT LIST not allowed). */
export async function workerCount(s: Session): Promise<number | undefined> {
  try {
    return (await s.queue.getWorkers()).length;
  } catch {
    return undefined;
  }
}

async function closeParts(queue: Queue | undefined, events: QueueEvents | undefined, client: Redis | Cluster): Promise<void> {
  const sleep = (ms: number) => new Promise<boolean>((r) => setTimeout(() => r(true), ms).unref());
  const closing = Promise.allSettled([events?.close(), queue?.close()]);
  // Redis is gone: drop the sockets at once instead of waiting for it (closing goes on in the background)
  const timedOut = client.status !== "ready" || (await Promise.race([closing.then(() => false), sleep(1000)]));
  if (timedOut) {
    client.disconnect();
    await Promise.race([Promise.allSettled([events?.disconnect(), queue?.disconnect()]), sleep(300)]);
  }
  await closeClient(client);
}

/** Close both connections; if Redis is gone and a polite close stalls, drop the sockets. */
export function closeSession(s: Session): Promise<void> {
  return closeParts(s.queue, s.events, s.client);
}
