// The CloudHSM collector through the real (pinned, older) @aws-sdk/client-cloudhsm-v2 against the simulator.
import { DescribeClustersCommand } from "@aws-sdk/client-cloudhsm-v2";
import { describe, expect, it } from "vitest";
import { ClientFactory, legacyEnvEndpoint } from "../../src/aws/clients.js";
import { cloudHsmCollector } from "../../src/collect/cloudhsm.js";
import { allServices } from "../../src/sim/services/index.js";
import { startSimulator } from "../../src/sim/wire/server.js";
import { RESOURCE_TYPES } from "../../src/model/resource-types.js";
import { asUnreadable } from "../../src/model/resource.js";
import { arrayCollection } from "../../src/sim/world/collection.js";
import type { SimCloudHsmCluster, World } from "../../src/sim/world/types.js";
import { calledActions, collectFromWorld } from "../helpers/collect.js";
import { useTmpDir } from "../helpers/tmp.js";
import { mgmtOnlyWorld } from "../helpers/world.js";
import { HOSTILE, MGMT, type RegionSizes } from "../helpers/sim.js";

const tmp = useTmpDir();
const US = "us-east-1";
const T = RESOURCE_TYPES;

const oneRegionWorld = (sizes: RegionSizes = {}, faults: World["faults"] = {}): World =>
  mgmtOnlyWorld({ enabledRegions: [US], sizes }, { faults });

const collect = (world: World) => collectFromWorld(world, [cloudHsmCollector], { dir: tmp(), regions: [US] });

/** `n` clusters of one HSM each, ids in CloudHSM's alphabet. */
function manyClusters(n: number): SimCloudHsmCluster[] {
  const id = (i: number): string =>
    `cluster-${i
      .toString(32)
      .padStart(11, "a")
      .replace(/[0189]/g, (d) => "wxyz"["0189".indexOf(d)] ?? "w")}`;
  return Array.from({ length: n }, (_, i) => ({
    ClusterId: id(i),
    State: "ACTIVE",
    HsmType: "hsm1.medium",
    VpcId: "vpc-0a1b2c3d4e5f60718",
    SecurityGroup: "sg-0a1b2c3d4e5f60718",
    SubnetMapping: { [`${US}a`]: "subnet-0a1b2c3d4e5f60710" },
    Hsms: [],
    CreateTimestamp: "2025-01-01T00:00:00.000Z",
    BackupRetentionDays: 90,
    Tags: Array.from({ length: i === 0 ? 130 : 0 }, (_, k) => ({ Key: `k${k}`, Value: `v${k}` })),
  }));
}

