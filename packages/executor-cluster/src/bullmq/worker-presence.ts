// A run whose queue nobody serves would wait silently: the executor counts the
// queue's workers while jobs are pending, warns after a moment, and fails the
// waiting tasks after `noWorkerTimeoutMs`. A fleet that starts a moment after
// the driver is waited for.
import { workerCount, type Session } from "./session.js";

const CHECK_MS = 1000;
const WARN_AFTER_MS = 2000;

/** Options of the check: the queue it is about, and how long to wait. */
export interface WorkerPresenceOptions {
  readonly queueName: string;
  readonly prefix: string;
  readonly where: string;
  readonly timeoutMs: number;
}

/** Watches whether any worker listens on the executor's queue. */
export class WorkerPresence {
  private since: number | undefined;
  private lastCheck = 0;
  private checking = false;
  private warned = false;

  constructor(private readonly o: WorkerPresenceOptions) {}

  /** Forget what was seen (a new session). */
  reset(): void {
    this.since = undefined;
    this.warned = false;
  }

  /** At most once a second: count the workers; `fail` gets the message once nobody has listened for too long. */
  check(session: Session, now: number, fail: (message: string) => void): void {
    if (this.checking || now - this.lastCheck < CHECK_MS) return;
    this.lastCheck = now;
    this.checking = true;
    workerCount(session)
      .then((n) => {
        // n undefined: Redis does not allow CLIENT LIST; no check then
        if (n === undefined || n > 0) return void (this.since = undefined);
        const since = (this.since ??= now);
        const waited = Date.now() - since;
        const o = this.o;
        const what = `No BullMQ worker is listening on queue "${o.queueName}" (prefix "${o.prefix}") at ${o.where}`;
        const hint = `Start one: hamilton-ts worker --redis redis://${o.where} --queue ${o.queueName} --module <pipeline>, or startWorker({ queueName: "${o.queueName}", modules })`;
        if (waited >= o.timeoutMs) {
          this.since = undefined;
          fail(`${what} for ${Math.round(waited / 1000)} s. ${hint}; or raise noWorkerTimeoutMs (Infinity waits for workers that scale from zero).`);
        } else if (!this.warned && waited >= WARN_AFTER_MS && Number.isFinite(o.timeoutMs)) {
          this.warned = true;
          process.emitWarning(`${what}; tasks fail in ${Math.round((o.timeoutMs - waited) / 1000)} s unless one starts. ${hint}.`, { code: "HAMILTON_BULLMQ_NO_WORKER" });
        }
      })
      .finally(() => (this.checking = false));
  }
}
