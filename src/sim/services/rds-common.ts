// What the RDS handlers share: its validation error, ARNs, and MaxRecords/Marker paging.
import { pageStart } from "../wire/protocol-query.js";
import type { QueryParams } from "../wire/protocol-query.js";
import type { CallContext } from "../wire/service.js";
import { SimError } from "../wire/service.js";

export const invalidParam = (message: string): SimError =>
  new SimError("InvalidParameterValue", message, 400);

export const arn = (ctx: CallContext, type: string, name: string): string =>
  `arn:aws:rds:${ctx.region}:${ctx.account.Id}:${type}:${name}`;

/** MaxRecords 20..100 (default 100) and the Marker of a previous page of `op`. */
export function page(p: QueryParams, op: string): { start: number; limit: number } {
  const max = p.int("MaxRecords", (raw) => invalidParam(`Invalid value ${raw} for MaxRecords`)) ?? 100;
  if (max < 20 || max > 100)
    throw invalidParam(`Invalid value ${max} for MaxRecords. Must be between 20 and 100`);
  const start = pageStart(p, "Marker", `rds:${op}`, () =>
    invalidParam("The parameter Marker is not a valid pagination token."),
  );
  return { start, limit: max };
}
