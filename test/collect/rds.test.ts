// The RDS collector through the real @aws-sdk/client-rds against the simulator.
import { describe, expect, it } from "vitest";
import { rdsCollector } from "../../src/collect/rds.js";
import { RESOURCE_TYPES } from "../../src/model/resource-types.js";
import { asUnreadable, type ResourceRecord } from "../../src/model/resource.js";
import type { World } from "../../src/sim/world/types.js";
import { collectFromWorld, expectCalledActionsDeclared } from "../helpers/collect.js";
import { configItem, expectConfigParity } from "../helpers/config-items.js";
import { useTmpDir } from "../helpers/tmp.js";
import { mgmtOnlyWorld } from "../helpers/world.js";
import { HOSTILE, MGMT, OUTSIDER, type RegionSizes } from "../helpers/sim.js";

const tmp = useTmpDir();
const US = "us-east-1";
const T = RESOURCE_TYPES;

const oneRegionWorld = (sizes: RegionSizes = {}, faults: World["faults"] = {}): World =>
  mgmtOnlyWorld({ enabledRegions: [US], sizes }, { faults });

const collect = (world: World) => collectFromWorld(world, [rdsCollector], { dir: tmp(), regions: [US] });

/**
 * Every field Config records is in the record, with the same value (the record may carry more API
 * fields); so are its supplementary facts, but the TLS facts Config does not record.
 */
function expectParity(world: World, rec: ResourceRecord | undefined): void {
  const ci = rec && configItem(world, rec.resourceType, rec.resourceId);
  expectConfigParity(rec, ci, { subset: true });
  const { TlsEnforcement: _tls, ...recorded } = rec?.supplementaryConfiguration ?? {};
  expect(recorded).toEqual(ci?.supplementaryConfiguration);
}

