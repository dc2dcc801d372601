// Whether an RDS database refuses unencrypted connections: the one parameter of its engine that
// says so, read from the parameter group the instance actually uses — its DB cluster's cluster
// parameter group for cluster members (Aurora, Multi-AZ DB clusters), else its DB parameter group.
// Each group is read once per (account, region), one filtered call; a group that reports no value
// falls back to its family's engine defaults, read once per family. The facts land on the instance
// record as `supplementaryConfiguration.TlsEnforcement`; the rule judges them (see
// docs/collectors/rds.md, "Encryption in transit").
import {
  DescribeDBClusterParameterGroupsCommand,
  DescribeDBParameterGroupsCommand,
  paginateDescribeDBClusterParameters,
  paginateDescribeDBParameters,
  paginateDescribeEngineDefaultClusterParameters,
  paginateDescribeEngineDefaultParameters,
  type DBCluster,
  type Parameter,
  type RDSClient,
} from "@aws-sdk/client-rds";
import { unreadable, type Json, type JsonObject } from "../model/resource.js";
import type { CollectorContext, DetailResult } from "./types.js";

const SERVICE = "rds";
const PAGE = 100;

/** The parameter that makes each engine refuse unencrypted connections (RDS user guides). */
export function tlsParameterOf(engine: string): string | undefined {
  if (engine === "postgres" || engine === "aurora-postgresql" || engine.startsWith("sqlserver-"))
    return "rds.force_ssl";
  if (engine === "mysql" || engine === "mariadb" || engine === "aurora-mysql" || engine === "aurora")
    return "require_secure_transport";
  return undefined;
}

/** Why an engine without such a parameter is not judged (the fact is unknown, never a pass). */
function notByParameter(engine: string): string {
  if (engine.startsWith("oracle-"))
    return `${engine} enforces encryption in transit through its option group (the SSL or NATIVE_NETWORK_ENCRYPTION option), not a parameter; dpscan does not read option groups`;
  if (engine.startsWith("db2-"))
    return `${engine} configures TLS through its ssl_svcename and db2comm parameters, which dpscan does not judge`;
  return `dpscan knows no parameter of engine ${engine} that makes it refuse unencrypted connections`;
}

/** Which group an instance uses, and that group's apply status on the instance. */
export type GroupRef =
  { kind: "db" | "cluster"; name: string; status: string | null } | { kind: "unknown"; marker: JsonObject };

/** What an instance needs of its DB cluster: the cluster parameter group and its status on each member. */
export interface ClusterGroup {
  group: string | null;
  members: ReadonlyMap<string, string | null>;
}

export function clusterGroupOf(c: DBCluster): ClusterGroup {
  return {
    group: c.DBClusterParameterGroup ?? null,
    members: new Map(
      (c.DBClusterMembers ?? []).map((m) => [
        m.DBInstanceIdentifier ?? "",
        m.DBClusterParameterGroupStatus ?? null,
      ]),
    ),
  };
}

/** What is known of an instance's cluster: its groups, or the marker saying why nothing is. */
export type ClusterLookup = { ok: true; value: ClusterGroup } | { ok: false; marker: JsonObject } | undefined;

/**
 * The group that sets an instance's TLS parameter: a cluster member's is its cluster's, anyone
 * else's its own first DB parameter group (RDS lists one).
 */
export function instanceGroup(
  instance: {
    id: string;
    clusterId: string | null;
    own: { name: string | null; status: string | null } | undefined;
  },
  cluster: ClusterLookup,
): GroupRef {
  const { id, clusterId, own } = instance;
  if (clusterId === null) {
    if (own?.name) return { kind: "db", name: own.name, status: own.status };
    const marker = unreadable({
      errorCode: "EmptyResponse",
      message: "the instance lists no DB parameter group",
    });
    return { kind: "unknown", marker };
  }
  if (cluster && !cluster.ok) return { kind: "unknown", marker: cluster.marker };
  if (cluster?.value.group)
    return { kind: "cluster", name: cluster.value.group, status: cluster.value.members.get(id) ?? null };
  const marker = unreadable({
    errorCode: "DBClusterNotFound",
    operation: "DescribeDBClusters",
    message: `DB cluster ${clusterId} was not found: its cluster parameter group is unknown`,
  });
  return { kind: "unknown", marker };
}

