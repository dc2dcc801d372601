// AWS Config records a resource's configuration as the service API's shape with its field names
// rewritten, and how depends on the resource type (Config's generated schema per type, see
// aws-config-resource-schema) — check the type's schema before choosing:
// - camelKey / configShape: only the first letter lowercased (VolumeId -> volumeId,
//   DBInstanceIdentifier -> dBInstanceIdentifier): EC2 volumes, RDS DB instances and DB snapshots,
//   CloudTrail trails, IAM entities; also the camelCased API shape of what Config does not record.
// - beanKey / beanShape: Java-bean property names, the whole leading run of capitals lowercased
//   (DBClusterIdentifier -> dbclusterIdentifier, SSEDescription -> ssedescription): RDS DB clusters
//   and cluster snapshots, DynamoDB tables.
// Types whose names follow neither rule throughout are built field by field in their collector
// (KMS keys, Secrets Manager secrets). The parity tests compare each collector with the simulator's
// AWS Config items.
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

/**
 * The Java-bean property names AWS Config uses for some types: the whole leading run of capitals is
 * lowercased — DBClusterIdentifier -> dbclusterIdentifier, SSEDescription -> ssedescription,
 * DbClusterResourceId -> dbClusterResourceId.
 */
export function beanKey(k: string): string {
  let i = 0;
  while (i < k.length && k.charCodeAt(i) >= 65 && k.charCodeAt(i) <= 90) i++;
  return k.slice(0, i).toLowerCase() + k.slice(i);
}

/** Like configShape, with bean-style keys at every depth (Dates stay Dates until configShape). */
export function beanShape(v: unknown): JsonObject {
  return configShape(rekey(v));
}

function rekey(v: unknown): unknown {
  if (v instanceof Date || v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(rekey);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (k === "$metadata" || x === undefined) continue;
    out[beanKey(k)] = rekey(x);
  }
  return out;
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
