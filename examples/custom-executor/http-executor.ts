// An executor for a backend hamilton-ts does not ship: each batch of tasks is
// one HTTP request to a worker server (the shape of a serverless function).
// The kernel's TaskPool does the rest: batching, fair sharing across runs,
// abort, retries, timeouts, idle shutdown.
import { deserialize, serialize } from "node:v8";
import { TaskPool, type FromWorker, type PoolTransport, type PoolWorker, type TaskPoolOptions, type ToWorker, type WorkerEvents, type WorkerSetup } from "@hamilton-ts/kernel/remote";

/** Options of `HttpExecutor`: the worker server's URL, and the pool's options. */
export interface HttpExecutorOptions extends Partial<TaskPoolOptions> {
  readonly url: string;
}

/** Runs tasks on a worker server over HTTP, `maxTasks` requests at a time (default 4). */
export class HttpExecutor extends TaskPool {
  constructor({ url, ...options }: HttpExecutorOptions) {
    super(new HttpTransport(url), { maxTasks: 4, ...options });
  }
}

/** A "worker" is one lane of requests: it dies when a request fails, and the pool starts another. */
class HttpTransport implements PoolTransport {
  readonly executor = "HttpExecutor";
  readonly workerNoun = "HTTP worker";
  private lanes = 0;
  constructor(private readonly url: string) {}

  spawn(events: WorkerEvents): PoolWorker {
    const url = this.url;
    const label = `lane ${++this.lanes} of ${url}`;
    const setups = new Map<number, WorkerSetup>();
    const requests = new AbortController();
    let dead = false;
    const die = (error: unknown) => {
      if (dead) return;
      dead = true;
      requests.abort();
      events.exit({ error });
    };
    queueMicrotask(() => events.message({ type: "ready" }));
    return {
      label,
      send(message: ToWorker) {
        if (message.type === "setup") return void setups.set(message.id, message.setup);
        const body = serialize({ setup: setups.get(message.setup), batch: message }); // throws if a value cannot cross
        fetch(url, { method: "POST", body, signal: requests.signal })
          .then(async (res) => {
            if (!res.ok) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
            const replies = deserialize(Buffer.from(await res.arrayBuffer())) as Buffer[];
            for (const reply of replies) if (!dead) events.message(deserialize(reply) as FromWorker);
          })
          .catch(die);
      },
      ref() {},
      unref() {},
      stop: () => die(undefined),
    };
  }

  checkValue(value: unknown): void {
    serialize(value);
  }
}
