import { type NodeEvent } from "@hamilton-ts/kernel/contracts";
import type { ValidationResult } from "@hamilton-ts/kernel";
import { deserializeThrown, serializeError, type SerializedError, type WireNodeEvent, type WireTaskShape } from "@hamilton-ts/kernel/remote";
import { EVENT_POST_FAILED, EVENT_POST_OK, EVENT_PRE, EVENT_VALIDATION, type PackedEvents } from "./messages.js";

/** Child side: collects node events as numbers. */
export class EventPacker {
  private codes: number[] = [];
  private errors: SerializedError[] = [];
  private validations: (readonly ValidationResult[])[] = [];

  add(taskIndex: number, shape: WireTaskShape, e: WireNodeEvent): void {
    const kind = e.type === "pre" ? EVENT_PRE : e.type === "validation" ? EVENT_VALIDATION : e.success === false ? EVENT_POST_FAILED : EVENT_POST_OK;
    this.codes.push(taskIndex, kind, shape.nodes.indexOf(e.nodeName), e.durationMs ?? Number.NaN);
    if (kind === EVENT_POST_FAILED) this.errors.push(e.error ?? serializeError(new Error(`node "${e.nodeName}" failed`)));
    if (kind === EVENT_VALIDATION) this.validations.push(e.results ?? []);
  }

  get size(): number {
    return this.codes.length;
  }

  /** The events so far; the packer starts empty again. */
  take(): PackedEvents {
    const out = { codes: Float64Array.from(this.codes), errors: this.errors, validations: this.validations };
    this.codes = [];
    this.errors = [];
    this.validations = [];
    return out;
  }
}

/** Parent side: replay packed events as node events, with the task index they belong to. */
export function forEachEvent(
  events: PackedEvents,
  nodesOf: (taskIndex: number) => readonly string[] | undefined,
  fn: (taskIndex: number, event: NodeEvent) => void,
): void {
  const c = events.codes;
  let errorIndex = 0;
  let validationIndex = 0;
  for (let i = 0; i + 3 < c.length; i += 4) {
    const taskIndex = c[i]!;
    const kind = c[i + 1]!;
    const error = kind === EVENT_POST_FAILED ? events.errors[errorIndex++] : undefined;
    const results = kind === EVENT_VALIDATION ? (events.validations?.[validationIndex++] ?? []) : undefined;
    const nodeName = nodesOf(taskIndex)?.[c[i + 2]!];
    if (nodeName === undefined) continue;
    if (results) {
      fn(taskIndex, { type: "validation", nodeName, results });
      continue;
    }
    const durationMs = Number.isNaN(c[i + 3]!) ? undefined : c[i + 3]!;
    fn(
      taskIndex,
      kind === EVENT_PRE
        ? { type: "pre", nodeName }
        : { type: "post", nodeName, success: kind === EVENT_POST_OK, durationMs, ...(error ? { error: deserializeThrown(error) } : {}) },
    );
  }
}
