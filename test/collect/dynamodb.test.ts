// The DynamoDB collector through the real @aws-sdk/client-dynamodb against the simulator.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ClientFactory } from "../../src/aws/clients.js";
import { dynamodbCollector } from "../../src/collect/dynamodb.js";
import { runCollectors } from "../../src/collect/runner.js";
import { RESOURCE_TYPES } from "../../src/model/resource-types.js";
import { asUnreadable, type ResourceRecord } from "../../src/model/resource.js";
import { arrayCollection } from "../../src/sim/collection.js";
import { RECORDED_TYPES, type ConfigItem } from "../../src/sim/config-items.js";
import { startSimulator } from "../../src/sim/server.js";
import { allServices } from "../../src/sim/services/index.js";
import type { World } from "../../src/sim/world.js";
import { Store } from "../../src/store/store.js";
import { collectFromWorld } from "../helpers/collect.js";
import { useTmpDir } from "../helpers/tmp.js";
import { HOSTILE, MGMT, makeAccount, testWorld } from "../sim/helpers.js";

const tmp = useTmpDir();
const US = "us-east-1";
const TABLE = RESOURCE_TYPES.dynamodbTable;
const keyArn = `arn:aws:kms:${US}:${MGMT}:key/00000000-0000-4000-8000-${MGMT}`;

function oneRegionWorld(
  sizes: Parameters<typeof makeAccount>[0]["sizes"] = {},
  faults: World["faults"] = {},
): World {
  return testWorld({
    accounts: arrayCollection([makeAccount({ id: MGMT, enabledRegions: [US], sizes })], (a) => a.Id),
    faults,
  });
}

const collect = (world: World) => collectFromWorld(world, [dynamodbCollector], { dir: tmp(), regions: [US] });

function configItem(world: World, id: string): ConfigItem | undefined {
  const rt = RECORDED_TYPES.find((t) => t.type === TABLE);
  const account = world.accounts.get(MGMT);
  if (!rt || !account) return undefined;
  for (let i = 0; i < rt.size(account, US); i++) {
    const ci = rt.item(account, US, i);
    if (ci?.resourceId === id) return ci;
  }
  return undefined;
}

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

      const ops = new Set(
        r.sim.counters
          .snapshot()
          .rows.filter((x) => x.service === "dynamodb")
          .map((x) => `dynamodb:${x.operation}`),
      );
      expect([...ops].sort()).toEqual([...dynamodbCollector.actions].sort());
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
        const ci = configItem(world, id);
        expect(ci).toBeDefined();
        const cfg = ci?.configuration as Record<string, unknown>;
        // Every field Config records, with the same value; the record may carry more of DescribeTable.
        const mine = Object.fromEntries(Object.keys(cfg).map((k) => [k, rec.configuration[k]]));
        expect(mine).toEqual(cfg);
        // ... and no field Config would name differently (e.g. `sSEDescription`).
        expect("ssedescription" in rec.configuration).toBe("ssedescription" in cfg);
        expect(rec.resourceName).toBe(ci?.resourceName);
        expect(rec.arn).toBe(ci?.arn);
        const tags = Object.fromEntries(
          (ci?.tags as { key: string; value: string }[]).map((t) => [t.key, t.value]),
        );
        expect(rec.tags).toEqual(tags);
      }
    } finally {
      await r.close();
    }
  });

  it("pages through ListTables at Limit 100", async () => {
    // 201 tables need 402 detail calls: run with a faster client-side pace than the default.
    const world = oneRegionWorld({ tables: 201 });
    const dir = tmp();
    const sim = await startSimulator({ world, services: allServices() });
    const store = new Store(join(dir, "collect.db"));
    const factory = new ClientFactory({
      concurrency: 16,
      endpoint: sim.endpoint,
      rates: { dynamodb: { ratePerSecond: 1000, burst: 1000 } },
    });
    try {
      const scanId = store.beginScan("scan", "test");
      const creds = sim.credentialsFor(MGMT);
      await runCollectors({
        store,
        scanId,
        factory,
        accounts: [{ accountId: MGMT, credentials: async () => creds }],
        collectors: [dynamodbCollector],
        regions: [US],
        homeRegion: US,
        partition: "aws",
        signal: new AbortController().signal,
      });
      const records = [...store.iterateResources(scanId)].map((x) => x.record);
      expect(records).toHaveLength(201);
      expect(new Set(records.map((x) => x.resourceId)).size).toBe(201);
      expect(sim.counters.calls({ service: "dynamodb", operation: "ListTables" })).toBe(3);
      expect(sim.counters.calls({ service: "dynamodb", operation: "DescribeTable" })).toBe(201);
      expect(store.coverage(scanId).find((c) => c.operation === "ListTables")?.resourceCount).toBe(201);
    } finally {
      factory.destroy();
      store.close();
      await sim.close();
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