describe("cloudhsm collector", () => {
  it("records each cluster with its HSMs, tags and the custom key store it backs, never its PRECO password", async () => {
    const r = await collect(oneRegionWorld());
    try {
      const clusters = r.records.filter((x) => x.resourceType === T.cloudHsmCluster);
      expect(clusters).toHaveLength(2);
      const [two, one] = clusters.sort((a, b) => (a.resourceId < b.resourceId ? -1 : 1));
      expect(two?.arn).toBe(`arn:aws:cloudhsm:${US}:${MGMT}:cluster/${two?.resourceId}`);
      expect(two?.configuration.state).toBe("ACTIVE");
      expect(two?.configuration.hsms).toEqual([
        expect.objectContaining({ availabilityZone: `${US}a`, state: "ACTIVE", clusterId: two?.resourceId }),
        expect.objectContaining({ availabilityZone: `${US}b`, state: "ACTIVE" }),
      ]);
      expect(two?.configuration.subnetMapping).toEqual({
        [`${US}a`]: "subnet-0a1b2c3d4e5f60710",
        [`${US}b`]: "subnet-0a1b2c3d4e5f60711",
      });
      for (const c of clusters) {
        expect(c.configuration).not.toHaveProperty("preCoPassword");
        expect(c.configuration).not.toHaveProperty("certificates");
        expect(c.configuration).not.toHaveProperty("tagList");
      }
      expect(two?.tags).toEqual({ [HOSTILE]: HOSTILE });
      expect(two?.supplementaryConfiguration.CustomKeyStores).toEqual([
        {
          customKeyStoreId: "cks-0123456789abcdef0",
          customKeyStoreName: HOSTILE,
          customKeyStoreType: "AWS_CLOUDHSM",
          connectionState: "CONNECTED",
          connectionErrorCode: null,
        },
      ]);
      expect(one?.configuration.hsms).toHaveLength(1);
      expect(one?.supplementaryConfiguration.CustomKeyStores).toEqual([]);
      // One store listing for the region, one tag read per cluster.
      expect(r.sim.counters.calls({ service: "kms", operation: "DescribeCustomKeyStores" })).toBe(1);
      expect(r.sim.counters.calls({ service: "cloudhsm", operation: "ListTags" })).toBe(2);
      expect(r.coverage.find((c) => c.operation === "DescribeClusters")).toMatchObject({
        status: "ok",
        resourceCount: 2,
      });
      expect(calledActions(r, "cloudhsm")).toEqual(["cloudhsm:DescribeClusters", "cloudhsm:ListTags"]);
      for (const a of [...calledActions(r, "cloudhsm"), ...calledActions(r, "kms")])
        expect(cloudHsmCollector.actions).toContain(a);
    } finally {
      await r.close();
    }
  });

  it("pages DescribeClusters at 25 and ListTags at 100; a region without clusters asks KMS nothing", async () => {
    const world = mgmtOnlyWorld({ enabledRegions: [US, "eu-west-1"], sizes: { cloudHsmClusters: 0 } }, {});
    const account = world.accounts.at(0);
    const base = account.region(US)!;
    const regionOf = account.region.bind(account);
    account.region = (name) =>
      name === US
        ? { ...base, cloudHsmClusters: arrayCollection(manyClusters(60), (c) => c.ClusterId) }
        : regionOf(name);
    const r = await collectFromWorld(world, [cloudHsmCollector], {
      dir: tmp(),
      regions: [US, "eu-west-1"],
      rates: { cloudhsm: { ratePerSecond: 1000, burst: 1000 } },
    });
    try {
      expect(r.records.filter((x) => x.awsRegion === US)).toHaveLength(60);
      expect(r.sim.counters.calls({ service: "cloudhsm", operation: "DescribeClusters", region: US })).toBe(
        3,
      );
      expect(r.sim.counters.calls({ service: "cloudhsm", operation: "ListTags", region: US })).toBe(61);
      expect(Object.keys(r.records.find((x) => x.tags.k129 !== undefined)?.tags ?? {})).toHaveLength(130);
      expect(
        r.sim.counters.calls({ service: "cloudhsm", operation: "DescribeClusters", region: "eu-west-1" }),
      ).toBe(1);
      expect(r.sim.counters.calls({ service: "kms", region: "eu-west-1" })).toBe(0);
    } finally {
      await r.close();
    }
  });

  it("a new (UNINITIALIZED) cluster's PRECO password is never stored", async () => {
    const world = oneRegionWorld({ cloudHsmClusters: 1 });
    const region = world.accounts.at(0).region(US)!;
    const fresh = { ...region.cloudHsmClusters.at(0), State: "UNINITIALIZED" };
    region.cloudHsmClusters = arrayCollection([fresh], (c) => c.ClusterId);
    const r = await collect(world);
    try {
      expect(r.records).toHaveLength(1);
      expect(r.records[0]?.configuration.state).toBe("UNINITIALIZED");
      expect(JSON.stringify(r.records)).not.toContain("sim-preco-password");
    } finally {
      await r.close();
    }
  });

  it("a denied listing is a gap for clusters; denied tags and key stores are markers on each cluster", async () => {
    const denied = await collect(
      oneRegionWorld({}, { accessDenied: [{ service: "cloudhsm", operation: "DescribeClusters" }] }),
    );
    try {
      const row = denied.coverage.find((c) => c.operation === "DescribeClusters");
      expect(row).toMatchObject({ status: "denied", errorCode: "CloudHsmAccessDeniedException" });
      expect(row?.resourceTypes).toEqual([T.cloudHsmCluster]);
      expect(denied.records).toHaveLength(0);
    } finally {
      await denied.close();
    }
    const r = await collect(
      oneRegionWorld(
        {},
        {
          accessDenied: [
            { service: "cloudhsm", operation: "ListTags" },
            { service: "kms", operation: "DescribeCustomKeyStores" },
          ],
        },
      ),
    );
    try {
      expect(r.records).toHaveLength(2);
      for (const c of r.records) {
        expect(asUnreadable(c.supplementaryConfiguration.Tags)?.errorCode).toBe(
          "CloudHsmAccessDeniedException",
        );
        expect(asUnreadable(c.supplementaryConfiguration.CustomKeyStores)).toMatchObject({
          errorCode: "AccessDeniedException",
          operation: "DescribeCustomKeyStores",
        });
      }
      expect(r.coverage.find((c) => c.operation === "ListTags")?.status).toBe("denied");
      expect(r.coverage.find((c) => c.operation === "DescribeCustomKeyStores")?.status).toBe("denied");
      expect(r.coverage.find((c) => c.operation === "DescribeClusters")?.status).toBe("ok");
    } finally {
      await r.close();
    }
  });
});

