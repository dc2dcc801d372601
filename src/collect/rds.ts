// RDS collector: DB instances (with whether they refuse unencrypted connections, rds-tls.ts), DB
// clusters, and the account's own DB and DB cluster snapshots with who may restore them. Every type is recorded by AWS Config, so `configuration` uses Config's field
// names — which differ per type: instances and DB snapshots lowercase only the first letter
// (`dBInstanceIdentifier`), clusters and cluster snapshots lowercase the whole leading capital run
// (`dbclusterIdentifier`, `iamdatabaseAuthenticationEnabled`). See docs/collectors/rds.md.
import {
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBSnapshotAttributesCommand,
  paginateDescribeDBClusters,
  paginateDescribeDBClusterSnapshots,
  paginateDescribeDBInstances,
  paginateDescribeDBSnapshots,
  type DBCluster,
  type DBClusterSnapshot,
  type DBInstance,
  type DBSnapshot,
} from "@aws-sdk/client-rds";
import { unreadable, type JsonObject } from "../model/resource.js";
import { RESOURCE_TYPES } from "../model/resource-types.js";
import { clusterGroupOf, instanceGroup, TlsResolver, type ClusterGroup, type GroupRef } from "./rds-tls.js";
import { beanShape, configShape } from "./shape.js";
import { COLLECTOR_MANIFESTS } from "./manifests.js";
import type { Collector, CollectorContext } from "./types.js";

const SERVICE = "rds";
/** DescribeDB* accept MaxRecords 20..100 (field notes): the largest page means the fewest calls. */
const PAGE = 100;

export const rdsCollector: Collector = {
  ...COLLECTOR_MANIFESTS.rds,
  async collect(ctx) {
    // Cluster members read their cluster's parameter group: instances wait for the cluster listing.
    const clusters = collectClusters(ctx);
    await Promise.all([
      clusters,
      collectInstances(ctx, clusters),
      collectSnapshots(ctx),
      collectClusterSnapshots(ctx),
    ]);
  },
};

/** What an instance needs of its cluster: the cluster parameter group and its status on each member. */
interface ClusterGroups {
  listed: boolean;
  byId: Map<string, ClusterGroup>;
}

/** Tags are the record's `tags`; Config keeps them out of these types' configuration. */
function withoutTags<T extends { TagList?: unknown }>(v: T): Omit<T, "TagList"> {
  const { TagList: _tags, ...rest } = v;
  return rest;
}

/** `[{AttributeName, AttributeValues}]` -> `[{attributeName, attributeValues}]`. */
function shapeList(items: readonly object[] | undefined): JsonObject[] {
  return (items ?? []).map((x) => configShape(x));
}

/** Config records the `restore` attribute for every snapshot; automated ones cannot be shared. */
const NOT_SHARED = [{ attributeName: "restore", attributeValues: [] }];

async function collectInstances(ctx: CollectorContext, clusters: Promise<ClusterGroups>): Promise<void> {
  const client = ctx.client(SERVICE);
  const tls = new TlsResolver(ctx, client);
  await ctx.list(SERVICE, "DescribeDBInstances", {
    pages: paginateDescribeDBInstances({ client, pageSize: PAGE }, {}),
    items: (page) => page.DBInstances,
    readRecord: async (d) => {
      if (!d.DbiResourceId) return undefined;
      const group = groupOf(d, d.DBClusterIdentifier ? await clusters : undefined);
      return {
        resourceType: RESOURCE_TYPES.rdsInstance,
        // Config identifies an instance by its immutable resource id, not its (renameable) name.
        resourceId: d.DbiResourceId,
        resourceName: d.DBInstanceIdentifier ?? null,
        arn: d.DBInstanceArn ?? null,
        configuration: instanceConfiguration(d),
        // Not recorded by Config: see docs/collectors/rds.md.
        supplementaryConfiguration: { TlsEnforcement: await tls.resolve(d.Engine ?? "", group) },
        tags: d.TagList ?? [],
      };
    },
  });
}

/** The group that sets an instance's TLS parameter (rds-tls.ts), from the region's cluster listing. */
function groupOf(d: DBInstance, clusters: ClusterGroups | undefined): GroupRef {
  const clusterId = d.DBClusterIdentifier ?? null;
  const own = d.DBParameterGroups?.[0];
  const instance = {
    id: d.DBInstanceIdentifier ?? "",
    clusterId,
    own: own
      ? { name: own.DBParameterGroupName ?? null, status: own.ParameterApplyStatus ?? null }
      : undefined,
  };
  if (clusterId === null || !clusters) return instanceGroup(instance, undefined);
  if (!clusters.listed) {
    const marker = unreadable({
      errorCode: "ClusterNotListed",
      operation: "DescribeDBClusters",
      message: `DB clusters could not be listed here: the cluster parameter group of ${clusterId} is unknown`,
    });
    return instanceGroup(instance, { ok: false, marker });
  }
  const c = clusters.byId.get(clusterId);
  return instanceGroup(instance, c ? { ok: true, value: c } : undefined);
}

