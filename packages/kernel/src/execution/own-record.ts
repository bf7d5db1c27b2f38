// Values by name, read and written as own properties only: an input called
// `constructor` or `toString` must never resolve to Object.prototype's, and
// one called `__proto__` must be a key, not the object's prototype.

/** Whether `key` is an own property of `obj` (inherited names do not count). */
export function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/** `obj[key]` if it is an own property, else undefined. */
export function getOwn(obj: Readonly<Record<string, unknown>>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

/** Set `obj[key] = value` as an own data property, `__proto__` included. */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

/** A copy of `obj`'s own enumerable properties in an object without prototype. */
export function ownCopy(obj: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>;
  const keys = Object.keys(obj);
  for (let i = 0; i < keys.length; i++) out[keys[i]!] = obj[keys[i]!];
  return out;
}
