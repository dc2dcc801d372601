// Comparing and reading plain JSON values.

/** Structural equality of JSON values (key order does not matter). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  return (
    ka.length === kb.length &&
    ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

/** Milliseconds since the epoch of a timestamp: ISO text, epoch seconds or epoch milliseconds. */
export function toTime(v: unknown): number | undefined {
  if (typeof v === "number") return v < 1e12 ? v * 1000 : v; // epoch seconds (as Config/JSON APIs send) or ms
  if (typeof v === "string") {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

/** The JSON type name of a value: "null", "array", "object", "string", "number" or "boolean". */
export const jsonType = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

/**
 * Whether JSON.stringify(v) is certainly at most `max` characters, from a bound on each part
 * (6 characters per string unit, the longest number): lets a size check skip serialising. False
 * means "maybe longer" (or a value it does not bound, such as one with toJSON): serialise to know.
 */
export function jsonFitsIn(v: unknown, max: number): boolean {
  return bound(v, max) <= max;
}

const NUMBER_CHARS = 32;

function bound(v: unknown, left: number): number {
  if (v === null || v === undefined || typeof v === "boolean") return 5;
  if (typeof v === "number") return NUMBER_CHARS;
  if (typeof v === "string") return 2 + 6 * v.length;
  if (typeof v !== "object" || "toJSON" in v) return Infinity;
  let n = 2;
  if (Array.isArray(v)) {
    for (const x of v) {
      n += 1 + bound(x, left - n);
      if (n > left) return n;
    }
    return n;
  }
  if (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) return Infinity;
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    n += 4 + 6 * k.length + bound((v as Record<string, unknown>)[k], left - n);
    if (n > left) return n;
  }
  return n;
}
