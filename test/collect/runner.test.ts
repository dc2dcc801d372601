import { DescribeVolumesCommand } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import type { Collector } from "../../src/collect/types.js";
import { RESOURCE_TYPES } from "../../src/model/resource-types.js";
import { asUnreadable } from "../../src/model/resource.js";
import { collectFromWorld } from "../helpers/collect.js";
import { useTmpDir } from "../helpers/tmp.js";
import { MGMT, testWorld } from "../helpers/sim.js";

const tmp = useTmpDir();

// A minimal collector exercising the runner's contract: a listing unit, a per-resource detail, emit.
const probe: Collector = {
  name: "probe",
  service: "ec2",
  scope: "regional",
  resourceTypes: [RESOURCE_TYPES.ebsVolume],
  actions: ["ec2:DescribeVolumes"],
  listings: { DescribeVolumes: [RESOURCE_TYPES.ebsVolume] },
  async collect(ctx) {
    await ctx.unit("ec2", "DescribeVolumes", async () => {
      const out = await ctx.client("ec2").send(new DescribeVolumesCommand({ MaxResults: 500 }));
      const vols = out.Volumes ?? [];
      await ctx.forEach(vols, async (v) => {
        const denied = await ctx.detail("kms", "GetKeyPolicy", async () => {
          throw Object.assign(new Error("nope"), {
            name: "AccessDeniedException",
            $metadata: { httpStatusCode: 400 },
          });
        });
        ctx.emit({
          resourceType: RESOURCE_TYPES.ebsVolume,
          resourceId: v.VolumeId ?? "",
          configuration: v,
          supplementaryConfiguration: { Probe: denied.ok ? denied.value : denied.marker },
        });
      });
      return vols.length;
    });
  },
};

describe("collector runner", () => {
  it("runs a collector in every enabled region, streams records and records coverage", async () => {
    const r = await collectFromWorld(testWorld(), [probe], { dir: tmp() });
    try {
      expect(r.records.length).toBeGreaterThan(0);
      const rec = r.records[0];
      expect(rec?.awsAccountId).toBe(MGMT);
      expect(asUnreadable(rec?.supplementaryConfiguration.Probe)?.errorCode).toBe("AccessDeniedException");
      const listing = r.coverage.filter((c) => c.operation === "DescribeVolumes");
      expect(listing.length).toBeGreaterThan(0);
      expect(listing.every((c) => c.status === "ok")).toBe(true);
      expect(r.coverage.some((c) => c.operation === "GetKeyPolicy" && c.status === "denied")).toBe(true);
      expect(r.coverage.some((c) => c.status === "skipped")).toBe(true); // the world has disabled regions
      expect(r.store.completedUnits(r.scanId).size).toBe(r.summary.units);
    } finally {
      await r.close();
    }
  });
});

describe("unit scheduling", () => {
  it("units share one pool across accounts: an account running alone gets every slot (no idle tail)", async () => {
    let inFlight = 0;
    let most = 0;
    // Twelve regional collectors that only wait: with one account, all of them run at once when
    // the pool (6 per account in flight, 8 accounts by default) allows it, not 6 per account.
    const waiters: Collector[] = Array.from({ length: 12 }, (_, i) => ({
      name: `wait${i}`,
      service: "ec2",
      scope: "regional",
      resourceTypes: [],
      actions: [],
      listings: {},
      async collect() {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((r) => setTimeout(r, 50));
        inFlight--;
      },
    }));
    const r = await collectFromWorld(testWorld(), waiters, { dir: tmp(), regions: ["us-east-1"] });
    try {
      expect(r.summary.units).toBe(12);
      expect(most).toBe(12);
    } finally {
      await r.close();
    }
  });
});
