import { Queue, QueueEvents, type ConnectionOptions, type RedisClient } from "bullmq";

/** The Redis side of one executor while runs are active: a Queue to add jobs, QueueEvents to hear results. */
export interface Session {
  readonly queue: Queue;
  readonly events: QueueEvents;
  readonly clients: readonly RedisClient[];
}

export interface SessionOptions {
  readonly connection: ConnectionOptions;
  readonly queueName: string;
  readonly prefix?: string;
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

/**
 * Connect a Queue and a QueueEvents. QueueEvents starts reading the event stream
 * from its current last entry, so no result of a job added afterwards is missed.
 */
export async function openSession(o: SessionOptions): Promise<Session> {
  const base = { connection: o.connection, ...(o.prefix !== undefined ? { prefix: o.prefix } : {}) };
  const unreachable = () =>
    new Error(`BullMQExecutor: cannot reach Redis at ${o.where} within ${o.timeoutMs} ms (queue "${o.queueName}"). Is Redis running, and are host, port, password and TLS right?`);
  const queue = new Queue(o.queueName, base);
  queue.on("error", ignore);
  let events: QueueEvents | undefined;
  try {
    const client = await withTimeout(queue.waitUntilReady(), o.timeoutMs, unreachable);
    const raw = client as unknown as { xrevrange(key: string, end: string, start: string, count: "COUNT", n: number): Promise<Array<[string, string[]]>> };
    const last = await withTimeout(raw.xrevrange(queue.keys.events!, "+", "-", "COUNT", 1), o.timeoutMs, unreachable);
    events = new QueueEvents(o.queueName, { ...base, lastEventId: last[0]?.[0] ?? "0-0", autorun: true });
    events.on("error", ignore);
    const eventsClient = await withTimeout(events.waitUntilReady(), o.timeoutMs, unreachable);
    return { queue, events, clients: [client, eventsClient] };
  } catch (error) {
    await closeSession({ queue, events: events!, clients: [] });
    throw error;
  }
}

/** Whether every connection of the session is up. */
export function sessionUp(s: Session): boolean {
  return s.clients.every((c) => c.status === "ready");
}

/** Close both connections; if Redis is gone and a polite close stalls, drop the sockets. */
export async function closeSession(s: Session): Promise<void> {
  const polite = Promise.allSettled([s.events?.close(), s.queue.close()]);
  const timedOut = await Promise.race([polite.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 1000).unref())]);
  if (timedOut) {
    for (const c of s.clients) (c as unknown as { disconnect?: () => void }).disconnect?.();
    await Promise.race([polite, new Promise((r) => setTimeout(r, 1000).unref())]);
  }
}
