import { UnsupportedSpecificationVersionError } from "../errors.js";

/** The contract version this kernel implements for every plugin kind. */
export const SPECIFICATION_VERSION = "v1" as const;

/** Versions of each contract this kernel accepts. */
export const SUPPORTED_SPECIFICATION_VERSIONS: readonly string[] = [SPECIFICATION_VERSION];

/**
 * Refuse a plugin that declares a contract version this kernel does not know,
 * naming the plugin (as vercel/ai's `UnsupportedModelVersionError`). `required`
 * plugins (executors) must declare one; others may omit it.
 */
export function checkSpecificationVersion(contract: string, plugin: object, options: { required?: boolean } = {}): void {
  const version = (plugin as { specificationVersion?: unknown }).specificationVersion;
  if (version === undefined && !options.required) return;
  if (typeof version === "string" && SUPPORTED_SPECIFICATION_VERSIONS.includes(version)) return;
  const who = (plugin as { name?: unknown }).name && typeof (plugin as { name?: unknown }).name === "string"
    ? String((plugin as { name: string }).name)
    : plugin.constructor?.name && plugin.constructor.name !== "Object"
      ? plugin.constructor.name
      : `a ${contract}`;
  throw new UnsupportedSpecificationVersionError(contract, who, version, SUPPORTED_SPECIFICATION_VERSIONS);
}
