// AWS Config configuration items, as both AWS Config sources deliver them — Select results from an
// aggregator (aggregator.ts) and snapshot files (snapshot-file.ts): what an item's status means,
// parsing one page of items, and the scan scope applied to items.
import type { ClassifiedError } from "../../aws/errors.js";
import { ItemError, normalizeItem } from "../../model/normalize.js";
import { GLOBAL_REGION, RESOURCE_TYPES } from "../../model/resource-types.js";
import type { ResourceRecord } from "../../model/resource.js";
import type { ScanOptions } from "../../model/scan-options.js";

/** What dpscan does with an item: judge it, drop it, or report it as not examined. */
export type ItemUse = "usable" | "deleted" | "notRecorded";

/**
 * The meaning of each `configurationItemStatus`, for every AWS Config input. An item without a
 * status, or with one not listed, is usable.
 */
export const CONFIG_ITEM_STATUS: Readonly<Record<string, ItemUse>> = {
  OK: "usable",
  ResourceDiscovered: "usable",
  // Gone: nothing left to judge.
  ResourceDeleted: "deleted",
  ResourceDeletedNotRecorded: "deleted",
  // It exists, but AWS Config holds no configuration for it: not examined, never compliant.
  ResourceNotRecorded: "notRecorded",
};

/** The error code of a coverage row for items AWS Config does not record. */
export const NOT_RECORDED_CODE = "ResourceNotRecorded";

/** Coverage operation (service `config`) of a type's items that came back but could not be used. */
export const itemOperation = (t: string): string => `ReadItem:${t}`;

export function itemUse(item: unknown): ItemUse {
  const status =
    item !== null && typeof item === "object"
      ? (item as Record<string, unknown>).configurationItemStatus
      : undefined;
  return typeof status === "string" && Object.hasOwn(CONFIG_ITEM_STATUS, status)
    ? (CONFIG_ITEM_STATUS[status] as ItemUse)
    : "usable";
}

/** Items of one Select query so far: how many were read and why the unusable ones were not used. */
export interface ItemTally {
  read: number;
  malformed: number;
  notRecorded: number;
  first: ClassifiedError | undefined;
}

export function newItemTally(): ItemTally {
  return { read: 0, malformed: 0, notRecorded: 0, first: undefined };
}

/** One page of Select results: JSON text per item. A bad item is counted, never fatal. */
export function parseSelectResults(
  results: readonly string[],
  type: string,
  keep: (r: ResourceRecord) => boolean,
  tally: ItemTally,
): ResourceRecord[] {
  const out: ResourceRecord[] = [];
  for (const text of results) {
    tally.read++;
    let item: unknown;
    try {
      item = JSON.parse(text);
    } catch (err) {
      tally.malformed++;
      tally.first ??= {
        kind: "other",
        code: "MalformedItem",
        message: `result is not JSON: ${(err as Error).message}`,
      };
      continue;
    }
    const use = itemUse(item);
    if (use === "deleted") continue;
    if (use === "notRecorded") {
      tally.notRecorded++;
      tally.first ??= {
        kind: "other",
        code: NOT_RECORDED_CODE,
        message: "the aggregator's recorder does not record this resource's configuration",
      };
      continue;
    }
    try {
      const r = normalizeItem(item, { resourceType: type });
      if (keep(r)) out.push(r);
    } catch (err) {
      if (!(err instanceof ItemError)) throw err;
      tally.malformed++;
      tally.first ??= { kind: "other", code: "MalformedItem", message: err.message };
    }
  }
  return out;
}

/** The scan options that narrow which items are kept. */
export type ItemScope = Pick<ScanOptions, "accounts" | "excludeAccounts" | "regions">;

/** The scope options the API path honours, applied to each item (global and S3 items as the API path does). */
export function scopeFilter(scope: ItemScope): (r: ResourceRecord) => boolean {
  const accounts = scope.accounts ? new Set(scope.accounts) : undefined;
  const excluded = new Set(scope.excludeAccounts);
  const regions = scope.regions ? new Set(scope.regions) : undefined;
  return (r) =>
    (!accounts || accounts.has(r.awsAccountId)) &&
    !excluded.has(r.awsAccountId) &&
    (!regions ||
      regions.has(r.awsRegion) ||
      r.awsRegion === GLOBAL_REGION ||
      r.resourceType === RESOURCE_TYPES.s3Bucket);
}