describe("rds collector", () => {
  it("records instances, clusters and both kinds of snapshot with Config's field names and ids", async () => {
    const world = oneRegionWorld();
    const r = await collect(world);
    try {
      const of = (t: string) => r.records.filter((x) => x.resourceType === t);
      expect(of(T.rdsInstance)).toHaveLength(5);
      expect(of(T.rdsCluster)).toHaveLength(3);
      expect(of(T.rdsSnapshot)).toHaveLength(4);
      expect(of(T.rdsClusterSnapshot)).toHaveLength(2);

      const db0 = r.byId(`db-${MGMT}000000`);
      expect(db0?.resourceName).toBe("db-0");
      expect(db0?.arn).toBe(`arn:aws:rds:${US}:${MGMT}:db:db-0`);
      expect(db0?.configuration.dBInstanceIdentifier).toBe("db-0");
      expect(db0?.configuration.storageEncrypted).toBe(true);
      expect(db0?.configuration.endpoint).toMatchObject({ port: 3306 });
      expect(db0?.configuration).not.toHaveProperty("tagList");
      const db1 = r.byId(`db-${MGMT}000001`);
      expect(db1?.configuration.storageEncrypted).toBe(false);
      expect(db1?.configuration.kmsKeyId).toBeNull();
      expect(db1?.configuration.publiclyAccessible).toBe(true);

      const cl = r.byId(`cluster-${MGMT}000001`);
      expect(cl?.configuration.dbclusterIdentifier).toBe("cluster-1");
      expect(cl?.configuration.dbClusterResourceId).toBe(`cluster-${MGMT}000001`);
      expect(cl?.configuration.iamdatabaseAuthenticationEnabled).toBe(false);
      expect(cl?.configuration.storageEncrypted).toBe(false);
      expect(cl?.configuration.kmsKeyId).toBeNull();

      // Manual snapshots: the restore attribute as read; automated ones cannot be shared.
      const attrs = (id: string) => r.byId(id)?.supplementaryConfiguration.DBSnapshotAttributes;
      expect(attrs("db-snap-0")).toEqual([{ attributeName: "restore", attributeValues: ["all"] }]);
      expect(attrs("db-snap-1")).toEqual([{ attributeName: "restore", attributeValues: [] }]);
      expect(attrs("db-snap-2")).toEqual([{ attributeName: "restore", attributeValues: [OUTSIDER] }]);
      expect(r.byId("db-snap-1")?.configuration.snapshotType).toBe("automated");
      expect(r.byId("db-snap-1")?.configuration.encrypted).toBe(false);
      const cs0 = r.byId("cluster-snap-0");
      expect(cs0?.configuration.dbclusterSnapshotIdentifier).toBe("cluster-snap-0");
      expect(cs0?.configuration.dbclusterIdentifier).toBe("cluster-0");
      expect(cs0?.supplementaryConfiguration.DBClusterSnapshotAttributes).toEqual([
        { attributeName: "restore", attributeValues: ["all"] },
      ]);
      // The attribute detail is asked for manual snapshots only (2 of 4 DB, 1 of 2 cluster).
      expect(r.sim.counters.calls({ service: "rds", operation: "DescribeDBSnapshotAttributes" })).toBe(2);
      expect(r.sim.counters.calls({ service: "rds", operation: "DescribeDBClusterSnapshotAttributes" })).toBe(
        1,
      );

      const listings = r.coverage.filter((c) => c.service === "rds" && c.operation.startsWith("DescribeDB"));
      expect(listings.every((c) => c.status === "ok")).toBe(true);
      const count = (op: string) => r.coverage.find((c) => c.operation === op)?.resourceCount;
      expect(count("DescribeDBInstances")).toBe(5);
      expect(count("DescribeDBClusters")).toBe(3);
      expect(count("DescribeDBSnapshots")).toBe(4);
      expect(count("DescribeDBClusterSnapshots")).toBe(2);
      expectCalledActionsDeclared(r, rdsCollector);
    } finally {
      await r.close();
    }
  });

  it("matches what AWS Config records for the same resources (parity)", async () => {
    const world = oneRegionWorld();
    const r = await collect(world);
    try {
      // Instances and clusters by resource id; an unencrypted one too, so nulls are compared.
      expectParity(world, r.byId(`db-${MGMT}000000`));
      expectParity(world, r.byId(`db-${MGMT}000001`));
      expectParity(world, r.byId(`db-${MGMT}000004`)); // a cluster member
      expectParity(world, r.byId(`cluster-${MGMT}000000`));
      expectParity(world, r.byId(`cluster-${MGMT}000001`));
      for (const id of ["db-snap-0", "db-snap-1", "db-snap-2", "cluster-snap-0", "cluster-snap-1"])
        expectParity(world, r.byId(id));
    } finally {
      await r.close();
    }
  });

  it("pages through every listing at MaxRecords 100", async () => {
    const world = oneRegionWorld({
      rdsInstances: 250,
      rdsClusters: 101,
      rdsSnapshots: 120,
      rdsClusterSnapshots: 0,
    });
    const r = await collect(world);
    try {
      const of = (t: string) => r.records.filter((x) => x.resourceType === t).length;
      expect(of(T.rdsInstance)).toBe(250);
      expect(of(T.rdsCluster)).toBe(101);
      expect(of(T.rdsSnapshot)).toBe(120);
      expect(new Set(r.records.map((x) => x.resourceId)).size).toBe(r.records.length);
      expect(r.sim.counters.calls({ service: "rds", operation: "DescribeDBInstances" })).toBe(3);
      expect(r.sim.counters.calls({ service: "rds", operation: "DescribeDBClusters" })).toBe(2);
      expect(r.sim.counters.calls({ service: "rds", operation: "DescribeDBSnapshots" })).toBe(2);
      expect(r.sim.counters.calls({ service: "rds", operation: "DescribeDBSnapshotAttributes" })).toBe(60);
      expect(r.coverage.find((c) => c.operation === "DescribeDBInstances")?.resourceCount).toBe(250);
    } finally {
      await r.close();
    }
  });

  it("a denied listing is a coverage gap for its type only", async () => {
    const world = oneRegionWorld({}, { accessDenied: [{ service: "rds", operation: "DescribeDBClusters" }] });
    const r = await collect(world);
    try {
      const row = r.coverage.find((c) => c.operation === "DescribeDBClusters");
      expect(row?.status).toBe("denied");
      expect(row?.errorCode).toBe("AccessDenied");
      expect(r.records.some((x) => x.resourceType === T.rdsCluster)).toBe(false);
      expect(r.records.filter((x) => x.resourceType === T.rdsInstance)).toHaveLength(5);
      expect(r.coverage.find((c) => c.operation === "DescribeDBInstances")?.status).toBe("ok");
    } finally {
      await r.close();
    }
  });

  it("a denied snapshot-attribute read stores the unreadable marker in its place", async () => {
    const world = oneRegionWorld(
      {},
      {
        accessDenied: [
          { service: "rds", operation: "DescribeDBSnapshotAttributes", resourceId: "db-snap-0" },
          { service: "rds", operation: "DescribeDBClusterSnapshotAttributes" },
        ],
      },
    );
    const r = await collect(world);
    try {
      const denied = asUnreadable(r.byId("db-snap-0")?.supplementaryConfiguration.DBSnapshotAttributes);
      expect(denied?.errorCode).toBe("AccessDenied");
      expect(denied?.operation).toBe("DescribeDBSnapshotAttributes");
      // The other manual snapshot was read.
      expect(r.byId("db-snap-2")?.supplementaryConfiguration.DBSnapshotAttributes).toEqual([
        { attributeName: "restore", attributeValues: [OUTSIDER] },
      ]);
      const cs = asUnreadable(
        r.byId("cluster-snap-0")?.supplementaryConfiguration.DBClusterSnapshotAttributes,
      );
      expect(cs?.errorCode).toBe("AccessDenied");
      expect(r.coverage.find((c) => c.operation === "DescribeDBSnapshotAttributes")?.status).toBe("denied");
      expect(r.coverage.find((c) => c.operation === "DescribeDBClusterSnapshotAttributes")?.status).toBe(
        "denied",
      );
      // The snapshots themselves are still listed and recorded.
      expect(r.coverage.find((c) => c.operation === "DescribeDBSnapshots")?.status).toBe("ok");
      expect(r.records.filter((x) => x.resourceType === T.rdsSnapshot)).toHaveLength(4);
    } finally {
      await r.close();
    }
  });

  it("hostile tag strings round-trip intact", async () => {
    const world = oneRegionWorld();
    const r = await collect(world);
    try {
      for (const id of [`db-${MGMT}000000`, `cluster-${MGMT}000000`, "db-snap-0", "cluster-snap-0"]) {
        expect(r.byId(id)?.tags).toEqual({ [HOSTILE]: HOSTILE });
      }
    } finally {
      await r.close();
    }
  });
});
