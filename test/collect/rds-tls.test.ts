// Whether RDS instances refuse unencrypted connections, as the RDS collector reads it through the
// real @aws-sdk/client-rds from the simulator: which group, which parameter, which value and source,
// each group read once, engine defaults only when a group reports no value.
import { describe, expect, it } from "vitest";
import { rdsCollector } from "../../src/collect/rds.js";
import { asUnreadable, type ResourceRecord } from "../../src/model/resource.js";
import { worldFromDocument } from "../../src/sim/world/file.js";
import type { FaultSpec } from "../../src/sim/world/types.js";
import { collectFromWorld, type CollectResult } from "../helpers/collect.js";
import { MGMT } from "../helpers/sim.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();
const US = "us-east-1";

/** One account, one region: the engines and groups the TLS facts depend on. */
function tlsWorld(faults: FaultSpec = {}) {
  return worldFromDocument({
    faults,
    accounts: [
      {
        Id: MGMT,
        regions: {
          [US]: {
            rdsParameterGroups: [
              {
                DBParameterGroupName: "mysql-tls",
                DBParameterGroupFamily: "mysql8.0",
                Parameters: { require_secure_transport: "1", max_connections: "500" },
              },
              {
                DBParameterGroupName: "mssql-tls",
                DBParameterGroupFamily: "sqlserver-se-16.0",
                Parameters: { "rds.force_ssl": "1" },
              },
            ],
            rdsClusterParameterGroups: [
              {
                DBParameterGroupName: "aurora-tls",
                DBParameterGroupFamily: "aurora-postgresql16",
                Parameters: { "rds.force_ssl": "1" },
              },
            ],
            rdsClusters: [
              {
                DBClusterIdentifier: "ledger",
                Engine: "aurora-postgresql",
                StorageEncrypted: true,
                DBClusterParameterGroup: "aurora-tls",
              },
              {
                DBClusterIdentifier: "legacy-maria",
                Engine: "mariadb",
                EngineVersion: "10.4.34",
                StorageEncrypted: true,
              },
            ],
            rdsInstances: [
              ...["pg16-a", "pg16-b", "pg16-c"].map((id) => ({
                DBInstanceIdentifier: id,
                Engine: "postgres",
                EngineVersion: "16.4",
                StorageEncrypted: true,
              })),
              {
                DBInstanceIdentifier: "pg14",
                Engine: "postgres",
                EngineVersion: "14.12",
                StorageEncrypted: true,
              },
              {
                DBInstanceIdentifier: "mysql-explicit",
                Engine: "mysql",
                StorageEncrypted: true,
                DBParameterGroupName: "mysql-tls",
              },
              { DBInstanceIdentifier: "mysql-default", Engine: "mysql", StorageEncrypted: true },
              {
                DBInstanceIdentifier: "mssql-pending",
                Engine: "sqlserver-se",
                StorageEncrypted: true,
                DBParameterGroupName: "mssql-tls",
                ParameterApplyStatus: "pending-reboot",
              },
              {
                DBInstanceIdentifier: "maria-old",
                Engine: "mariadb",
                EngineVersion: "10.4.34",
                StorageEncrypted: true,
              },
              { DBInstanceIdentifier: "oracle", Engine: "oracle-ee", StorageEncrypted: true },
              { DBInstanceIdentifier: "ledger-1", DBClusterIdentifier: "ledger", StorageEncrypted: true },
              {
                DBInstanceIdentifier: "ledger-2",
                DBClusterIdentifier: "ledger",
                StorageEncrypted: true,
                DBClusterParameterGroupStatus: "pending-reboot",
              },
              {
                DBInstanceIdentifier: "legacy-maria-1",
                DBClusterIdentifier: "legacy-maria",
                StorageEncrypted: true,
              },
            ],
          },
        },
      },
    ],
  });
}

const collect = (faults?: FaultSpec) =>
  collectFromWorld(tlsWorld(faults), [rdsCollector], {
    dir: tmp(),
    regions: [US],
    rates: { rds: { ratePerSecond: 1000, burst: 1000 } },
  });

const tlsOf = (r: CollectResult, name: string): Record<string, unknown> | undefined => {
  const rec: ResourceRecord | undefined = r.records.find((x) => x.resourceName === name);
  return rec?.supplementaryConfiguration.TlsEnforcement as Record<string, unknown> | undefined;
};
const calls = (r: CollectResult, operation: string) => r.sim.counters.calls({ service: "rds", operation });

