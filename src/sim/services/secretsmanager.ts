// AWS Secrets Manager (JSON 1.1, target prefix secretsmanager): secret metadata only. The world holds
// no secret values and the value APIs are refused outright, so a scan can never exfiltrate one.
import { SimError } from "../wire/service.js";
import type { CallContext } from "../wire/service.js";
import type { Collection, SimSecret } from "../world/types.js";
import {
  encodeToken,
  epochSeconds,
  isObject,
  jsonService,
  optBool,
  optInt,
  optString,
  reqString,
  tokenPosition,
} from "../wire/protocol-json.js";
import type { JsonObject } from "../wire/protocol-json.js";
import { findById } from "./config-items.js";

export const NO_SECRET_VALUES = "dpscan simulator never serves secret values";

export function secretArn(region: string, account: string, s: SimSecret): string {
  return `arn:aws:secretsmanager:${region}:${account}:secret:${s.Name}-${s.Suffix}`;
}

function secrets(ctx: CallContext): Collection<SimSecret> | undefined {
  return ctx.account.region(ctx.region)?.secrets;
}

/** SecretId may be a name, a full ARN (name-XXXXXX) or a partial ARN (no random suffix). */
function findSecret(ctx: CallContext, secretId: string): SimSecret {
  const notFound = new SimError(
    "ResourceNotFoundException",
    "Secrets Manager can't find the specified secret.",
  );
  const col = secrets(ctx);
  if (!col) throw notFound;
  const m = /^arn:[^:]+:secretsmanager:([^:]+):(\d{12}):secret:(.+)$/.exec(secretId);
  if (!m) {
    const byName = findById(col, secretId, (s) => s.Name === secretId);
    if (byName) return byName;
    throw notFound;
  }
  if (m[1] !== ctx.region || m[2] !== ctx.account.Id) throw notFound;
  const resource = m[3] ?? "";
  const suffixed = /^(.+)-([A-Za-z0-9]{6})$/.exec(resource);
  if (suffixed) {
    const name = suffixed[1] ?? "";
    const s = findById(col, name, (x) => x.Name === name);
    if (s && s.Suffix === suffixed[2]) return s;
  }
  const partial = findById(col, resource, (x) => x.Name === resource);
  if (partial) return partial;
  throw notFound;
}

function entry(ctx: CallContext, s: SimSecret): JsonObject {
  return {
    ARN: secretArn(ctx.region, ctx.account.Id, s),
    Name: s.Name,
    Description: s.Description,
    // Absent KmsKeyId means the AWS-managed aws/secretsmanager key, exactly as AWS reports it.
    KmsKeyId: s.KmsKeyId,
    // AWS omits RotationEnabled for secrets that never had rotation configured: absent means false.
    RotationEnabled: s.RotationEnabled ? true : undefined,
    RotationLambdaARN: s.RotationLambdaARN,
    RotationRules: s.RotationRules
      ? {
          AutomaticallyAfterDays: s.RotationRules.AutomaticallyAfterDays,
          ScheduleExpression: s.RotationRules.ScheduleExpression,
        }
      : undefined,
    LastRotatedDate: epochSeconds(s.LastRotatedDate),
    LastChangedDate: epochSeconds(s.LastChangedDate),
    LastAccessedDate: epochSeconds(s.LastAccessedDate),
    DeletedDate: epochSeconds(s.DeletedDate),
    Tags: s.Tags.length ? s.Tags.map((t) => ({ Key: t.Key, Value: t.Value })) : undefined,
    CreatedDate: epochSeconds(s.CreatedDate),
  };
}

type Filter = { key: string; values: string[] };

function readFilters(input: JsonObject): Filter[] {
  const raw = input["Filters"];
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new SimError("InvalidParameterException", "Filters must be a list");
  return raw.map((f: unknown) => {
    if (!isObject(f) || typeof f["Key"] !== "string" || !Array.isArray(f["Values"])) {
      throw new SimError("InvalidParameterException", "Invalid filter");
    }
    const key = f["Key"];
    if (!["name", "description", "tag-key", "tag-value", "all"].includes(key)) {
      throw new SimError("InvalidParameterException", `Unsupported filter key ${key}`);
    }
    return { key, values: f["Values"].filter((v): v is string => typeof v === "string") };
  });
}

/** Prefix match as AWS does; a leading "!" negates. All filters must match (AND). */
function matches(s: SimSecret, filters: Filter[]): boolean {
  return filters.every(({ key, values }) => {
    const fields =
      key === "name"
        ? [s.Name]
        : key === "description"
          ? [s.Description ?? ""]
          : key === "tag-key"
            ? s.Tags.map((t) => t.Key)
            : key === "tag-value"
              ? s.Tags.map((t) => t.Value)
              : [s.Name, s.Description ?? "", ...s.Tags.flatMap((t) => [t.Key, t.Value])];
    return values.some((v) => {
      const negate = v.startsWith("!");
      const prefix = negate ? v.slice(1) : v;
      const hit = fields.some((f) => f.startsWith(prefix));
      return negate ? !hit : hit;
    });
  });
}

function listSecrets(input: JsonObject, ctx: CallContext): JsonObject {
  const limit = optInt(input, "MaxResults", 1, 100, "InvalidParameterException") ?? 100;
  const includeDeleted = optBool(input, "IncludePlannedDeletion") ?? false;
  const filters = readFilters(input);
  const invalid = () => new SimError("InvalidNextTokenException", "The NextToken value is invalid.");
  const start = tokenPosition(optString(input, "NextToken"), 1, invalid)?.[0] ?? 0;
  const col = secrets(ctx);
  const size = col?.size ?? 0;
  const out: JsonObject[] = [];
  let i = start;
  for (; col && i < size && out.length < limit; i++) {
    const s = col.at(i);
    if (s.DeletedDate !== undefined && !includeDeleted) continue;
    if (filters.length && !matches(s, filters)) continue;
    out.push(entry(ctx, s));
  }
  return i < size ? { SecretList: out, NextToken: encodeToken([i]) } : { SecretList: out };
}

function refuseValue(): never {
  throw new SimError("AccessDeniedException", NO_SECRET_VALUES);
}

export const secretsManagerService = jsonService({
  signingName: "secretsmanager",
  targetPrefix: "secretsmanager",
  version: "1.1",
  throttleCode: "ThrottlingException",
  operations: {
    ListSecrets: listSecrets,
    DescribeSecret: (input, ctx) =>
      entry(ctx, findSecret(ctx, reqString(input, "SecretId", "InvalidParameterException"))),
  },
  // Every operation that returns a secret's value (the single and the batch read) is refused: the
  // world holds no values, and the scanner must never ask.
  otherOperation: (operation) => (/SecretValue$/.test(operation) ? refuseValue : undefined),
  resourceId: (_op, input) => (typeof input["SecretId"] === "string" ? input["SecretId"] : undefined),
});
