// AWS Config records a resource's configuration as the service API's shape with camelCased
// field names: the first letter lowercased (VolumeId -> volumeId, DBInstanceIdentifier -> dBInstanceIdentifier).
import { boundJson } from "../model/normalize.js";
import type { Json, JsonObject } from "../model/resource.js";

export function camelKey(k: string): string {
  // Config lowercases only the first letter (DBInstanceIdentifier -> dBInstanceIdentifier).
  return k.charAt(0).toLowerCase() + k.slice(1);
}

/** Deep copy with camelCased keys, Dates as ISO strings, $metadata dropped; bounded like any untrusted input. */
export function configShape(v: unknown): JsonObject {
  const out = camel(v);
  return out !== null && typeof out === "object" && !Array.isArray(out) ? out : {};
}

function camel(v: unknown): Json {
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(camel);
  if (v !== null && typeof v === "object") {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (k === "$metadata" || x === undefined) continue;
      out[camelKey(k)] = camel(x);
    }
    return out;
  }
  return boundJson(v);
}

/** Tags as AWS Config records them in configuration: [{key, value}]. */
export function tagList(tags: unknown): { key: string; value: string }[] {
  if (!Array.isArray(tags)) return [];
  return tags.flatMap((t) => {
    const o = (t ?? {}) as Record<string, unknown>;
    const key = o.Key ?? o.TagKey ?? o.key;
    const value = o.Value ?? o.TagValue ?? o.value;
    return typeof key === "string" ? [{ key, value: typeof value === "string" ? value : "" }] : [];
  });
}
