// RDS (awsQuery): instances, clusters, their snapshots and the snapshots' `restore` attribute;
// parameter groups and engine defaults are in rds-params.ts.
// RDS names its list members (`<DBInstance>`, `<Tag>`, `<Filter>` …) and pages with
// MaxRecords (20..100, default 100) and Marker.
import { isoTime, nextPageLeaf, queryService, scanPage } from "../wire/protocol-query.js";
import type { QueryParams } from "../wire/protocol-query.js";
import type { CallContext, SimService } from "../wire/service.js";
import { SimError } from "../wire/service.js";
import type {
  Collection,
  RegionResources,
  SimRdsCluster,
  SimRdsInstance,
  SimRdsSnapshot,
  Tag,
} from "../world/types.js";
import type { XmlFragment } from "../wire/xml.js";
import { leaf, list, node, nodeOf, scalarList } from "../wire/xml.js";
import { arn, invalidParam, page } from "./rds-common.js";
import { PARAMETER_OPERATIONS, parameterResourceId } from "./rds-params.js";

export const RDS_XMLNS = "http://rds.amazonaws.com/doc/2014-10-31/";

const tagList = (tags: Tag[]): XmlFragment | undefined =>
  list("TagList", "Tag", tags, (t, m) => node(m, leaf("Key", t.Key), leaf("Value", t.Value)));

/** Identifiers may be given as ARNs (arn:aws:rds:<region>:<acct>:<type>:<name>). */
const bareId = (id: string): string => (id.startsWith("arn:") ? id.split(":").slice(6).join(":") : id);

const port = (engine: string): number =>
  engine.includes("postgres") ? 5432 : engine.includes("sqlserver") ? 1433 : 3306;

function renderInstance(d: SimRdsInstance, ctx: CallContext): XmlFragment {
  return node(
    "DBInstance",
    leaf("DBInstanceIdentifier", d.DBInstanceIdentifier),
    leaf("DBInstanceClass", d.DBInstanceClass),
    leaf("Engine", d.Engine),
    leaf("DBInstanceStatus", d.DBInstanceStatus),
    node(
      "Endpoint",
      leaf("Address", `${d.DBInstanceIdentifier.toLowerCase()}.c0sim0000000.${ctx.region}.rds.amazonaws.com`),
      leaf("Port", port(d.Engine)),
    ),
    leaf("AllocatedStorage", d.AllocatedStorage),
    leaf("InstanceCreateTime", isoTime(d.InstanceCreateTime)),
    leaf("MultiAZ", false),
    leaf("EngineVersion", d.EngineVersion),
    leaf("AutoMinorVersionUpgrade", true),
    leaf("PubliclyAccessible", d.PubliclyAccessible),
    leaf("StorageType", "gp3"),
    list("DBParameterGroups", "DBParameterGroup", d.DBParameterGroups, (g, m) =>
      node(
        m,
        leaf("DBParameterGroupName", g.DBParameterGroupName),
        leaf("ParameterApplyStatus", g.ParameterApplyStatus),
      ),
    ),
    leaf("DBClusterIdentifier", d.DBClusterIdentifier),
    leaf("StorageEncrypted", d.StorageEncrypted),
    leaf("KmsKeyId", d.KmsKeyId),
    leaf("DbiResourceId", d.DbiResourceId),
    leaf("CACertificateIdentifier", "rds-ca-rsa2048-g1"),
    leaf("CopyTagsToSnapshot", false),
    leaf("DBInstanceArn", arn(ctx, "db", d.DBInstanceIdentifier)),
    leaf("IAMDatabaseAuthenticationEnabled", false),
    leaf("DeletionProtection", false),
    tagList(d.Tags),
  );
}

function renderCluster(c: SimRdsCluster, ctx: CallContext): XmlFragment {
  return node(
    "DBCluster",
    leaf("DBClusterIdentifier", c.DBClusterIdentifier),
    leaf("Status", c.Status),
    leaf(
      "Endpoint",
      `${c.DBClusterIdentifier.toLowerCase()}.cluster-c0sim0000000.${ctx.region}.rds.amazonaws.com`,
    ),
    leaf("MultiAZ", false),
    leaf("Engine", c.Engine),
    leaf("EngineVersion", c.EngineVersion),
    leaf("Port", port(c.Engine)),
    leaf("DBClusterParameterGroup", c.DBClusterParameterGroup),
    list("DBClusterMembers", "DBClusterMember", c.Members, (m, name) =>
      node(
        name,
        leaf("DBInstanceIdentifier", m.DBInstanceIdentifier),
        leaf("IsClusterWriter", m.IsClusterWriter),
        leaf("DBClusterParameterGroupStatus", m.DBClusterParameterGroupStatus),
        leaf("PromotionTier", 1),
      ),
    ),
    leaf("StorageEncrypted", c.StorageEncrypted),
    leaf("KmsKeyId", c.KmsKeyId),
    leaf("DbClusterResourceId", c.DbClusterResourceId),
    leaf("DBClusterArn", arn(ctx, "cluster", c.DBClusterIdentifier)),
    leaf("IAMDatabaseAuthenticationEnabled", false),
    leaf("ClusterCreateTime", isoTime(c.ClusterCreateTime)),
    leaf("DeletionProtection", false),
    tagList(c.Tags),
  );
}

