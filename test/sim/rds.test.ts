import {
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotAttributesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
  paginateDescribeDBClusters,
  paginateDescribeDBInstances,
  paginateDescribeDBSnapshots,
} from "@aws-sdk/client-rds";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { arrayCollection } from "../../src/sim/world/collection.js";
import { startSimulator } from "../../src/sim/wire/server.js";
import type { Simulator } from "../../src/sim/wire/server.js";
import {
  HOSTILE,
  MGMT,
  OUTSIDER,
  PROD,
  makeAccount,
  sdkConfig,
  sdkError,
  testWorld,
} from "../helpers/sim.js";

let sim: Simulator;
let big: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ world: testWorld() });
  // Enough resources for several pages at MaxRecords 20..100.
  const acct = makeAccount({ id: MGMT, sizes: { rdsInstances: 237, rdsClusters: 45, rdsSnapshots: 130 } });
  big = await startSimulator({ world: testWorld({ accounts: arrayCollection([acct], (a) => a.Id) }) });
});
afterAll(async () => {
  await sim.close();
  await big.close();
});

const rds = (s: Simulator = sim, region = "us-east-1", creds = s.credentials): RDSClient =>
  new RDSClient(sdkConfig(s, region, creds, { maxAttempts: 1 }));

describe("DescribeDBInstances", () => {
  it("returns instances with TagList, encryption and ARNs", async () => {
    const out = await rds().send(new DescribeDBInstancesCommand({}));
    expect(out.DBInstances).toHaveLength(5);
    expect(out.Marker).toBeUndefined();
    const db0 = out.DBInstances![0]!;
    expect(db0).toMatchObject({
      DBInstanceIdentifier: "db-0",
      Engine: "mysql",
      DBInstanceStatus: "available",
      StorageEncrypted: true,
      PubliclyAccessible: false,
      DBInstanceArn: `arn:aws:rds:us-east-1:${MGMT}:db:db-0`,
      TagList: [{ Key: HOSTILE, Value: HOSTILE }],
      Endpoint: { Port: 3306 },
    });
    expect(db0.KmsKeyId).toMatch(/^arn:aws:kms:us-east-1:111111111111:key\//);
    expect(db0.InstanceCreateTime).toEqual(new Date("2024-01-15T12:00:00.000Z"));
    expect(out.DBInstances![1]).toMatchObject({
      StorageEncrypted: false,
      PubliclyAccessible: true,
      Endpoint: { Port: 5432 },
    });
    expect(out.DBInstances![1]!.KmsKeyId).toBeUndefined();
    expect(out.DBInstances![4]!.DBClusterIdentifier).toBe("cluster-0");
  });

  it("paginates with MaxRecords and Marker through the SDK paginator", async () => {
    const sizes: number[] = [];
    const ids: string[] = [];
    for await (const page of paginateDescribeDBInstances({ client: rds(big), pageSize: 100 }, {})) {
      sizes.push(page.DBInstances!.length);
      ids.push(...page.DBInstances!.map((d) => d.DBInstanceIdentifier!));
    }
    expect(sizes).toEqual([100, 100, 37]);
    expect(new Set(ids).size).toBe(237);
    const small: number[] = [];
    for await (const page of paginateDescribeDBInstances({ client: rds(big), pageSize: 20 }, {}))
      small.push(page.DBInstances!.length);
    expect(small.length).toBe(12);
  });

  it("looks up one instance by identifier or ARN and fails for unknown ones", async () => {
    const byId = await rds().send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "db-2" }));
    expect(byId.DBInstances!.map((d) => d.DBInstanceIdentifier)).toEqual(["db-2"]);
    const byArn = await rds().send(
      new DescribeDBInstancesCommand({ DBInstanceIdentifier: `arn:aws:rds:us-east-1:${MGMT}:db:db-3` }),
    );
    expect(byArn.DBInstances!.map((d) => d.DBInstanceIdentifier)).toEqual(["db-3"]);
    expect(
      await sdkError(rds().send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "nope" }))),
    ).toMatchObject({
      name: "DBInstanceNotFoundFault",
      status: 404,
    });
  });

  it("filters by engine and cluster", async () => {
    const pg = await rds().send(
      new DescribeDBInstancesCommand({ Filters: [{ Name: "engine", Values: ["postgres"] }] }),
    );
    expect(pg.DBInstances!.map((d) => d.DBInstanceIdentifier)).toEqual(["db-1", "db-3"]);
    const inCluster = await rds().send(
      new DescribeDBInstancesCommand({ Filters: [{ Name: "db-cluster-id", Values: ["cluster-0"] }] }),
    );
    expect(inCluster.DBInstances!.map((d) => d.DBInstanceIdentifier)).toEqual(["db-4"]);
    expect(
      await sdkError(
        rds().send(new DescribeDBInstancesCommand({ Filters: [{ Name: "bogus", Values: ["x"] }] })),
      ),
    ).toMatchObject({
      name: "InvalidParameterValue",
    });
  });

  it("validates MaxRecords and Marker", async () => {
    expect(await sdkError(rds().send(new DescribeDBInstancesCommand({ MaxRecords: 19 })))).toMatchObject({
      name: "InvalidParameterValue",
      status: 400,
    });
    expect(await sdkError(rds().send(new DescribeDBInstancesCommand({ MaxRecords: 101 })))).toMatchObject({
      name: "InvalidParameterValue",
    });
    expect(await sdkError(rds().send(new DescribeDBInstancesCommand({ Marker: "garbage" })))).toMatchObject({
      name: "InvalidParameterValue",
    });
  });

  it("is regional and per account", async () => {
    expect(
      (await rds(sim, "us-west-2").send(new DescribeDBInstancesCommand({}))).DBInstances![0]!.DBInstanceArn,
    ).toContain(":us-west-2:");
    const prod = await rds(sim, "us-east-1", sim.credentialsFor(PROD)).send(
      new DescribeDBInstancesCommand({}),
    );
    expect(prod.DBInstances![0]!.DBInstanceArn).toContain(`:${PROD}:`);
  });
});

