// Turn an AWS Config configuration item (snapshot file, API, Select result, or a rule example)
// into a ResourceRecord. Accepts Config's variants: "ARN" or "arn", tags as a map or as
// [{key,value}], configuration/supplementary values delivered as JSON strings. Oversized strings
// become unreadable markers so a hostile 50 MB policy cannot blow up memory or the database.
import { MAX_STRING_BYTES, unreadable, type Json, type JsonObject, type ResourceRecord } from "./resource.js";

export class ItemError extends Error {}

const DEFAULT_TIME = "1970-01-01T00:00:00.000Z";

export interface NormalizeDefaults {
  awsAccountId?: string;
  awsRegion?: string;
  resourceType?: string;
  captureTime?: string;
}

export function normalizeItem(raw: unknown, defaults: NormalizeDefaults = {}): ResourceRecord {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    throw new ItemError("item is not an object");
  const it = raw as Record<string, unknown>;
  const str = (name: string, ...alts: unknown[]): string | undefined => {
    for (const v of [it[name], ...alts]) {
      if (typeof v === "string" && v !== "") return v;
      if (typeof v === "number") return String(v);
    }
    return undefined;
  };
  const resourceType = str("resourceType", defaults.resourceType);
  const resourceId = str("resourceId", it.resourceName);
  const awsAccountId = str("awsAccountId", it.accountId, defaults.awsAccountId);
  const awsRegion = str("awsRegion", defaults.awsRegion);
  const missing = [
    !resourceType && "resourceType",
    !resourceId && "resourceId",
    !awsAccountId && "awsAccountId",
    !awsRegion && "awsRegion",
  ].filter(Boolean);
  if (missing.length > 0) throw new ItemError(`missing ${missing.join(", ")}`);
  if (!/^\d{12}$/.test(awsAccountId as string))
    throw new ItemError(`awsAccountId "${bound(awsAccountId as string)}" is not a 12-digit account ID`);
  const configuration = objectField(it.configuration, "configuration");
  const supplementaryConfiguration = objectField(
    it.supplementaryConfiguration,
    "supplementaryConfiguration",
    true,
  );
  return {
    resourceType: resourceType as string,
    resourceId: boundId(resourceId as string),
    resourceName: typeof it.resourceName === "string" ? boundId(it.resourceName) : null,
    arn: str("arn", it.ARN) ?? null,
    awsAccountId: awsAccountId as string,
    awsRegion: awsRegion as string,
    configuration,
    supplementaryConfiguration,
    tags: normalizeTags(it.tags),
    configurationItemCaptureTime: str("configurationItemCaptureTime", defaults.captureTime) ?? DEFAULT_TIME,
  };
}

function objectField(v: unknown, name: string, parseStringValues = false): JsonObject {
  if (v === undefined || v === null) return {};
  let value: unknown = v;
  if (typeof value === "string") {
    if (Buffer.byteLength(value) > MAX_STRING_BYTES) {
      return tooLarge(value); // the whole field is the marker: rules on it are UNKNOWN, not "absent"
    }
    try {
      value = JSON.parse(value);
    } catch {
      throw new ItemError(`${name} is a string that is not valid JSON`);
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new ItemError(`${name} must be an object`);
  const out: JsonObject = {};
  for (const [k, val] of Object.entries(value as Record<string, unknown>)) {
    // AWS Config delivers supplementary values as JSON strings ("{\"policyText\": ...}").
    let inner = val;
    if (
      parseStringValues &&
      typeof val === "string" &&
      /^\s*[{[]/.test(val) &&
      Buffer.byteLength(val) <= MAX_STRING_BYTES
    ) {
      try {
        inner = JSON.parse(val);
      } catch {
        inner = val;
      }
    }
    out[k] = boundJson(inner);
  }
  return out;
}

function tooLarge(s: string): JsonObject {
  const bytes = Buffer.byteLength(s);
  return unreadable({
    errorCode: "DocumentTooLarge",
    message: `value of ${bytes} bytes exceeds the ${MAX_STRING_BYTES}-byte limit`,
  });
}

/** Copy a JSON value, replacing oversized strings by unreadable markers. */
export function boundJson(v: unknown, depth = 0): Json {
  if (depth > 64)
    return unreadable({ errorCode: "DocumentTooDeep", message: "nesting deeper than 64 levels" });
  if (v === null || v === undefined) return null;
  if (typeof v === "string")
    return v.length * 3 > MAX_STRING_BYTES && Buffer.byteLength(v) > MAX_STRING_BYTES ? tooLarge(v) : v;
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "boolean") return v;
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map((x) => boundJson(x, depth + 1));
  if (typeof v === "object") {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>))
      if (x !== undefined) out[k] = boundJson(x, depth + 1);
    return out;
  }
  return null;
}

function normalizeTags(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(v)) {
    for (const t of v) {
      if (t && typeof t === "object") {
        const o = t as Record<string, unknown>;
        const k = o.key ?? o.Key ?? o.TagKey;
        const val = o.value ?? o.Value ?? o.TagValue;
        if (typeof k === "string") out[bound(k)] = typeof val === "string" ? bound(val) : "";
      }
    }
  } else if (v && typeof v === "object") {
    for (const [k, val] of Object.entries(v as Record<string, unknown>))
      out[bound(k)] = typeof val === "string" ? bound(val) : String(val ?? "");
  }
  return out;
}

/** AWS tag keys are at most 128 characters and values 256; anything longer is cut and marked. */
function bound(s: string, max = 1024): string {
  return s.length > max ? `${s.slice(0, max)}…[truncated ${s.length - max} chars]` : s;
}

function boundId(s: string): string {
  return bound(s, 2048);
}