const GROUP_TYPE = { db: "DB parameter group", cluster: "DB cluster parameter group" } as const;

/** Statuses under which the group's value may not be the running one (static parameters wait for a reboot). */
const NOT_APPLIED = new Set(["pending-reboot", "failed-to-apply", "pending-database-upgrade"]);

interface Found {
  value: string | null;
  source: string | null;
  applyType: string | null;
  family?: string;
}

type Read = { ok: true; found: Found } | { ok: false; marker: JsonObject };

export class TlsResolver {
  private readonly groups = new Map<string, Promise<Read>>();
  private readonly families = new Map<string, Promise<DetailResult<string | null>>>();
  private readonly defaults = new Map<string, Promise<DetailResult<Parameter | null>>>();

  constructor(
    private readonly ctx: Pick<CollectorContext, "detail">,
    private readonly client: RDSClient,
  ) {}

  /** The TlsEnforcement fact of an instance of `engine` using `group`. */
  async resolve(engine: string, group: GroupRef): Promise<Json> {
    const parameter = tlsParameterOf(engine);
    if (!parameter) return unreadable({ errorCode: "UnsupportedEngine", message: notByParameter(engine) });
    if (group.kind === "unknown") return group.marker;
    const key = `${group.kind}\u0000${group.name}\u0000${parameter}`;
    let read = this.groups.get(key);
    if (!read) {
      read = this.readGroup(group.kind, group.name, parameter);
      this.groups.set(key, read);
    }
    const r = await read;
    const base: JsonObject = {
      parameter,
      parameterGroup: group.name,
      parameterGroupType: GROUP_TYPE[group.kind],
      applyStatus: group.status,
    };
    if (!r.ok) return { ...base, value: r.marker, source: null, applyType: null };
    const { value, source, applyType, family } = r.found;
    const fact: JsonObject = { ...base, value, source, applyType };
    const running = runningValue(r.found, group.status, parameter);
    if (running) fact.runningValue = running;
    if (family !== undefined) fact.family = family;
    if (value === null)
      fact.note = `neither the group nor the family's engine defaults set ${parameter}: the engine's built-in default (off) applies`;
    return fact;
  }

  /** The group's own answer, or its family's engine default when the group reports no value. */
  private async readGroup(kind: "db" | "cluster", name: string, parameter: string): Promise<Read> {
    const own = await this.ctx.detail(
      SERVICE,
      kind === "db" ? "DescribeDBParameters" : "DescribeDBClusterParameters",
      () => this.groupParameter(kind, name, parameter),
    );
    if (!own.ok) return { ok: false, marker: own.marker };
    const p = own.value;
    if (p?.ParameterValue !== undefined && p.ParameterValue !== "")
      return {
        ok: true,
        found: { value: p.ParameterValue, source: p.Source ?? null, applyType: p.ApplyType ?? null },
      };
    const family = await this.familyOf(kind, name);
    if (!family.ok) return { ok: false, marker: family.marker };
    if (family.value === null)
      return {
        ok: false,
        marker: unreadable({
          errorCode: "EmptyResponse",
          message: `no family reported for parameter group ${name}`,
        }),
      };
    const d = await this.engineDefault(kind, family.value, parameter);
    if (!d.ok) return { ok: false, marker: d.marker };
    const value =
      d.value?.ParameterValue !== undefined && d.value.ParameterValue !== "" ? d.value.ParameterValue : null;
    return {
      ok: true,
      found: {
        value,
        source: "engine-default",
        applyType: p?.ApplyType ?? d.value?.ApplyType ?? null,
        family: family.value,
      },
    };
  }