describe("rds collector: TLS enforcement of each instance", () => {
  it("names the group, parameter, value and source; reads each group once and defaults only when needed", async () => {
    const r = await collect();
    try {
      // PostgreSQL's default moved to 1 in version 15; the group reports it (an RDS "system" value).
      expect(tlsOf(r, "pg16-a")).toEqual({
        parameter: "rds.force_ssl",
        parameterGroup: "default.postgres16",
        parameterGroupType: "DB parameter group",
        applyStatus: "in-sync",
        value: "1",
        source: "system",
        applyType: "dynamic",
      });
      expect(tlsOf(r, "pg14")).toMatchObject({
        parameterGroup: "default.postgres14",
        value: "0",
        source: "system",
      });
      expect(tlsOf(r, "mysql-explicit")).toMatchObject({
        parameter: "require_secure_transport",
        parameterGroup: "mysql-tls",
        value: "1",
        source: "user",
      });
      expect(tlsOf(r, "mysql-default")).toMatchObject({
        parameterGroup: "default.mysql8.0",
        value: "0",
        source: "engine-default",
      });
      // Aurora members read the cluster's group, with the member's own status.
      expect(tlsOf(r, "ledger-1")).toMatchObject({
        parameterGroup: "aurora-tls",
        parameterGroupType: "DB cluster parameter group",
        value: "1",
        source: "user",
        applyStatus: "in-sync",
      });
      // A dynamic parameter is in effect even while other changes wait for a reboot.
      expect(tlsOf(r, "ledger-2")).toMatchObject({ applyStatus: "pending-reboot", value: "1" });
      expect(tlsOf(r, "ledger-2")).not.toHaveProperty("runningValue");
      // A static one is not known to be: the running value is unreadable from the control plane.
      const pending = tlsOf(r, "mssql-pending");
      expect(pending).toMatchObject({ value: "1", applyType: "static", applyStatus: "pending-reboot" });
      expect(asUnreadable(pending?.runningValue)?.errorCode).toBe("PendingReboot");
      // No such parameter in MariaDB 10.4: the family's defaults are asked too, and say nothing.
      expect(tlsOf(r, "maria-old")).toMatchObject({
        parameter: "require_secure_transport",
        parameterGroup: "default.mariadb10.4",
        family: "mariadb10.4",
        value: null,
        source: "engine-default",
        note: expect.stringContaining("built-in default (off)"),
      });
      expect(tlsOf(r, "legacy-maria-1")).toMatchObject({
        parameterGroupType: "DB cluster parameter group",
        family: "mariadb10.4",
        value: null,
      });
      expect(asUnreadable(tlsOf(r, "oracle"))).toMatchObject({
        errorCode: "UnsupportedEngine",
        message: expect.stringContaining("option group"),
      });
      // Once per group (3 instances share default.postgres16), defaults once per family that needs them.
      expect(calls(r, "DescribeDBParameters")).toBe(6);
      expect(calls(r, "DescribeDBClusterParameters")).toBe(2);
      expect(calls(r, "DescribeDBParameterGroups")).toBe(1);
      expect(calls(r, "DescribeEngineDefaultParameters")).toBe(1);
      expect(calls(r, "DescribeDBClusterParameterGroups")).toBe(1);
      expect(calls(r, "DescribeEngineDefaultClusterParameters")).toBe(1);
      for (const op of [
        "DescribeDBParameters",
        "DescribeDBClusterParameters",
        "DescribeEngineDefaultParameters",
      ])
        expect(r.coverage.find((c) => c.operation === op)).toMatchObject({ status: "ok", resourceTypes: [] });
    } finally {
      await r.close();
    }
  });

  it("a denied group read is a marker on the instances using that group; the rest are read", async () => {
    const r = await collect({
      accessDenied: [{ service: "rds", operation: "DescribeDBParameters", resourceId: "default.postgres16" }],
    });
    try {
      for (const id of ["pg16-a", "pg16-b", "pg16-c"]) {
        const tls = tlsOf(r, id);
        expect(tls).toMatchObject({ parameter: "rds.force_ssl", parameterGroup: "default.postgres16" });
        expect(asUnreadable(tls?.value)).toMatchObject({
          errorCode: "AccessDenied",
          operation: "DescribeDBParameters",
        });
      }
      expect(tlsOf(r, "pg14")).toMatchObject({ value: "0" });
      expect(r.coverage.find((c) => c.operation === "DescribeDBParameters")).toMatchObject({
        status: "denied",
        resourceTypes: [],
      });
      // The instances themselves are still listed.
      expect(r.coverage.find((c) => c.operation === "DescribeDBInstances")?.status).toBe("ok");
      expect(r.records.filter((x) => x.resourceType === "AWS::RDS::DBInstance")).toHaveLength(12);
    } finally {
      await r.close();
    }
  });

  it("an engine default that is needed but unreadable is a marker, not a guess", async () => {
    const r = await collect({
      accessDenied: [{ service: "rds", operation: "DescribeEngineDefaultParameters" }],
    });
    try {
      expect(asUnreadable(tlsOf(r, "maria-old")?.value)).toMatchObject({
        errorCode: "AccessDenied",
        operation: "DescribeEngineDefaultParameters",
      });
      // Groups that report their value need no default.
      expect(tlsOf(r, "mysql-default")).toMatchObject({ value: "0" });
    } finally {
      await r.close();
    }
  });

  it("cluster members of a region whose clusters cannot be listed say so", async () => {
    const r = await collect({ accessDenied: [{ service: "rds", operation: "DescribeDBClusters" }] });
    try {
      expect(asUnreadable(tlsOf(r, "ledger-1"))).toMatchObject({ errorCode: "ClusterNotListed" });
      expect(tlsOf(r, "pg16-a")).toMatchObject({ value: "1" });
    } finally {
      await r.close();
    }
  });
});
