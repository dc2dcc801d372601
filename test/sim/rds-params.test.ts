// The simulator's RDS parameter groups through the real @aws-sdk/client-rds: a group's parameters are
// its family's engine defaults with the owner's values on top, default.<family> groups exist for every
// family, engine defaults page with Marker inside EngineDefaults, and errors are RDS's.
import {
  DescribeDBClusterParametersCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBParameterGroupsCommand,
  DescribeDBParametersCommand,
  DescribeEngineDefaultClusterParametersCommand,
  DescribeEngineDefaultParametersCommand,
  RDSClient,
  paginateDescribeDBParameters,
  paginateDescribeEngineDefaultParameters,
} from "@aws-sdk/client-rds";
import { describe, expect, it } from "vitest";
import { worldFromDocument } from "../../src/sim/world/file.js";
import { MGMT, pagesOf, sdkError } from "../helpers/sim.js";
import { useSimulator } from "./harness.js";

const US = "us-east-1";
const world = worldFromDocument({
  faults: { accessDenied: [{ service: "rds", operation: "DescribeDBParameters", resourceId: "locked" }] },
  accounts: [
    {
      Id: MGMT,
      regions: {
        [US]: {
          rdsParameterGroups: [
            {
              DBParameterGroupName: "app-pg16",
              DBParameterGroupFamily: "postgres16",
              Parameters: { "rds.force_ssl": "0", work_mem: "65536", "custom.setting": "x" },
            },
            { DBParameterGroupName: "locked", DBParameterGroupFamily: "postgres16" },
          ],
          rdsClusterParameterGroups: [
            {
              DBParameterGroupName: "aurora-tls",
              DBParameterGroupFamily: "aurora-mysql8.0",
              Parameters: { require_secure_transport: "ON" },
            },
          ],
          rdsClusters: [
            {
              DBClusterIdentifier: "orders",
              Engine: "aurora-mysql",
              StorageEncrypted: true,
              DBClusterParameterGroup: "aurora-tls",
            },
          ],
          rdsInstances: [
            { DBInstanceIdentifier: "app", StorageEncrypted: true, DBParameterGroupName: "app-pg16" },
            { DBInstanceIdentifier: "orders-1", DBClusterIdentifier: "orders", StorageEncrypted: true },
            {
              DBInstanceIdentifier: "orders-2",
              DBClusterIdentifier: "orders",
              StorageEncrypted: true,
              DBClusterParameterGroupStatus: "pending-reboot",
            },
            {
              DBInstanceIdentifier: "legacy",
              Engine: "mysql",
              EngineVersion: "5.7.44",
              StorageEncrypted: true,
            },
          ],
        },
      },
    },
  ],
});
const { client } = useSimulator({ world });
const rds = (): RDSClient => client(RDSClient, US);
const nameFilter = (...names: string[]) => [{ Name: "parameter-name", Values: names }];

describe("instances and clusters name their groups", () => {
  it("DescribeDBInstances lists each instance's group and status; DescribeDBClusters the cluster's group and members", async () => {
    const instances = (await rds().send(new DescribeDBInstancesCommand({}))).DBInstances ?? [];
    const groups = Object.fromEntries(instances.map((d) => [d.DBInstanceIdentifier, d.DBParameterGroups]));
    expect(groups.app).toEqual([{ DBParameterGroupName: "app-pg16", ParameterApplyStatus: "in-sync" }]);
    expect(groups.legacy).toEqual([
      { DBParameterGroupName: "default.mysql5.7", ParameterApplyStatus: "in-sync" },
    ]);
    expect(groups["orders-1"]).toEqual([
      { DBParameterGroupName: "default.aurora-mysql8.0", ParameterApplyStatus: "in-sync" },
    ]);
    const [orders] = (await rds().send(new DescribeDBClustersCommand({}))).DBClusters ?? [];
    expect(orders?.DBClusterParameterGroup).toBe("aurora-tls");
    expect(orders?.DBClusterMembers).toEqual([
      {
        DBInstanceIdentifier: "orders-1",
        IsClusterWriter: true,
        DBClusterParameterGroupStatus: "in-sync",
        PromotionTier: 1,
      },
      {
        DBInstanceIdentifier: "orders-2",
        IsClusterWriter: false,
        DBClusterParameterGroupStatus: "pending-reboot",
        PromotionTier: 1,
      },
    ]);
  });
});