/** `DBInstance` with the first letter lowercased, as Config records it; absent optional fields are null. */
export function instanceConfiguration(d: DBInstance): JsonObject {
  return {
    ...configShape(withoutTags(d)),
    kmsKeyId: d.KmsKeyId ?? null,
    dBClusterIdentifier: d.DBClusterIdentifier ?? null,
  };
}

async function collectClusters(ctx: CollectorContext): Promise<ClusterGroups> {
  const client = ctx.client(SERVICE);
  const byId: ClusterGroups["byId"] = new Map();
  const listed = await ctx.list(SERVICE, "DescribeDBClusters", {
    pages: paginateDescribeDBClusters({ client, pageSize: PAGE }, {}),
    items: (page) => page.DBClusters,
    toRecord: (c) => {
      if (c.DBClusterIdentifier) byId.set(c.DBClusterIdentifier, clusterGroupOf(c));
      return c.DbClusterResourceId
        ? {
            resourceType: RESOURCE_TYPES.rdsCluster,
            resourceId: c.DbClusterResourceId,
            resourceName: c.DBClusterIdentifier ?? null,
            arn: c.DBClusterArn ?? null,
            configuration: clusterConfiguration(c),
            tags: c.TagList ?? [],
          }
        : undefined;
    },
  });
  return { listed, byId };
}

/** `DBCluster` with bean-style keys (`dbclusterIdentifier`, `dbclusterArn`, `dbClusterResourceId`). */
export function clusterConfiguration(c: DBCluster): JsonObject {
  return { ...beanShape(withoutTags(c)), kmsKeyId: c.KmsKeyId ?? null };
}

async function collectSnapshots(ctx: CollectorContext): Promise<void> {
  const client = ctx.client(SERVICE);
  await ctx.list(SERVICE, "DescribeDBSnapshots", {
    // Without SnapshotType/IncludeShared/IncludePublic: the account's own automated and manual snapshots.
    pages: paginateDescribeDBSnapshots({ client, pageSize: PAGE }, {}),
    items: (page) => page.DBSnapshots,
    async readRecord(s) {
      const id = s.DBSnapshotIdentifier;
      if (!id) return undefined;
      let attributes: unknown = NOT_SHARED;
      if (s.SnapshotType !== "automated") {
        const r = await ctx.detail(
          SERVICE,
          "DescribeDBSnapshotAttributes",
          async () => {
            const out = await client.send(
              new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: id }),
            );
            return shapeList(out.DBSnapshotAttributesResult?.DBSnapshotAttributes);
          },
          { fact: "DBSnapshotAttributes" },
        );
        attributes = r.ok ? r.value : r.marker;
      }
      return {
        resourceType: RESOURCE_TYPES.rdsSnapshot,
        resourceId: id,
        resourceName: id,
        arn: s.DBSnapshotArn ?? null,
        configuration: snapshotConfiguration(s),
        supplementaryConfiguration: { DBSnapshotAttributes: attributes },
        tags: s.TagList ?? [],
      };
    },
  });
}

/** `DBSnapshot` with the first letter lowercased (`dBSnapshotIdentifier`, `dBSnapshotArn`). */
export function snapshotConfiguration(s: DBSnapshot): JsonObject {
  return { ...configShape(withoutTags(s)), kmsKeyId: s.KmsKeyId ?? null };
}

async function collectClusterSnapshots(ctx: CollectorContext): Promise<void> {
  const client = ctx.client(SERVICE);
  await ctx.list(SERVICE, "DescribeDBClusterSnapshots", {
    pages: paginateDescribeDBClusterSnapshots({ client, pageSize: PAGE }, {}),
    items: (page) => page.DBClusterSnapshots,
    async readRecord(s) {
      const id = s.DBClusterSnapshotIdentifier;
      if (!id) return undefined;
      let attributes: unknown = NOT_SHARED;
      if (s.SnapshotType !== "automated") {
        const r = await ctx.detail(
          SERVICE,
          "DescribeDBClusterSnapshotAttributes",
          async () => {
            const out = await client.send(
              new DescribeDBClusterSnapshotAttributesCommand({ DBClusterSnapshotIdentifier: id }),
            );
            return shapeList(out.DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes);
          },
          { fact: "DBClusterSnapshotAttributes" },
        );
        attributes = r.ok ? r.value : r.marker;
      }
      return {
        resourceType: RESOURCE_TYPES.rdsClusterSnapshot,
        resourceId: id,
        resourceName: id,
        arn: s.DBClusterSnapshotArn ?? null,
        configuration: clusterSnapshotConfiguration(s),
        supplementaryConfiguration: { DBClusterSnapshotAttributes: attributes },
        tags: s.TagList ?? [],
      };
    },
  });
}

/** `DBClusterSnapshot` with bean-style keys (`dbclusterSnapshotIdentifier`, `dbclusterSnapshotArn`). */
export function clusterSnapshotConfiguration(s: DBClusterSnapshot): JsonObject {
  return { ...beanShape(withoutTags(s)), kmsKeyId: s.KmsKeyId ?? null };
}
