// Amazon DynamoDB control plane (JSON 1.0, target prefix DynamoDB_20120810): table inventory and
// encryption settings. Item APIs are out of scope: dpscan never reads data.
import { SimError } from "../wire/service.js";
import type { CallContext } from "../wire/service.js";
import type { Collection, SimDynamoTable } from "../world/types.js";
import { epochSeconds, jsonService, optInt, optString, reqString } from "../wire/protocol-json.js";
import type { JsonObject } from "../wire/protocol-json.js";
import { findById } from "./config-items.js";

export function tableArn(region: string, account: string, name: string): string {
  return `arn:aws:dynamodb:${region}:${account}:table/${name}`;
}

function tables(ctx: CallContext): Collection<SimDynamoTable> | undefined {
  return ctx.account.region(ctx.region)?.dynamodbTables;
}

function findTable(ctx: CallContext, name: string): SimDynamoTable {
  const t = tables(ctx);
  const table = t ? findById(t, name, (x) => x.TableName === name) : undefined;
  if (!table)
    throw new SimError("ResourceNotFoundException", `Requested resource not found: Table: ${name} not found`);
  return table;
}

// LastEvaluatedTableName must be a real table name, so remember where each page we served ended;
// a name we did not hand out (or one evicted) falls back to a scan.
const resumeAt = new Map<string, number>();
const RESUME_CAP = 10_000;
function remember(key: string, index: number): void {
  if (resumeAt.size >= RESUME_CAP) {
    const oldest = resumeAt.keys().next();
    if (!oldest.done) resumeAt.delete(oldest.value);
  }
  resumeAt.set(key, index);
}

function startIndex(ctx: CallContext, t: Collection<SimDynamoTable>, after: string | undefined): number {
  if (after === undefined) return 0;
  const cached = resumeAt.get(`${ctx.account.Id}|${ctx.region}|${after}`);
  if (cached !== undefined && cached <= t.size && t.at(cached - 1).TableName === after) return cached;
  for (let i = 0; i < t.size; i++) if (t.at(i).TableName === after) return i + 1;
  // An unknown start name: DynamoDB resumes after it in name order (world collections are expected
  // to be in name order, as ListTables returns them).
  for (let i = 0; i < t.size; i++) if (t.at(i).TableName > after) return i;
  return t.size;
}

function listTables(input: JsonObject, ctx: CallContext): JsonObject {
  const limit = optInt(input, "Limit", 1, 100) ?? 100;
  const t = tables(ctx);
  if (!t) return { TableNames: [] };
  const start = startIndex(ctx, t, optString(input, "ExclusiveStartTableName"));
  const names: string[] = [];
  for (let i = start; i < t.size && names.length < limit; i++) names.push(t.at(i).TableName);
  const end = start + names.length;
  const last = names[names.length - 1];
  if (end >= t.size || last === undefined) return { TableNames: names };
  remember(`${ctx.account.Id}|${ctx.region}|${last}`, end);
  return { TableNames: names, LastEvaluatedTableName: last };
}

function describeTable(input: JsonObject, ctx: CallContext): JsonObject {
  const t = findTable(ctx, reqString(input, "TableName"));
  const table: JsonObject = {
    TableName: t.TableName,
    TableId: t.TableId,
    TableArn: tableArn(ctx.region, ctx.account.Id, t.TableName),
    TableStatus: t.TableStatus,
    CreationDateTime: epochSeconds(t.CreationDateTime),
    ItemCount: t.ItemCount,
    TableSizeBytes: 0,
    BillingModeSummary: { BillingMode: "PAY_PER_REQUEST" },
    ProvisionedThroughput: { NumberOfDecreasesToday: 0, ReadCapacityUnits: 0, WriteCapacityUnits: 0 },
  };
  // Default encryption (AWS-owned key) has no SSEDescription at all; only KMS keys show one.
  if (t.SSE) {
    table["SSEDescription"] = {
      Status: t.SSE.Status,
      SSEType: t.SSE.SSEType,
      KMSMasterKeyArn: t.SSE.KMSMasterKeyArn,
    };
  }
  return { Table: table };
}

function listTagsOfResource(input: JsonObject, ctx: CallContext): JsonObject {
  const arn = reqString(input, "ResourceArn");
  const m = /^arn:[^:]+:dynamodb:([^:]+):(\d{12}):table\/([^/]+)$/.exec(arn);
  if (!m || m[1] !== ctx.region || m[2] !== ctx.account.Id) {
    throw new SimError(
      "ResourceNotFoundException",
      `Requested resource not found: ResourcArn: ${arn} not found`,
    );
  }
  const table = findTable(ctx, m[3] ?? "");
  return { Tags: table.Tags.map((x) => ({ Key: x.Key, Value: x.Value })) };
}

export const dynamodbService = jsonService({
  signingName: "dynamodb",
  targetPrefix: "DynamoDB_20120810",
  version: "1.0",
  throttleCode: "ThrottlingException",
  errorNamespace: "com.amazonaws.dynamodb.v20120810",
  operations: {
    ListTables: listTables,
    DescribeTable: describeTable,
    ListTagsOfResource: listTagsOfResource,
  },
  resourceId: (_op, input) => (typeof input["TableName"] === "string" ? input["TableName"] : undefined),
});
