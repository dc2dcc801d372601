// AWS Config advanced query (JSON 1.1, target prefix StarlingDoveService): SelectResourceConfig for
// the caller's account and region, SelectAggregateResourceConfig across every ACTIVE account and
// enabled region of the world. Results stream from the world's collections page by page; the
// NextToken encodes the walk position (account, scope, type, item), never the items themselves.
import { createHash } from "node:crypto";
import { SimError } from "../wire/service.js";
import type { CallContext } from "../wire/service.js";
import type { AggregatorSpec, SimAccount } from "../world/types.js";
import {
  encodeToken,
  epochSeconds,
  isObject,
  jsonService,
  optInt,
  optString,
  optStringList,
  reqString,
  tokenPosition,
} from "../wire/protocol-json.js";
import type { JsonObject } from "../wire/protocol-json.js";
import { GLOBAL_REGION } from "../../model/resource-types.js";
import { RECORDED_TYPES, globalRecordingRegion } from "./config-items.js";
import type { ConfigItem, ItemScope, RecordedType } from "./config-items.js";

const MAX_LIMIT = 100;

const SELECTABLE = new Set([
  "resourceId",
  "resourceName",
  "resourceType",
  "arn",
  "accountId",
  "awsRegion",
  "availabilityZone",
  "configuration",
  "supplementaryConfiguration",
  "tags",
  "relationships",
  "configurationItemCaptureTime",
  "configurationItemStatus",
  "configurationStateId",
  "resourceCreationTime",
  "version",
]);
const FILTERABLE = new Set(["resourceType", "accountId", "awsRegion", "resourceId", "resourceName"]);

export interface ParsedQuery {
  /** Selected property paths; ["*"] selects the whole item. */
  fields: string[];
  /** Property -> allowed values (conditions on one property intersect). */
  where: Map<string, Set<string>>;
}

// ---- the SQL subset: SELECT a, b.c WHERE x = 'v' AND y IN ('v', 'w') ----

type Token = { kind: "word" | "string" | "punct"; text: string };

function tokenize(expr: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr.charAt(i);
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let text = "";
      i++;
      for (;;) {
        if (i >= expr.length) throw invalid("unterminated string literal");
        if (expr.charAt(i) === "'") {
          if (expr.charAt(i + 1) === "'") {
            text += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += expr.charAt(i++);
      }
      out.push({ kind: "string", text });
    } else if ("(),=*".includes(c)) {
      out.push({ kind: "punct", text: c });
      i++;
    } else {
      const m = /^[A-Za-z_][A-Za-z0-9_.:]*/.exec(expr.slice(i));
      if (!m) throw invalid(`unexpected character '${c}'`);
      out.push({ kind: "word", text: m[0] });
      i += m[0].length;
    }
  }
  return out;
}

function invalid(why: string): SimError {
  return new SimError("InvalidExpressionException", `Invalid query expression: ${why}`);
}

export function parseQuery(expr: string): ParsedQuery {
  const toks = tokenize(expr);
  let p = 0;
  const peek = () => toks[p];
  const next = (): Token => {
    const t = toks[p++];
    if (!t) throw invalid("unexpected end of expression");
    return t;
  };
  const isKeyword = (t: Token | undefined, kw: string) => t?.kind === "word" && t.text.toUpperCase() === kw;
  const expectPunct = (s: string) => {
    const t = next();
    if (t.kind !== "punct" || t.text !== s) throw invalid(`expected '${s}' near '${t.text}'`);
  };

  if (!isKeyword(next(), "SELECT")) throw invalid("expression must start with SELECT");
  const fields: string[] = [];
  for (;;) {
    const t = next();
    if (t.kind === "punct" && t.text === "*") fields.push("*");
    else if (t.kind === "word" && !isKeyword(t, "WHERE")) {
      const top = t.text.split(".")[0] ?? "";
      if (!SELECTABLE.has(top)) throw invalid(`unknown property '${t.text}'`);
      fields.push(t.text);
    } else throw invalid(`unexpected '${t.text}' in the SELECT list`);
    const sep = peek();
    if (sep?.kind === "punct" && sep.text === ",") {
      p++;
      continue;
    }
    break;
  }

  const where = new Map<string, Set<string>>();
  if (p < toks.length) {
    if (!isKeyword(next(), "WHERE"))
      throw invalid(
        `unexpected '${toks[p - 1]?.text ?? ""}' (dpscan simulator supports SELECT ... WHERE only)`,
      );
    for (;;) {
      const field = next();
      if (field.kind !== "word" || !FILTERABLE.has(field.text)) {
        throw invalid(`unsupported condition on '${field.text}' (supported: ${[...FILTERABLE].join(", ")})`);
      }
      const values = new Set<string>();
      const op = next();
      if (op.kind === "punct" && op.text === "=") {
        const v = next();
        if (v.kind !== "string") throw invalid("expected a quoted value");
        values.add(v.text);
      } else if (op.kind === "word" && op.text.toUpperCase() === "IN") {
        expectPunct("(");
        for (;;) {
          const v = next();
          if (v.kind !== "string") throw invalid("expected a quoted value in IN (...)");
          values.add(v.text);
          const sep = next();
          if (sep.kind === "punct" && sep.text === ")") break;
          if (sep.kind !== "punct" || sep.text !== ",") throw invalid("expected ',' or ')'");
        }
      } else throw invalid(`unsupported operator '${op.text}' (supported: =, IN)`);
      const prev = where.get(field.text);
      where.set(field.text, prev ? new Set([...prev].filter((v) => values.has(v))) : values);
      if (p >= toks.length) break;
      if (!isKeyword(next(), "AND"))
        throw invalid(`unsupported '${toks[p - 1]?.text ?? ""}' (only AND joins conditions)`);
    }
  }
  return { fields, where };
}

