// The normalized resource record: the shape of an AWS Config configuration item.
// `configuration` keeps AWS Config's field names; facts Config does not record live in
// `supplementaryConfiguration` (see docs/resources.md).

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface ResourceRecord {
  resourceType: string;
  resourceId: string;
  resourceName: string | null;
  arn: string | null;
  awsAccountId: string;
  awsRegion: string;
  configuration: JsonObject;
  supplementaryConfiguration: JsonObject;
  tags: Record<string, string>;
  configurationItemCaptureTime: string;
}

/**
 * A fact that could not be read is stored in place of the fact as this marker, never left absent,
 * so that rules needing it give UNKNOWN with the reason.
 */
export const UNREADABLE_KEY = "$unreadable";

export interface UnreadableInfo {
  errorCode: string;
  message: string;
  operation?: string;
}

export function unreadable(info: UnreadableInfo): JsonObject {
  const inner: JsonObject = { errorCode: info.errorCode, message: info.message };
  if (info.operation) inner.operation = info.operation;
  return { [UNREADABLE_KEY]: inner };
}

export function asUnreadable(value: unknown): UnreadableInfo | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const inner = (value as Record<string, unknown>)[UNREADABLE_KEY];
  if (inner === null || typeof inner !== "object") return undefined;
  const i = inner as Record<string, unknown>;
  return {
    errorCode: typeof i.errorCode === "string" ? i.errorCode : "Unknown",
    message: typeof i.message === "string" ? i.message : "",
    ...(typeof i.operation === "string" ? { operation: i.operation } : {}),
  };
}

/** Untrusted strings (names, tags, policies) are bounded: anything larger becomes an unreadable marker. */
export const MAX_STRING_BYTES = 1024 * 1024;

export function resourceKey(
  r: Pick<ResourceRecord, "awsAccountId" | "awsRegion" | "resourceType" | "resourceId">,
): string {
  return `${r.awsAccountId}/${r.awsRegion}/${r.resourceType}/${r.resourceId}`;
}
