import { checkOption, withMeta, type NodeFunction } from "../node/define.js";

type AnyFn = (...args: never[]) => unknown;

/**
 * Tags for every node the definition creates (Hamilton's `@tag`): returned by
 * `listAvailableVariables()` and given to lifecycle hooks as `nodeTags`. Tags
 * of inner modifiers and `node(fn, { tags })` merge; the outer one wins on a
 * shared key.
 *
 * @example
 * export const owned = tag({ owner: "growth", pii: "false" }, (spend: number[]) => spend.length);
 */
export function tag<F extends AnyFn>(tags: Readonly<Record<string, string>>, fn: F): NodeFunction<F> {
  checkOption("tag(tags, fn)", "tags", tags);
  return withMeta(fn, (meta) => ({ ...meta, tags: { ...meta.tags, ...tags } }));
}
