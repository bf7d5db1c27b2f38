// Why a key missed ("code changed", "input spend changed", "no entry"): each
// node's last key parts are remembered per node (and branch) in the engine and
// persisted in the store next to the entries, so a new process explains its
// first miss against what an earlier one stored.
import type { CacheEngine } from "./cache-engine.js";
import { explainKey, explainMiss, isKeyParts, type KeyParts } from "./cache-keys.js";
import { wait, type Steps } from "./maybe-async.js";

/** Length of the "explain:" prefix of the store keys of explanations. */
const EXPLAIN_PREFIX = explainKey("", undefined).length;

/** Why a key missed, against the node's previous key (remembered here, or persisted in the store by an earlier process). */
export function* missReason(engine: CacheEngine, nodeName: string, path: readonly number[] | undefined, parts: KeyParts): Steps<string> {
  const where = explainKey(nodeName, path);
  let previous = engine.explained.get(where.slice(EXPLAIN_PREFIX));
  if (!previous) {
    try {
      const getSync = engine.getSync;
      const stored = getSync ? getSync(where) : yield* wait(engine.store.get(where));
      if (stored && isKeyParts(stored.value)) previous = stored.value;
    } catch {
      // an unreadable explanation only costs the reason its detail
    }
  }
  return explainMiss(previous, parts);
}

/**
 * Remember a node's key parts to explain its next miss; with `persist` (a
 * miss), also write them to the store: the returned promise is that write
 * (it never rejects), undefined when nothing is written.
 */
export function rememberKeyParts(engine: CacheEngine, nodeName: string, path: readonly number[] | undefined, parts: KeyParts, persist: boolean): Promise<void> | undefined {
  // in memory by node name (and branch path), which costs no string building for nodes outside blocks
  const where = path && path.length > 0 ? explainKey(nodeName, path).slice(EXPLAIN_PREFIX) : nodeName;
  if (engine.explained.get(where)?.key === parts.key) return undefined;
  engine.remember(where, parts);
  if (!persist) return undefined;
  return engine.store.set(explainKey(nodeName, path), { dataVersion: "", value: parts }).catch(() => undefined);
}
