// RDS parameter groups from a world file: the custom DB and DB cluster parameter groups of a
// region, which group each instance and cluster uses (`default.<family>` unless named), and the
// cluster members' view of their cluster group. A named group must exist in the region with the
// family of the instance's (or cluster's) engine version, as RDS requires.
import { closest } from "../../../util/suggest.js";
import type { RdsParameterGroupDoc } from "../doc.js";
import { RDS_FAMILIES, isRdsFamily, rdsFamily } from "../rds-families.js";
import type { SimRdsCluster, SimRdsInstance, SimRdsParameterGroup } from "../types.js";
import type { PathSeg, Report } from "./common.js";

export function buildParameterGroup(
  g: RdsParameterGroupDoc,
  p: PathSeg[],
  report: Report,
): SimRdsParameterGroup {
  if (!isRdsFamily(g.DBParameterGroupFamily)) {
    const guess = closest(g.DBParameterGroupFamily, RDS_FAMILIES);
    report(
      [...p, "DBParameterGroupFamily"],
      `unknown parameter group family "${g.DBParameterGroupFamily}"${guess ? ` (did you mean "${guess}"?)` : ""}`,
    );
  }
  return {
    Name: g.DBParameterGroupName,
    Family: g.DBParameterGroupFamily,
    Description: g.Description ?? `${g.DBParameterGroupName} parameters`,
    Parameters: { ...g.Parameters },
  };
}

/** The group an instance or cluster names (or its family's default), checked against the region's groups. */
export function groupFor(
  named: string | undefined,
  engine: string,
  version: string,
  groups: ReadonlyMap<string, SimRdsParameterGroup>,
  p: PathSeg[],
  report: Report,
): string {
  const family = rdsFamily(engine, version);
  if (named === undefined) return `default.${family}`;
  const group = groups.get(named);
  const defaultFamily = named.startsWith("default.") ? named.slice("default.".length) : undefined;
  const groupFamily =
    group?.Family ?? (defaultFamily !== undefined && isRdsFamily(defaultFamily) ? defaultFamily : undefined);
  if (groupFamily === undefined) report(p, `no parameter group "${named}" in this region`);
  else if (groupFamily !== family)
    report(p, `parameter group "${named}" is of family ${groupFamily}; ${engine} ${version} needs ${family}`);
  return named;
}

/** Each cluster lists the instances that name it, the first as writer, with their cluster group status. */
export function linkMembers(
  clusters: readonly SimRdsCluster[],
  instances: readonly SimRdsInstance[],
  statusOf: (instance: SimRdsInstance) => string | undefined,
): void {
  const byId = new Map(clusters.map((c) => [c.DBClusterIdentifier, c]));
  for (const d of instances) {
    const c = d.DBClusterIdentifier !== undefined ? byId.get(d.DBClusterIdentifier) : undefined;
    if (!c) continue;
    c.Members.push({
      DBInstanceIdentifier: d.DBInstanceIdentifier,
      IsClusterWriter: c.Members.length === 0,
      DBClusterParameterGroupStatus: statusOf(d) ?? "in-sync",
    });
  }
}