describe("DescribeDBClusters", () => {
  it("returns clusters and paginates", async () => {
    const out = await rds().send(new DescribeDBClustersCommand({}));
    expect(out.DBClusters!.map((c) => [c.DBClusterIdentifier, c.StorageEncrypted])).toEqual([
      ["cluster-0", true],
      ["cluster-1", false],
      ["cluster-2", true],
    ]);
    expect(out.DBClusters![0]).toMatchObject({
      Engine: "aurora-postgresql",
      TagList: [{ Key: HOSTILE, Value: HOSTILE }],
    });
    const sizes: number[] = [];
    for await (const page of paginateDescribeDBClusters({ client: rds(big), pageSize: 20 }, {}))
      sizes.push(page.DBClusters!.length);
    expect(sizes).toEqual([20, 20, 5]);
    expect(
      await sdkError(rds().send(new DescribeDBClustersCommand({ DBClusterIdentifier: "x" }))),
    ).toMatchObject({
      name: "DBClusterNotFoundFault",
      status: 404,
    });
  });
});

describe("snapshots", () => {
  it("lists DB snapshots with type and source narrowing, paginated", async () => {
    const all = await rds().send(new DescribeDBSnapshotsCommand({}));
    expect(all.DBSnapshots!.map((s) => [s.DBSnapshotIdentifier, s.SnapshotType, s.Encrypted])).toEqual([
      ["db-snap-0", "manual", true],
      ["db-snap-1", "automated", false],
      ["db-snap-2", "manual", true],
      ["db-snap-3", "automated", true],
    ]);
    expect(all.DBSnapshots![0]!.DBSnapshotArn).toBe(`arn:aws:rds:us-east-1:${MGMT}:snapshot:db-snap-0`);
    expect(all.DBSnapshots![0]!.TagList).toEqual([{ Key: HOSTILE, Value: HOSTILE }]);
    const manual = await rds().send(new DescribeDBSnapshotsCommand({ SnapshotType: "manual" }));
    expect(manual.DBSnapshots!.map((s) => s.DBSnapshotIdentifier)).toEqual(["db-snap-0", "db-snap-2"]);
    const bySource = await rds().send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: "db-1" }));
    expect(bySource.DBSnapshots!.map((s) => s.DBSnapshotIdentifier)).toEqual(["db-snap-1"]);
    const sizes: number[] = [];
    for await (const p of paginateDescribeDBSnapshots({ client: rds(big), pageSize: 50 }, {}))
      sizes.push(p.DBSnapshots!.length);
    expect(sizes).toEqual([50, 50, 30]);
  });

  it("lists cluster snapshots", async () => {
    const out = await rds().send(new DescribeDBClusterSnapshotsCommand({}));
    expect(
      out.DBClusterSnapshots!.map((s) => [
        s.DBClusterSnapshotIdentifier,
        s.DBClusterIdentifier,
        s.StorageEncrypted,
      ]),
    ).toEqual([
      ["cluster-snap-0", "cluster-0", true],
      ["cluster-snap-1", "cluster-1", false],
    ]);
    expect(out.DBClusterSnapshots![0]!.DBClusterSnapshotArn).toBe(
      `arn:aws:rds:us-east-1:${MGMT}:cluster-snapshot:cluster-snap-0`,
    );
  });

  it("reports the restore attribute: public, shared or private", async () => {
    const attr = async (id: string) =>
      (await rds().send(new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: id })))
        .DBSnapshotAttributesResult;
    expect(await attr("db-snap-0")).toEqual({
      DBSnapshotIdentifier: "db-snap-0",
      DBSnapshotAttributes: [{ AttributeName: "restore", AttributeValues: ["all"] }],
    });
    expect((await attr("db-snap-2"))!.DBSnapshotAttributes![0]!.AttributeValues).toEqual([OUTSIDER]);
    expect((await attr("db-snap-3"))!.DBSnapshotAttributes![0]!.AttributeValues).toEqual([]);
    expect(
      await sdkError(rds().send(new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: "none" }))),
    ).toMatchObject({
      name: "DBSnapshotNotFoundFault",
      status: 404,
    });

    const cluster = await rds().send(
      new DescribeDBClusterSnapshotAttributesCommand({ DBClusterSnapshotIdentifier: "cluster-snap-0" }),
    );
    expect(cluster.DBClusterSnapshotAttributesResult).toEqual({
      DBClusterSnapshotIdentifier: "cluster-snap-0",
      DBClusterSnapshotAttributes: [{ AttributeName: "restore", AttributeValues: ["all"] }],
    });
    expect(
      await sdkError(
        rds().send(new DescribeDBClusterSnapshotAttributesCommand({ DBClusterSnapshotIdentifier: "none" })),
      ),
    ).toMatchObject({ name: "DBClusterSnapshotNotFoundFault", status: 404 });
  });
});