// ---- projection: "configuration.kmsKeyId" keeps that branch only, across arrays too ----

function project(value: unknown, parts: readonly string[]): unknown {
  if (parts.length === 0 || value === undefined || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => project(v, parts));
  if (!isObject(value)) return undefined;
  const [head, ...rest] = parts;
  if (head === undefined || !Object.hasOwn(value, head)) return undefined;
  const sub = project(value[head], rest);
  return sub === undefined ? undefined : { [head]: sub };
}

function merge(a: unknown, b: unknown): unknown {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (Array.isArray(a) && Array.isArray(b)) return a.map((x, i) => merge(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const out: JsonObject = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = merge(out[k], v);
    return out;
  }
  return b;
}

export function selectFields(item: ConfigItem, fields: readonly string[]): JsonObject {
  if (fields.includes("*")) return item;
  let out: unknown = {};
  for (const f of fields) out = merge(out, project(item, f.split(".")));
  return isObject(out) ? out : {};
}

// ---- the walk: accounts x scopes (regions, then global IAM, then S3) x types x items ----

interface Walk {
  accountCount: number;
  account(pos: number): SimAccount | undefined;
  scopes(account: SimAccount): { scope: ItemScope; region: string }[];
  /** awsRegion values an item may have (S3 buckets carry their own region); undefined = any. */
  regionAllowed(account: SimAccount, awsRegion: string): boolean;
}

function typesFor(q: ParsedQuery, scope: ItemScope): RecordedType[] {
  const wanted = q.where.get("resourceType");
  return RECORDED_TYPES.filter((t) => t.scope === scope && (!wanted || wanted.has(t.type)));
}

function scopesIn(regions: string[], withGlobal: boolean): { scope: ItemScope; region: string }[] {
  const out: { scope: ItemScope; region: string }[] = regions.map((region) => ({ scope: "region", region }));
  if (withGlobal) out.push({ scope: "global", region: GLOBAL_REGION });
  out.push({ scope: "s3", region: "" });
  return out;
}

function accountWalk(ctx: CallContext, q: ParsedQuery): Walk {
  const ids = q.where.get("accountId");
  const own = !ids || ids.has(ctx.account.Id);
  return {
    accountCount: own ? 1 : 0,
    account: () => ctx.account,
    // One recorder per region; only one region's recorder includes global (IAM) types.
    scopes: (a) => scopesIn([ctx.region], globalRecordingRegion(a) === ctx.region),
    regionAllowed: (a, r) =>
      r === ctx.region || (r === GLOBAL_REGION && globalRecordingRegion(a) === ctx.region),
  };
}

function aggregateWalk(ctx: CallContext, q: ParsedQuery): Walk {
  const ids = q.where.get("accountId");
  const regions = q.where.get("awsRegion");
  const list = ids ? [...ids].sort() : undefined;
  return {
    accountCount: list ? list.length : ctx.world.accounts.size,
    account(pos) {
      const a = list ? ctx.world.accounts.get(list[pos] ?? "") : ctx.world.accounts.at(pos);
      return a && a.Status === "ACTIVE" ? a : undefined;
    },
    scopes: (a) =>
      scopesIn(
        a.enabledRegions.filter((r) => !regions || regions.has(r)),
        !regions || regions.has(GLOBAL_REGION),
      ),
    regionAllowed: (a, r) =>
      (!regions || regions.has(r)) && (r === GLOBAL_REGION || a.enabledRegions.includes(r)),
  };
}

function keep(item: ConfigItem | undefined, a: SimAccount, q: ParsedQuery, walk: Walk): item is ConfigItem {
  if (!item) return false;
  if (!walk.regionAllowed(a, String(item["awsRegion"]))) return false;
  for (const f of ["resourceId", "resourceName"]) {
    const allowed = q.where.get(f);
    if (allowed && !allowed.has(String(item[f]))) return false;
  }
  return true;
}

function runQuery(
  input: JsonObject,
  ctx: CallContext,
  walk: Walk,
  q: ParsedQuery,
  limit: number,
): JsonObject {
  const invalid = () => new SimError("InvalidNextTokenException", "The nextToken provided is invalid");
  const pos = tokenPosition(optString(input, "NextToken"), 4, invalid);
  let [a, s, t, i] = [pos?.[0] ?? 0, pos?.[1] ?? 0, pos?.[2] ?? 0, pos?.[3] ?? 0];
  const results: string[] = [];
  let next: number[] | undefined;
  walk: for (; a < walk.accountCount; a++, s = 0, t = 0, i = 0) {
    const account = walk.account(a);
    if (!account) continue;
    const scopes = walk.scopes(account);
    for (; s < scopes.length; s++, t = 0, i = 0) {
      const sc = scopes[s];
      if (!sc) continue;
      const types = typesFor(q, sc.scope);
      for (; t < types.length; t++, i = 0) {
        const type = types[t];
        if (!type) continue;
        const size = type.size(account, sc.region);
        for (; i < size; i++) {
          if (results.length === limit) {
            next = [a, s, t, i];
            break walk;
          }
          const item = type.item(account, sc.region, i);
          if (keep(item, account, q, walk)) results.push(JSON.stringify(selectFields(item, q.fields)));
        }
      }
    }
  }
  const out: JsonObject = {
    Results: results,
    QueryInfo: { SelectFields: q.fields.map((Name) => ({ Name })) },
  };
  if (next) out["NextToken"] = encodeToken(next);
  return out;
}

function readLimit(input: JsonObject): number {
  const limit = optInt(input, "Limit", 0, MAX_LIMIT, "InvalidLimitException") ?? 0;
  return limit === 0 ? MAX_LIMIT : limit;
}

function ownedAggregator(ctx: CallContext, name: string): AggregatorSpec {
  const agg = ctx.world.aggregators.find(
    (g) => g.Name === name && g.AccountId === ctx.account.Id && g.Region === ctx.region,
  );
  if (!agg) {
    throw new SimError(
      "NoSuchConfigurationAggregatorException",
      `The configuration aggregator does not exist: ${name}`,
    );
  }
  return agg;
}

function aggregatorShape(g: AggregatorSpec): JsonObject {
  const id = createHash("sha256").update(`${g.AccountId}/${g.Region}/${g.Name}`).digest("hex").slice(0, 8);
  const created = epochSeconds("2024-01-01T00:00:00Z");
  return {
    ConfigurationAggregatorName: g.Name,
    ConfigurationAggregatorArn: `arn:aws:config:${g.Region}:${g.AccountId}:config-aggregator/config-aggregator-${id}`,
    OrganizationAggregationSource: {
      RoleArn: `arn:aws:iam::${g.AccountId}:role/service-role/AWSConfigRoleForOrganizations`,
      AllAwsRegions: true,
    },
    CreationTime: created,
    LastUpdatedTime: created,
  };
}

function describeAggregators(input: JsonObject, ctx: CallContext): JsonObject {
  const names = optStringList(input, "ConfigurationAggregatorNames");
  const owned = ctx.world.aggregators.filter(
    (g) => g.AccountId === ctx.account.Id && g.Region === ctx.region,
  );
  if (names?.length) {
    for (const n of names) ownedAggregator(ctx, n);
    return { ConfigurationAggregators: owned.filter((g) => names.includes(g.Name)).map(aggregatorShape) };
  }
  return { ConfigurationAggregators: owned.map(aggregatorShape) };
}

export const configService = jsonService({
  signingName: "config",
  targetPrefix: "StarlingDoveService",
  version: "1.1",
  throttleCode: "ThrottlingException",
  operations: {
    SelectResourceConfig(input, ctx) {
      const q = parseQuery(reqString(input, "Expression"));
      return runQuery(input, ctx, accountWalk(ctx, q), q, readLimit(input));
    },
    SelectAggregateResourceConfig(input, ctx) {
      const q = parseQuery(reqString(input, "Expression"));
      ownedAggregator(ctx, reqString(input, "ConfigurationAggregatorName"));
      const max = optInt(input, "MaxResults", 0, MAX_LIMIT, "InvalidLimitException") ?? 0;
      const limit = Math.min(readLimit(input), max === 0 ? MAX_LIMIT : max);
      return runQuery(input, ctx, aggregateWalk(ctx, q), q, limit);
    },
    DescribeConfigurationAggregators: describeAggregators,
  },
  resourceId: (_op, input) =>
    typeof input["ConfigurationAggregatorName"] === "string"
      ? input["ConfigurationAggregatorName"]
      : undefined,
});
