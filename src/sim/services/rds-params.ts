// RDS parameter groups (awsQuery): DB and DB cluster parameter groups, their parameters and each
// family's engine defaults. A group's listing is the family's engine defaults with the values its
// owner set on top (Source user), as DescribeDBParameters shows every parameter of a group.
// `default.<family>` groups exist for every family the simulator knows (rds-families.ts).
import { nextPageLeaf } from "../wire/protocol-query.js";
import type { QueryHandler, QueryParams } from "../wire/protocol-query.js";
import type { CallContext } from "../wire/service.js";
import { SimError } from "../wire/service.js";
import type { XmlFragment } from "../wire/xml.js";
import { leaf, node, nodeOf } from "../wire/xml.js";
import { isRdsFamily } from "../world/rds-families.js";
import type { Collection, RegionResources, SimRdsParameterGroup } from "../world/types.js";
import { arn, invalidParam, page } from "./rds-common.js";
import { engineDefaults, type EngineDefaultParameter } from "./rds-defaults.js";

type ListedParameter = Omit<EngineDefaultParameter, "Source"> & {
  Source: "engine-default" | "system" | "user";
};

/** DB parameter groups and DB cluster parameter groups: the same model under AWS's two sets of names. */
interface GroupKind {
  nameParam: "DBParameterGroupName" | "DBClusterParameterGroupName";
  element: "DBParameterGroup" | "DBClusterParameterGroup";
  arnType: string;
  describeGroups: string;
  describeParameters: string;
  groups(r: RegionResources): Collection<SimRdsParameterGroup>;
  /** The group names the region's instances (or clusters) use, for listing the defaults in use. */
  inUse(r: RegionResources): Iterable<string>;
}

const DB: GroupKind = {
  nameParam: "DBParameterGroupName",
  element: "DBParameterGroup",
  arnType: "pg",
  describeGroups: "DescribeDBParameterGroups",
  describeParameters: "DescribeDBParameters",
  groups: (r) => r.rdsParameterGroups,
  *inUse(r) {
    for (let i = 0; i < r.rdsInstances.size; i++)
      for (const g of r.rdsInstances.at(i).DBParameterGroups) yield g.DBParameterGroupName;
  },
};

const CLUSTER: GroupKind = {
  nameParam: "DBClusterParameterGroupName",
  element: "DBClusterParameterGroup",
  arnType: "cluster-pg",
  describeGroups: "DescribeDBClusterParameterGroups",
  describeParameters: "DescribeDBClusterParameters",
  groups: (r) => r.rdsClusterParameterGroups,
  *inUse(r) {
    for (let i = 0; i < r.rdsClusters.size; i++) yield r.rdsClusters.at(i).DBClusterParameterGroup;
  },
};

const DEFAULT_PREFIX = "default.";

/** A custom group of the region, or RDS's default group of a family. */
function findGroup(kind: GroupKind, ctx: CallContext, name: string): SimRdsParameterGroup | undefined {
  const r = ctx.account.region(ctx.region);
  const own = r ? kind.groups(r).get(name) : undefined;
  if (own) return own;
  const family = name.startsWith(DEFAULT_PREFIX) ? name.slice(DEFAULT_PREFIX.length) : "";
  if (!isRdsFamily(family)) return undefined;
  return { Name: name, Family: family, Description: `Default parameter group for ${family}`, Parameters: {} };
}

const groupNotFound = (kind: GroupKind, name: string): SimError =>
  new SimError("DBParameterGroupNotFound", `${kind.element} not found: ${name}`, 404);

function renderGroup(kind: GroupKind, g: SimRdsParameterGroup, ctx: CallContext): XmlFragment {
  return node(
    kind.element,
    leaf(kind.nameParam, g.Name),
    leaf("DBParameterGroupFamily", g.Family),
    leaf("Description", g.Description),
    leaf(`${kind.element}Arn`, arn(ctx, kind.arnType, g.Name)),
  );
}

function describeGroups(kind: GroupKind): QueryHandler {
  return (p, ctx) => {
    const { start, limit } = page(p, kind.describeGroups);
    const name = p.get(kind.nameParam);
    const r = ctx.account.region(ctx.region);
    let all: SimRdsParameterGroup[];
    if (name !== undefined && name !== "") {
      const g = findGroup(kind, ctx, name);
      if (!g) throw groupNotFound(kind, name);
      all = [g];
    } else {
      const own = r ? kind.groups(r) : undefined;
      all = own ? Array.from({ length: own.size }, (_, i) => own.at(i)) : [];
      const defaults = new Set([...(r ? kind.inUse(r) : [])].filter((n) => n.startsWith(DEFAULT_PREFIX)));
      for (const n of [...defaults].sort()) {
        const g = findGroup(kind, ctx, n);
        if (g) all.push(g);
      }
    }
    const items = all.slice(start, start + limit).map((g) => renderGroup(kind, g, ctx));
    const next = start + limit < all.length ? start + limit : undefined;
    return [nodeOf(`${kind.element}s`, items), nextPageLeaf("Marker", `rds:${kind.describeGroups}`, next)];
  };
}

