// Coverage: what each listing of a scan could and could not see. A row's writer (the collector
// runner, the AWS Config source) states its scope and the resource types it stands for, so
// readers never decode service/operation names to learn what a gap hides.

export type CoverageStatus = "ok" | "denied" | "failed" | "skipped";

/**
 * How far a row reaches: one (account, region) unit; a whole account (a role that could not be
 * assumed, regions that could not be discovered); or every account and region behind an AWS
 * Config aggregator.
 */
export type CoverageScope = "region" | "account" | "aggregator";

export interface CoverageInput {
  accountId: string;
  region: string;
  service: string;
  operation: string;
  status: CoverageStatus;
  scope: CoverageScope;
  /** The resource types this row's listing enumerates: what a gap here leaves unexamined. */
  resourceTypes: readonly string[];
  errorCode?: string | null;
  errorMessage?: string | null;
  resourceCount?: number;
  apiCalls?: number;
  startedAt?: string | null;
  finishedAt?: string | null;
}

export interface CoverageRow extends CoverageInput {
  id: number;
}

/**
 * A `skipped` unit with this code was not examined although resources may exist (AWS Config does
 * not record the type): unlike a disabled region, its rules give UNKNOWN.
 */
export const NOT_EXAMINED_CODE = "NotRecordedByConfig";

/** A disabled region: nothing can exist there, so its rules give no result. */
export const REGION_NOT_ENABLED_CODE = "RegionNotEnabled";

/** Whether a row hides resources that may exist: such rows give UNKNOWN results. */
export function isCoverageGap(c: Pick<CoverageInput, "status" | "errorCode">): boolean {
  return (
    c.status === "denied" ||
    c.status === "failed" ||
    (c.status === "skipped" && c.errorCode === NOT_EXAMINED_CODE)
  );
}

/** The key of a finished collection unit (for --resume). */
export function unitKey(accountId: string, region: string, collector: string): string {
  return `${accountId}/${region}/${collector}`;
}