  private async groupParameter(
    kind: "db" | "cluster",
    name: string,
    parameter: string,
  ): Promise<Parameter | null> {
    const filter = { Filters: [{ Name: "parameter-name", Values: [parameter] }] };
    const pages =
      kind === "db"
        ? paginateDescribeDBParameters(
            { client: this.client, pageSize: PAGE },
            { DBParameterGroupName: name, ...filter },
          )
        : paginateDescribeDBClusterParameters(
            { client: this.client, pageSize: PAGE },
            { DBClusterParameterGroupName: name, ...filter },
          );
    // A service that ignored the filter pages through everything: stop at the parameter.
    for await (const page of pages) {
      const hit = page.Parameters?.find((x) => x.ParameterName === parameter);
      if (hit) return hit;
    }
    return null;
  }

  private familyOf(kind: "db" | "cluster", name: string): Promise<DetailResult<string | null>> {
    const key = `${kind}\u0000${name}`;
    let p = this.families.get(key);
    if (!p) {
      p =
        kind === "db"
          ? this.ctx.detail(SERVICE, "DescribeDBParameterGroups", async () => {
              const out = await this.client.send(
                new DescribeDBParameterGroupsCommand({ DBParameterGroupName: name }),
              );
              return out.DBParameterGroups?.[0]?.DBParameterGroupFamily ?? null;
            })
          : this.ctx.detail(SERVICE, "DescribeDBClusterParameterGroups", async () => {
              const out = await this.client.send(
                new DescribeDBClusterParameterGroupsCommand({ DBClusterParameterGroupName: name }),
              );
              return out.DBClusterParameterGroups?.[0]?.DBParameterGroupFamily ?? null;
            });
      this.families.set(key, p);
    }
    return p;
  }

  /** A family's default for the parameter, once per family; cluster defaults take no filter (API reference). */
  private engineDefault(
    kind: "db" | "cluster",
    family: string,
    parameter: string,
  ): Promise<DetailResult<Parameter | null>> {
    const key = `${kind}\u0000${family}\u0000${parameter}`;
    let p = this.defaults.get(key);
    if (!p) {
      const op = kind === "db" ? "DescribeEngineDefaultParameters" : "DescribeEngineDefaultClusterParameters";
      p = this.ctx.detail(SERVICE, op, async () => {
        const config = { client: this.client, pageSize: PAGE };
        const pages =
          kind === "db"
            ? paginateDescribeEngineDefaultParameters(config, {
                DBParameterGroupFamily: family,
                Filters: [{ Name: "parameter-name", Values: [parameter] }],
              })
            : paginateDescribeEngineDefaultClusterParameters(config, { DBParameterGroupFamily: family });
        for await (const page of pages) {
          const hit = page.EngineDefaults?.Parameters?.find((x) => x.ParameterName === parameter);
          if (hit) return hit;
        }
        return null;
      });
      this.defaults.set(key, p);
    }
    return p;
  }
}

/**
 * Present only when the running database may not use the group's value: the group is not applied
 * to the instance and the parameter is static (a pending reboot), or the group failed to apply.
 * RDS does not expose running values, so it is the unreadable marker saying why.
 */
function runningValue(found: Found, status: string | null, parameter: string): JsonObject | undefined {
  if (status === null || !NOT_APPLIED.has(status)) return undefined;
  if (status === "pending-reboot" && found.applyType === "dynamic") return undefined;
  return unreadable({
    errorCode: status === "pending-reboot" ? "PendingReboot" : "ParameterGroupNotApplied",
    message:
      status === "pending-reboot"
        ? `${parameter} is a static parameter and the instance's parameter group is pending-reboot: the running value may differ from the group's until the instance restarts`
        : `the instance's parameter group is ${status}: the running value of ${parameter} may differ from the group's`,
  });
}
