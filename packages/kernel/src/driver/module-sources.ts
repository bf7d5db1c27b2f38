// Namespace objects as the graph's module sources. Kept apart from
// `remote/module-location.ts` (which imports modules by location): a driver
// built from namespaces, and the main entry's browser bundle, need only this;
// `Builder.build()` loads the location code when it is given locations.
import { describeNamespace, type ModuleSource } from "../node/from-modules.js";
import type { ModuleNamespace } from "../remote/module-location.js";

/** Describe namespace objects (no location) for the graph; `offset` numbers them after earlier ones. */
export function namespaceSources(namespaces: readonly ModuleNamespace[], offset = 0): ModuleSource[] {
  return namespaces.map((exports, i) => ({ name: describeNamespace(offset + i, exports), exports }));
}
