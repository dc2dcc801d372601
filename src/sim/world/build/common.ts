// What every world builder shares: issue reporting, KMS reference resolution, collections that
// report duplicate ids, and the small value conversions (dates, tags, policy text).
import { arrayCollection } from "../collection.js";
import type { KmsTagsDoc, PolicyDoc, TagsDoc } from "../doc.js";
import type { Collection, SimKmsKey, Tag } from "../types.js";

export type PathSeg = string | number;
/** A problem found in a document; `at: "key"` points at the last path segment's key rather than its value. */
export interface Issue {
  path: PathSeg[];
  message: string;
  at?: "key";
}

export type Report = (path: PathSeg[], message: string, at?: "key") => void;
/** Resolves a KMS reference (key id, key ARN, alias, alias ARN) to a key ARN, reporting dangling ones. */
export type Resolve = (ref: string, path: PathSeg[]) => string;
/** Normalises a written date, or returns `fallback` when none is written (or it is invalid). */
export type Timestamp = (value: string | undefined, fallback: string, path: PathSeg[]) => string;

/** An array collection, reporting duplicate ids (the second occurrence) on the way. */
export function collection<T>(
  items: T[],
  id: (t: T) => string,
  path: PathSeg[],
  idField: string,
  report: Report,
): Collection<T> {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const key = id(item);
    if (seen.has(key)) report([...path, i, idField], `duplicate ${idField} "${key}"`);
    seen.add(key);
  });
  return arrayCollection(items, id);
}

/** The resolved `KmsKeyId` of encrypted storage; a key on unencrypted storage is reported and dropped. */
export function encryptedRef(
  encrypted: boolean,
  ref: string | undefined,
  path: PathSeg[],
  resolve: Resolve,
  report: Report,
): string | undefined {
  if (ref === undefined) return undefined;
  if (!encrypted) {
    report(path, "KmsKeyId is set but storage is not encrypted");
    return undefined;
  }
  return resolve(ref, path);
}

export function policyText(p: PolicyDoc): string {
  return typeof p === "string" ? p : JSON.stringify(p);
}

export function tags(t: TagsDoc | undefined): Tag[] {
  if (!t) return [];
  return Array.isArray(t)
    ? t.map((x) => ({ Key: x.Key, Value: x.Value }))
    : Object.entries(t).map(([Key, Value]) => ({ Key, Value }));
}

export function kmsTags(t: KmsTagsDoc | undefined): SimKmsKey["Tags"] {
  if (!t) return [];
  return Array.isArray(t)
    ? t.map((x) => ({ TagKey: x.TagKey, TagValue: x.TagValue }))
    : Object.entries(t).map(([TagKey, TagValue]) => ({ TagKey, TagValue }));
}

/** Normalises a written date to ISO 8601 UTC; a date-time without a zone is taken as UTC, never local time. */
export function timestamps(report: Report): Timestamp {
  return (value, fallback, path) => {
    if (value === undefined) return fallback;
    let text = value.replace(" ", "T");
    if (text.includes("T") && !/(Z|[+-]\d{2}:?\d{2})$/.test(text)) text += "Z";
    const d = new Date(text);
    if (Number.isNaN(d.getTime())) {
      report(path, `"${value}" is not a valid date`);
      return fallback;
    }
    return d.toISOString();
  };
}