describe("DescribeDBParameters", () => {
  it("lists every parameter of the family, the owner's values as Source user, in pages of MaxRecords", async () => {
    const pages = await pagesOf(
      paginateDescribeDBParameters({ client: rds(), pageSize: 20 }, { DBParameterGroupName: "app-pg16" }),
      (p) => p.Parameters,
    );
    expect(pages.length).toBeGreaterThan(1);
    const all = pages.flat();
    const by = Object.fromEntries(all.map((p) => [p.ParameterName, p]));
    expect(by["rds.force_ssl"]).toMatchObject({
      ParameterValue: "0",
      Source: "user",
      ApplyType: "dynamic",
      AllowedValues: "0,1",
    });
    expect(by.work_mem).toMatchObject({ ParameterValue: "65536", Source: "user" });
    expect(by["custom.setting"]).toMatchObject({ ParameterValue: "x", Source: "user" });
    expect(by.max_connections).toMatchObject({ Source: "engine-default" });
    expect(by.max_connections?.ParameterValue).toBeUndefined();
    const names = all.map((p) => p.ParameterName ?? "");
    expect(names).toEqual([...names].sort());
  });

  it("a default group reports the family's own values (PostgreSQL 15 and later force SSL; RDS sets it: system)", async () => {
    const ask = (group: string) =>
      rds().send(
        new DescribeDBParametersCommand({
          DBParameterGroupName: group,
          Filters: nameFilter("rds.force_ssl"),
        }),
      );
    expect((await ask("default.postgres14")).Parameters).toEqual([
      expect.objectContaining({ ParameterName: "rds.force_ssl", ParameterValue: "0", Source: "system" }),
    ]);
    expect((await ask("default.postgres16")).Parameters?.[0]).toMatchObject({ ParameterValue: "1" });
    const mssql = await rds().send(
      new DescribeDBParametersCommand({
        DBParameterGroupName: "default.sqlserver-se-16.0",
        Filters: nameFilter("rds.force_ssl"),
      }),
    );
    expect(mssql.Parameters?.[0]).toMatchObject({ ParameterValue: "0", ApplyType: "static" });
  });

  it("filters by Source", async () => {
    const out = await rds().send(
      new DescribeDBParametersCommand({ DBParameterGroupName: "app-pg16", Source: "user" }),
    );
    expect(out.Parameters?.map((p) => p.ParameterName)).toEqual([
      "custom.setting",
      "rds.force_ssl",
      "work_mem",
    ]);
  });

  it("answers RDS's errors: an unknown group, a bad filter or Source, a page size out of range", async () => {
    // The wire code DBParameterGroupNotFound is the SDK's DBParameterGroupNotFoundFault.
    expect(
      await sdkError(rds().send(new DescribeDBParametersCommand({ DBParameterGroupName: "nope" }))),
    ).toMatchObject({
      name: "DBParameterGroupNotFoundFault",
      status: 404,
    });
    // default.<not a family> is no group either.
    expect(
      (
        await sdkError(
          rds().send(new DescribeDBParametersCommand({ DBParameterGroupName: "default.postgres99" })),
        )
      ).name,
    ).toBe("DBParameterGroupNotFoundFault");
    const bad = [
      new DescribeDBParametersCommand({
        DBParameterGroupName: "app-pg16",
        Filters: [{ Name: "source", Values: ["x"] }],
      }),
      new DescribeDBParametersCommand({ DBParameterGroupName: "app-pg16", Source: "everyone" }),
      new DescribeDBParametersCommand({ DBParameterGroupName: "app-pg16", MaxRecords: 19 }),
    ];
    for (const cmd of bad) expect((await sdkError(rds().send(cmd))).name).toBe("InvalidParameterValue");
  });

  it("AccessDenied rules can name a group", async () => {
    expect(
      (await sdkError(rds().send(new DescribeDBParametersCommand({ DBParameterGroupName: "locked" })))).name,
    ).toBe("AccessDenied");
    await expect(
      rds().send(new DescribeDBParametersCommand({ DBParameterGroupName: "app-pg16" })),
    ).resolves.toBeDefined();
  });
});

describe("cluster parameter groups and engine defaults", () => {
  it("DescribeDBClusterParameters reads a cluster group; DescribeDBClusterParameterGroups names its family", async () => {
    const out = await rds().send(
      new DescribeDBClusterParametersCommand({
        DBClusterParameterGroupName: "aurora-tls",
        Filters: nameFilter("require_secure_transport"),
      }),
    );
    expect(out.Parameters).toEqual([
      expect.objectContaining({ ParameterValue: "ON", Source: "user", AllowedValues: "ON,OFF" }),
    ]);
    const groups = await rds().send(
      new DescribeDBParameterGroupsCommand({ DBParameterGroupName: "default.mariadb10.4" }),
    );
    expect(groups.DBParameterGroups).toEqual([
      expect.objectContaining({
        DBParameterGroupName: "default.mariadb10.4",
        DBParameterGroupFamily: "mariadb10.4",
        DBParameterGroupArn: `arn:aws:rds:${US}:${MGMT}:pg:default.mariadb10.4`,
      }),
    ]);
  });

  it("without a name lists the custom groups, then the default groups the region's instances use", async () => {
    const out = await rds().send(new DescribeDBParameterGroupsCommand({}));
    expect(out.DBParameterGroups?.map((g) => g.DBParameterGroupName)).toEqual([
      "app-pg16",
      "locked",
      "default.aurora-mysql8.0",
      "default.mysql5.7",
    ]);
  });

  it("DescribeEngineDefaultParameters pages with the Marker inside EngineDefaults; MariaDB 10.4 has no require_secure_transport", async () => {
    const pages = await pagesOf(
      paginateDescribeEngineDefaultParameters(
        { client: rds(), pageSize: 20 },
        { DBParameterGroupFamily: "mysql8.0" },
      ),
      (p) => p.EngineDefaults?.Parameters,
    );
    expect(pages.length).toBe(2);
    expect(pages.flat().find((p) => p.ParameterName === "require_secure_transport")).toMatchObject({
      ParameterValue: "0",
    });
    const maria = await rds().send(
      new DescribeEngineDefaultParametersCommand({
        DBParameterGroupFamily: "mariadb10.4",
        Filters: nameFilter("require_secure_transport"),
      }),
    );
    expect(maria.EngineDefaults).toMatchObject({ DBParameterGroupFamily: "mariadb10.4", Parameters: [] });
    const cluster = await rds().send(
      new DescribeEngineDefaultClusterParametersCommand({ DBParameterGroupFamily: "aurora-mysql8.0" }),
    );
    expect(
      cluster.EngineDefaults?.Parameters?.find((p) => p.ParameterName === "require_secure_transport"),
    ).toMatchObject({
      ParameterValue: "OFF",
    });
    expect(
      (
        await sdkError(
          rds().send(new DescribeEngineDefaultParametersCommand({ DBParameterGroupFamily: "postgres3" })),
        )
      ).name,
    ).toBe("InvalidParameterValue");
  });
});
