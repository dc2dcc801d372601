// The CloudTrail collector through the real @aws-sdk/client-cloudtrail against the simulator: each
// trail once, in its home region; logging status and tags per trail.
import { describe, expect, it } from "vitest";
import { cloudTrailCollector } from "../../src/collect/cloudtrail.js";
import { RESOURCE_TYPES } from "../../src/model/resource-types.js";
import { asUnreadable } from "../../src/model/resource.js";
import { arrayCollection, emptyCollection } from "../../src/sim/world/collection.js";
import type { SimTrail, World } from "../../src/sim/world/types.js";
import { calledActions, collectFromWorld } from "../helpers/collect.js";
import { configItem, expectConfigParity } from "../helpers/config-items.js";
import { useTmpDir } from "../helpers/tmp.js";
import { HOSTILE, MGMT, PROD, makeAccount, testWorld } from "../helpers/sim.js";

const tmp = useTmpDir();
const US = "us-east-1";
const WEST = "us-west-2";
const EU = "eu-west-1";
const REGIONS = [US, WEST, EU];
const TRAIL = RESOURCE_TYPES.cloudTrail;
const KEY = `arn:aws:kms:${US}:${MGMT}:key/00000000-0000-4000-8000-${MGMT}`;
const ORG_ARN = `arn:aws:cloudtrail:${US}:${MGMT}:trail/org-trail`;
const WEST_ARN = `arn:aws:cloudtrail:${WEST}:${MGMT}:trail/west-only`;

const orgTrail: SimTrail = {
  Name: "org-trail",
  HomeRegion: US,
  S3BucketName: `trail-bucket-${MGMT}`,
  KmsKeyId: KEY,
  IsMultiRegionTrail: true,
  IsOrganizationTrail: true,
  LogFileValidationEnabled: true,
  IncludeGlobalServiceEvents: true,
  IsLogging: true,
  Tags: [{ Key: HOSTILE, Value: HOSTILE }],
};
const westTrail: SimTrail = {
  Name: "west-only",
  HomeRegion: WEST,
  S3BucketName: `west-bucket-${MGMT}`,
  IsMultiRegionTrail: false,
  IsOrganizationTrail: false,
  LogFileValidationEnabled: false,
  IncludeGlobalServiceEvents: false,
  IsLogging: false,
  Tags: [{ Key: "env", Value: "prod" }],
};

function world(faults: World["faults"] = {}): World {
  const trails = (list: SimTrail[]) => ({ trails: arrayCollection(list, (t) => t.Name) });
  const mgmt = makeAccount({
    id: MGMT,
    enabledRegions: REGIONS,
    // A world may list a multi-region trail in every region it covers: it is still one trail.
    regions: { [US]: trails([orgTrail]), [WEST]: trails([orgTrail, westTrail]), [EU]: trails([]) },
  });
  const prod = makeAccount({
    id: PROD,
    enabledRegions: REGIONS,
    regions: Object.fromEntries(REGIONS.map((r) => [r, { trails: emptyCollection<SimTrail>() }])),
  });
  return testWorld({ accounts: arrayCollection([mgmt, prod], (a) => a.Id), faults });
}

const collect = (w: World, accounts?: string[]) =>
  collectFromWorld(w, [cloudTrailCollector], {
    dir: tmp(),
    regions: REGIONS,
    ...(accounts ? { accounts } : {}),
  });