/**
 * DB snapshots and DB cluster snapshots: one model, the same operations, and AWS's names for each
 * (DBSnapshot… / DBClusterSnapshot…, Encrypted / StorageEncrypted, …).
 */
interface SnapshotKind {
  /** Element and parameter prefix: DBSnapshot or DBClusterSnapshot. */
  prefix: "DBSnapshot" | "DBClusterSnapshot";
  /** The parameter and element naming the source instance or cluster. */
  sourceParam: "DBInstanceIdentifier" | "DBClusterIdentifier";
  encryptedElement: "Encrypted" | "StorageEncrypted";
  arnType: string;
  notFoundCode: string;
  collection: (r: RegionResources) => Collection<SimRdsSnapshot>;
  idFilter: string;
  sourceFilter: string;
}

const DB_SNAPSHOT: SnapshotKind = {
  prefix: "DBSnapshot",
  sourceParam: "DBInstanceIdentifier",
  encryptedElement: "Encrypted",
  arnType: "snapshot",
  notFoundCode: "DBSnapshotNotFound",
  collection: (r) => r.rdsSnapshots,
  idFilter: "db-snapshot-id",
  sourceFilter: "db-instance-id",
};

const CLUSTER_SNAPSHOT: SnapshotKind = {
  prefix: "DBClusterSnapshot",
  sourceParam: "DBClusterIdentifier",
  encryptedElement: "StorageEncrypted",
  arnType: "cluster-snapshot",
  notFoundCode: "DBClusterSnapshotNotFoundFault",
  collection: (r) => r.rdsClusterSnapshots,
  idFilter: "db-cluster-snapshot-id",
  sourceFilter: "db-cluster-id",
};

const snapshotNotFound = (kind: SnapshotKind, id: string): SimError =>
  new SimError(kind.notFoundCode, `${kind.prefix} ${id} not found.`, 404);

function renderSnapshot(kind: SnapshotKind, s: SimRdsSnapshot, ctx: CallContext): XmlFragment {
  return node(
    kind.prefix,
    leaf(`${kind.prefix}Identifier`, s.Identifier),
    leaf(kind.sourceParam, s.SourceIdentifier),
    leaf("SnapshotCreateTime", isoTime(s.SnapshotCreateTime)),
    leaf("Engine", s.Engine),
    leaf("Status", s.Status),
    leaf("Port", port(s.Engine)),
    leaf("SnapshotType", s.SnapshotType),
    leaf(kind.encryptedElement, s.Encrypted),
    leaf("KmsKeyId", s.KmsKeyId),
    leaf(`${kind.prefix}Arn`, arn(ctx, kind.arnType, s.Identifier)),
    tagList(s.Tags),
  );
}

// ---------------------------------------------------------------------------------------------

type FilterFields<T> = Record<string, (item: T) => string | undefined>;

/** RDS filters: exact matches (no wildcards); ids may be given as ARNs. Unknown names are rejected. */
function filterPredicate<T>(p: QueryParams, fields: FilterFields<T>): (item: T) => boolean {
  const tests = p.structs("Filters", "Filter").map((f) => {
    const name = f.get("Name") ?? "";
    const get = Object.hasOwn(fields, name) ? fields[name] : undefined;
    if (!get) throw invalidParam(`Unrecognized filter name: ${name}`);
    const values = new Set(f.list("Values", "Value").map(bareId));
    return (item: T): boolean => {
      const v = get(item);
      return v !== undefined && values.has(v);
    };
  });
  return (item) => tests.every((t) => t(item));
}

interface DescribeSpec<T> {
  op: string;
  collection: (r: RegionResources) => Collection<T>;
  /** The parameter naming one resource, and the not-found error for it. */
  idParam: string;
  notFound: (id: string) => SimError;
  filters: FilterFields<T>;
  /** Extra request parameters narrowing the listing (e.g. DBInstanceIdentifier on DescribeDBSnapshots). */
  narrow?: (p: QueryParams) => (item: T) => boolean;
  listName: string;
  render: (item: T, ctx: CallContext) => XmlFragment;
}