describe("the pinned CloudHSM client's endpoint", () => {
  it("comes from AWS_ENDPOINT_URL_CLOUDHSM_V2, else AWS_ENDPOINT_URL, unless configured endpoints are ignored", () => {
    expect(legacyEnvEndpoint("cloudhsm", {})).toBeUndefined();
    expect(legacyEnvEndpoint("cloudhsm", { AWS_ENDPOINT_URL: "http://127.0.0.1:1" })).toBe(
      "http://127.0.0.1:1",
    );
    expect(
      legacyEnvEndpoint("cloudhsm", {
        AWS_ENDPOINT_URL: "http://127.0.0.1:1",
        AWS_ENDPOINT_URL_CLOUDHSM_V2: "http://127.0.0.1:2",
      }),
    ).toBe("http://127.0.0.1:2");
    expect(
      legacyEnvEndpoint("cloudhsm", {
        AWS_ENDPOINT_URL: "http://127.0.0.1:1",
        AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true",
      }),
    ).toBeUndefined();
    // Clients that read the variables themselves are left to do so.
    expect(legacyEnvEndpoint("kms", { AWS_ENDPOINT_URL: "http://127.0.0.1:1" })).toBeUndefined();
  });

  it("reaches the simulator set only in the environment, as every newer client does", async () => {
    const sim = await startSimulator({ world: oneRegionWorld(), services: allServices() });
    const saved = process.env.AWS_ENDPOINT_URL_CLOUDHSM_V2;
    process.env.AWS_ENDPOINT_URL_CLOUDHSM_V2 = sim.endpoint;
    const factory = new ClientFactory({ concurrency: 4 });
    try {
      const creds = sim.credentialsFor(MGMT);
      const client = factory
        .session(MGMT, async () => ({
          accessKeyId: creds.accessKeyId,
          secretAccessKey: creds.secretAccessKey,
        }))
        .client("cloudhsm", US);
      // Checked before any call, so a regression fails here rather than reaching out to AWS.
      expect(await client.config.endpoint?.()).toMatchObject({ hostname: "127.0.0.1", port: sim.port });
      const out = await client.send(new DescribeClustersCommand({}));
      expect(out.Clusters).toHaveLength(2);
      expect(sim.counters.calls({ service: "cloudhsm", operation: "DescribeClusters" })).toBe(1);
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_CLOUDHSM_V2;
      else process.env.AWS_ENDPOINT_URL_CLOUDHSM_V2 = saved;
      factory.destroy();
      await sim.close();
    }
  });
});