describe("cloudtrail collector", () => {
  it("records each trail once, in its home region, with its logging status and tags", async () => {
    const r = await collect(world());
    try {
      expect(r.records.map((x) => `${x.awsRegion}/${x.resourceId}`).sort()).toEqual([
        `${US}/org-trail`,
        `${WEST}/west-only`,
      ]);
      const org = r.records.find((x) => x.resourceId === "org-trail");
      expect(org?.arn).toBe(ORG_ARN);
      expect(org?.configuration).toMatchObject({
        name: "org-trail",
        kmsKeyId: KEY,
        isMultiRegionTrail: true,
        homeRegion: US,
        trailARN: ORG_ARN,
      });
      expect(org?.supplementaryConfiguration.TrailStatus).toEqual({ isLogging: true });
      const west = r.records.find((x) => x.resourceId === "west-only");
      expect(west?.arn).toBe(WEST_ARN);
      expect(west?.configuration.kmsKeyId).toBeNull();
      expect(west?.configuration.logFileValidationEnabled).toBe(false);
      expect(west?.supplementaryConfiguration.TrailStatus).toEqual({ isLogging: false });
      expect(west?.tags).toEqual({ env: "prod" });
      expect(west?.supplementaryConfiguration).not.toHaveProperty("Tags");

      const listing = r.coverage.filter((c) => c.operation === "DescribeTrails");
      expect(listing).toHaveLength(3);
      expect(listing.every((c) => c.status === "ok")).toBe(true);
      expect(Object.fromEntries(listing.map((c) => [c.region, c.resourceCount]))).toEqual({
        [US]: 1,
        [WEST]: 1,
        [EU]: 0,
      });
      // One status read per trail; one tag read per region that has trails.
      expect(r.sim.counters.calls({ service: "cloudtrail", operation: "GetTrailStatus" })).toBe(2);
      expect(r.sim.counters.calls({ service: "cloudtrail", operation: "ListTags" })).toBe(2);
      expect(calledActions(r, "cloudtrail")).toEqual([...cloudTrailCollector.actions].sort());
    } finally {
      await r.close();
    }
  });

  it("does not record the management account's organization trail in a member account", async () => {
    const r = await collect(world(), [PROD]);
    try {
      expect(r.records).toHaveLength(0);
      const listing = r.coverage.filter((c) => c.operation === "DescribeTrails");
      expect(listing.every((c) => c.status === "ok" && c.resourceCount === 0)).toBe(true);
    } finally {
      await r.close();
    }
  });

  it("matches what AWS Config records for the same trails (parity)", async () => {
    const w = world();
    const r = await collect(w);
    try {
      for (const [region, id] of [
        [US, "org-trail"],
        [WEST, "west-only"],
      ] as const) {
        const rec = r.records.find((x) => x.resourceId === id && x.awsRegion === region);
        expectConfigParity(rec, configItem(w, TRAIL, id, { region }));
      }
    } finally {
      await r.close();
    }
  });

  it("a denied DescribeTrails is a coverage gap for that region only", async () => {
    const r = await collect(
      world({ accessDenied: [{ service: "cloudtrail", operation: "DescribeTrails", region: US }] }),
    );
    try {
      expect(r.records.map((x) => x.resourceId)).toEqual(["west-only"]);
      const row = r.coverage.find((c) => c.operation === "DescribeTrails" && c.region === US);
      expect(row?.status).toBe("denied");
      expect(row?.errorCode).toBe("AccessDeniedException");
    } finally {
      await r.close();
    }
  });

  it("a denied status or tag read stores the unreadable marker in its place", async () => {
    const r = await collect(
      world({
        accessDenied: [
          { service: "cloudtrail", operation: "GetTrailStatus", resourceId: ORG_ARN },
          { service: "cloudtrail", operation: "ListTags", region: WEST },
        ],
      }),
    );
    try {
      const org = r.records.find((x) => x.resourceId === "org-trail");
      const status = asUnreadable(org?.supplementaryConfiguration.TrailStatus);
      expect(status?.errorCode).toBe("AccessDeniedException");
      expect(status?.operation).toBe("GetTrailStatus");
      expect(org?.tags).toEqual({ [HOSTILE]: HOSTILE });
      const west = r.records.find((x) => x.resourceId === "west-only");
      expect(west?.supplementaryConfiguration.TrailStatus).toEqual({ isLogging: false });
      expect(asUnreadable(west?.supplementaryConfiguration.Tags)?.operation).toBe("ListTags");
      expect(west?.tags).toEqual({});
      const row = (op: string, region: string) =>
        r.coverage.find((c) => c.operation === op && c.region === region);
      expect(row("GetTrailStatus", US)?.status).toBe("denied");
      expect(row("GetTrailStatus", WEST)?.status).toBe("ok");
      expect(row("ListTags", WEST)?.status).toBe("denied");
      expect(row("DescribeTrails", US)?.status).toBe("ok");
    } finally {
      await r.close();
    }
  });

  it("hostile tag strings round-trip intact", async () => {
    const r = await collect(world());
    try {
      expect(r.records.find((x) => x.resourceId === "org-trail")?.tags).toEqual({ [HOSTILE]: HOSTILE });
    } finally {
      await r.close();
    }
  });
});