function describe<T>(spec: DescribeSpec<T>) {
  return (p: QueryParams, ctx: CallContext): (XmlFragment | undefined)[] => {
    const keep = filterPredicate(p, spec.filters);
    const narrow = spec.narrow?.(p) ?? (() => true);
    const coll = ctx.account.region(ctx.region)
      ? spec.collection(ctx.account.region(ctx.region)!)
      : undefined;
    const id = p.get(spec.idParam);
    const { start, limit } = page(p, spec.op);
    if (id !== undefined && id !== "") {
      const item = coll?.get(bareId(id));
      if (!item) throw spec.notFound(bareId(id));
      return [nodeOf(spec.listName, keep(item) && narrow(item) ? [spec.render(item, ctx)] : [])];
    }
    if (!coll) return [nodeOf(spec.listName, [])];
    const out = scanPage(
      coll,
      start,
      limit,
      (item) => narrow(item) && keep(item),
      (item) => spec.render(item, ctx),
    );
    return [nodeOf(spec.listName, out.items), nextPageLeaf("Marker", `rds:${spec.op}`, out.next)];
  };
}

function describeSnapshots(kind: SnapshotKind) {
  return describe<SimRdsSnapshot>({
    op: `Describe${kind.prefix}s`,
    collection: kind.collection,
    idParam: `${kind.prefix}Identifier`,
    notFound: (id) => snapshotNotFound(kind, id),
    filters: {
      [kind.idFilter]: (s) => s.Identifier,
      [kind.sourceFilter]: (s) => s.SourceIdentifier,
      "snapshot-type": (s) => s.SnapshotType,
      engine: (s) => s.Engine,
    },
    narrow: (p) => {
      const type = p.get("SnapshotType");
      const source = p.get(kind.sourceParam);
      // Shared and public snapshots of other accounts are not modelled: those types list nothing.
      return (s) =>
        (type === undefined || type === "" || s.SnapshotType === type) &&
        (source === undefined || source === "" || s.SourceIdentifier === bareId(source));
    },
    listName: `${kind.prefix}s`,
    render: (s, ctx) => renderSnapshot(kind, s, ctx),
  });
}

function attributes(kind: SnapshotKind) {
  const idParam = `${kind.prefix}Identifier`;
  return (p: QueryParams, ctx: CallContext): XmlFragment[] => {
    const raw = p.get(idParam);
    if (!raw) throw invalidParam(`${idParam} is required`);
    const id = bareId(raw);
    const region = ctx.account.region(ctx.region);
    const snap = region && kind.collection(region).get(id);
    if (!snap) throw snapshotNotFound(kind, id);
    return [
      node(
        `${kind.prefix}AttributesResult`,
        leaf(idParam, id),
        list(`${kind.prefix}Attributes`, `${kind.prefix}Attribute`, [snap.SharedWith], (values, m) =>
          node(m, leaf("AttributeName", "restore"), scalarList("AttributeValues", "AttributeValue", values)),
        ),
      ),
    ];
  };
}

export function rdsService(): SimService {
  return queryService({
    signingName: "rds",
    flavour: "awsQuery",
    xmlns: RDS_XMLNS,
    throttleCode: "Throttling",
    operations: {
      DescribeDBInstances: describe<SimRdsInstance>({
        op: "DescribeDBInstances",
        collection: (r) => r.rdsInstances,
        idParam: "DBInstanceIdentifier",
        notFound: (id) => new SimError("DBInstanceNotFound", `DBInstance ${id} not found.`, 404),
        filters: {
          "db-instance-id": (d) => d.DBInstanceIdentifier,
          "db-cluster-id": (d) => d.DBClusterIdentifier,
          "dbi-resource-id": (d) => d.DbiResourceId,
          engine: (d) => d.Engine,
        },
        listName: "DBInstances",
        render: renderInstance,
      }),
      DescribeDBClusters: describe<SimRdsCluster>({
        op: "DescribeDBClusters",
        collection: (r) => r.rdsClusters,
        idParam: "DBClusterIdentifier",
        notFound: (id) => new SimError("DBClusterNotFoundFault", `DBCluster ${id} not found.`, 404),
        filters: {
          "db-cluster-id": (c) => c.DBClusterIdentifier,
          "db-cluster-resource-id": (c) => c.DbClusterResourceId,
          engine: (c) => c.Engine,
        },
        listName: "DBClusters",
        render: renderCluster,
      }),
      DescribeDBSnapshots: describeSnapshots(DB_SNAPSHOT),
      DescribeDBClusterSnapshots: describeSnapshots(CLUSTER_SNAPSHOT),
      DescribeDBSnapshotAttributes: attributes(DB_SNAPSHOT),
      DescribeDBClusterSnapshotAttributes: attributes(CLUSTER_SNAPSHOT),
      ...PARAMETER_OPERATIONS,
    },
    resourceId: (_operation, p) =>
      p.get("DBInstanceIdentifier") ??
      p.get("DBClusterIdentifier") ??
      p.get("DBSnapshotIdentifier") ??
      p.get("DBClusterSnapshotIdentifier") ??
      parameterResourceId(p),
  });
}
