// The DynamoDB collector through the real @aws-sdk/client-dynamodb against the simulator.
import { describe, expect, it } from "vitest";
import { dynamodbCollector } from "../../src/collect/dynamodb.js";
import { RESOURCE_TYPES } from "../../src/model/resource-types.js";
import { asUnreadable, type ResourceRecord } from "../../src/model/resource.js";
import type { World } from "../../src/sim/world/types.js";
import { calledActions, collectFromWorld, type CollectOptions } from "../helpers/collect.js";
import { configItem, expectConfigParity } from "../helpers/config-items.js";
import { useTmpDir } from "../helpers/tmp.js";
import { mgmtOnlyWorld } from "../helpers/world.js";
import { HOSTILE, MGMT, type RegionSizes } from "../helpers/sim.js";

const tmp = useTmpDir();
const US = "us-east-1";
const TABLE = RESOURCE_TYPES.dynamodbTable;
const keyArn = `arn:aws:kms:${US}:${MGMT}:key/00000000-0000-4000-8000-${MGMT}`;

const oneRegionWorld = (sizes: RegionSizes = {}, faults: World["faults"] = {}): World =>
  mgmtOnlyWorld({ enabledRegions: [US], sizes }, { faults });

const collect = (world: World, opts: Partial<CollectOptions> = {}) =>
  collectFromWorld(world, [dynamodbCollector], { dir: tmp(), regions: [US], ...opts });

describe("dynamodb collector", () => {
  it("records every table with DescribeTable's facts and its tags", async () => {
    const r = await collect(oneRegionWorld());
    try {
      const tables = r.records.filter((x) => x.resourceType === TABLE);
      expect(tables.map((t) => t.resourceId).sort()).toEqual(["table-0", "table-1", "table-2"]);
      const t1 = r.byId("table-1");
      expect(t1?.arn).toBe(`arn:aws:dynamodb:${US}:${MGMT}:table/table-1`);
      expect(t1?.configuration.tableName).toBe("table-1");
      expect(t1?.configuration.ssedescription).toEqual({
        status: "ENABLED",
        ssetype: "KMS",
        kmsmasterKeyArn: keyArn,
      });
      expect(t1?.configuration.billingModeSummary).toEqual({ billingMode: "PAY_PER_REQUEST" });
      expect(t1?.tags).toEqual({ env: "prod" });
      // The default AWS-owned key: DescribeTable has no SSE description, and none is invented.
      expect(r.byId("table-0")?.configuration).not.toHaveProperty("ssedescription");
      expect(r.byId("table-0")?.supplementaryConfiguration).toEqual({});
      const row = r.coverage.find((c) => c.operation === "ListTables");
      expect(row).toMatchObject({ status: "ok", resourceCount: 3 });
      expect(r.coverage.find((c) => c.operation === "DescribeTable")?.status).toBe("ok");
      expect(r.coverage.find((c) => c.operation === "ListTagsOfResource")?.status).toBe("ok");

      expect(calledActions(r, "dynamodb")).toEqual([...dynamodbCollector.actions].sort());
    } finally {
      await r.close();
    }
  });

  it("matches what AWS Config records for the same tables (parity)", async () => {
    const world = oneRegionWorld();
    const r = await collect(world);
    try {
      for (const id of ["table-0", "table-1"]) {
        const rec = r.byId(id) as ResourceRecord;
        const ci = configItem(world, TABLE, id);
        // Every field Config records, with the same value; the record may carry more of DescribeTable.
        expectConfigParity(rec, ci, { subset: true });
        // ... and no field Config would name differently (e.g. `sSEDescription`).
        expect("ssedescription" in rec.configuration).toBe("ssedescription" in (ci?.configuration as object));
      }
    } finally {
      await r.close();
    }
  });

  it("pages through ListTables at Limit 100", async () => {
    // 201 tables need 402 detail calls: run with a faster client-side pace than the default.
    const r = await collect(oneRegionWorld({ tables: 201 }), {
      rates: { dynamodb: { ratePerSecond: 1000, burst: 1000 } },
    });
    try {
      expect(r.records).toHaveLength(201);
      expect(new Set(r.records.map((x) => x.resourceId)).size).toBe(201);
      expect(r.sim.counters.calls({ service: "dynamodb", operation: "ListTables" })).toBe(3);
      expect(r.sim.counters.calls({ service: "dynamodb", operation: "DescribeTable" })).toBe(201);
      expect(r.coverage.find((c) => c.operation === "ListTables")?.resourceCount).toBe(201);
    } finally {
      await r.close();
    }
  });

  it("a denied ListTables is a coverage gap and records nothing", async () => {
    const r = await collect(
      oneRegionWorld({}, { accessDenied: [{ service: "dynamodb", operation: "ListTables" }] }),
    );
    try {
      expect(r.records).toHaveLength(0);
      const row = r.coverage.find((c) => c.operation === "ListTables");
      expect(row?.status).toBe("denied");
      expect(row?.errorCode).toBe("AccessDeniedException");
      expect(r.sim.counters.calls({ service: "dynamodb", operation: "DescribeTable" })).toBe(0);
    } finally {
      await r.close();
    }
  });

  it("a denied DescribeTable still records the table, with the marker as its configuration", async () => {
    const world = oneRegionWorld(
      {},
      { accessDenied: [{ service: "dynamodb", operation: "DescribeTable", resourceId: "table-1" }] },
    );
    const r = await collect(world);
    try {
      const t1 = r.byId("table-1");
      expect(t1).toBeDefined();
      expect(t1?.resourceName).toBe("table-1");
      expect(t1?.arn).toBe(`arn:aws:dynamodb:${US}:${MGMT}:table/table-1`);
      const u = asUnreadable(t1?.configuration);
      expect(u?.errorCode).toBe("AccessDeniedException");
      expect(u?.operation).toBe("DescribeTable");
      // Its tags were still read (through the ARN the collector built).
      expect(t1?.tags).toEqual({ env: "prod" });
      expect(r.byId("table-2")?.configuration.tableName).toBe("table-2");
      expect(r.coverage.find((c) => c.operation === "DescribeTable")?.status).toBe("denied");
    } finally {
      await r.close();
    }
  });

  it("a denied tag read is a marker beside the (empty) tags", async () => {
    const world = oneRegionWorld(
      {},
      { accessDenied: [{ service: "dynamodb", operation: "ListTagsOfResource" }] },
    );
    const r = await collect(world);
    try {
      const t2 = r.byId("table-2");
      expect(t2?.tags).toEqual({});
      expect(asUnreadable(t2?.supplementaryConfiguration.Tags)?.operation).toBe("ListTagsOfResource");
      expect(t2?.configuration.tableName).toBe("table-2");
      expect(r.coverage.find((c) => c.operation === "ListTagsOfResource")?.status).toBe("denied");
    } finally {
      await r.close();
    }
  });

  it("hostile tag strings round-trip intact", async () => {
    const r = await collect(oneRegionWorld());
    try {
      expect(r.byId("table-0")?.tags).toEqual({ [HOSTILE]: HOSTILE });
    } finally {
      await r.close();
    }
  });
});