/** `Filters.Filter.N`: only parameter-name is supported, as the API reference says. */
function nameFilter(p: QueryParams): ((name: string) => boolean) | undefined {
  const names: string[] = [];
  for (const f of p.structs("Filters", "Filter")) {
    const filter = f.get("Name") ?? "";
    if (filter !== "parameter-name") throw invalidParam(`Unrecognized filter name: ${filter}`);
    names.push(...f.list("Values", "Value"));
  }
  return names.length > 0 ? (n) => names.includes(n) : undefined;
}

/** One page of parameters, with the Marker of the next. */
function parameterPage(p: QueryParams, op: string, params: ListedParameter[]): (XmlFragment | undefined)[] {
  const { start, limit } = page(p, op);
  const items = params.slice(start, start + limit).map(renderParameter);
  const next = start + limit < params.length ? start + limit : undefined;
  return [nodeOf("Parameters", items), nextPageLeaf("Marker", `rds:${op}`, next)];
}

function renderParameter(x: ListedParameter): XmlFragment {
  return node(
    "Parameter",
    leaf("ParameterName", x.ParameterName),
    leaf("ParameterValue", x.ParameterValue),
    leaf("Description", x.Description),
    leaf("Source", x.Source),
    leaf("ApplyType", x.ApplyType),
    leaf("DataType", x.DataType),
    leaf("AllowedValues", x.AllowedValues),
    leaf("IsModifiable", true),
    leaf("ApplyMethod", x.ApplyType === "static" ? "pending-reboot" : "immediate"),
  );
}

/** Every parameter of a group: the family's defaults, overridden by what the owner set. */
function groupParameters(g: SimRdsParameterGroup): ListedParameter[] {
  const defaults: ListedParameter[] = engineDefaults(g.Family) ?? [];
  const out = defaults.map((d) =>
    Object.hasOwn(g.Parameters, d.ParameterName)
      ? { ...d, ParameterValue: g.Parameters[d.ParameterName], Source: "user" as const }
      : d,
  );
  for (const [name, value] of Object.entries(g.Parameters))
    if (!defaults.some((d) => d.ParameterName === name))
      out.push({
        ParameterName: name,
        ParameterValue: value,
        Source: "user",
        ApplyType: "dynamic",
        DataType: "string",
        Description: name,
      });
  return out.sort((a, b) => (a.ParameterName < b.ParameterName ? -1 : 1));
}

const SOURCES = ["user", "system", "engine-default"];

function describeParameters(kind: GroupKind): QueryHandler {
  return (p, ctx) => {
    const name = p.get(kind.nameParam);
    if (name === undefined || name === "") throw invalidParam(`${kind.nameParam} is required`);
    const source = p.get("Source");
    if (source !== undefined && !SOURCES.includes(source))
      throw invalidParam(`Invalid value ${source} for Source. Valid values: ${SOURCES.join(", ")}`);
    const byName = nameFilter(p);
    const g = findGroup(kind, ctx, name);
    if (!g) throw groupNotFound(kind, name);
    const params = groupParameters(g).filter(
      (x) => (source === undefined || x.Source === source) && (!byName || byName(x.ParameterName)),
    );
    return parameterPage(p, kind.describeParameters, params);
  };
}

/** Engine defaults of a family; the cluster variant takes no Filters (the API reference: not supported). */
function describeEngineDefaults(op: string, filters: boolean): QueryHandler {
  return (p) => {
    const family = p.get("DBParameterGroupFamily") ?? "";
    const defaults = engineDefaults(family);
    if (!defaults) throw invalidParam(`Invalid DB parameter group family: ${family}`);
    const byName = filters ? nameFilter(p) : undefined;
    const params = defaults.filter((x) => !byName || byName(x.ParameterName));
    const [list, marker] = parameterPage(p, op, params);
    return [node("EngineDefaults", leaf("DBParameterGroupFamily", family), list, marker)];
  };
}

export const PARAMETER_OPERATIONS: Record<string, QueryHandler> = {
  DescribeDBParameterGroups: describeGroups(DB),
  DescribeDBClusterParameterGroups: describeGroups(CLUSTER),
  DescribeDBParameters: describeParameters(DB),
  DescribeDBClusterParameters: describeParameters(CLUSTER),
  DescribeEngineDefaultParameters: describeEngineDefaults("DescribeEngineDefaultParameters", true),
  DescribeEngineDefaultClusterParameters: describeEngineDefaults(
    "DescribeEngineDefaultClusterParameters",
    false,
  ),
};

/** What AccessDenied rules name for these operations: the group, else the family. */
export function parameterResourceId(p: QueryParams): string | undefined {
  return (
    p.get("DBParameterGroupName") ?? p.get("DBClusterParameterGroupName") ?? p.get("DBParameterGroupFamily")
  );
}
