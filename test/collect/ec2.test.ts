// The EC2 collector through the real SDK clients against the simulator: every type it emits,
// pagination, denied listings and details, hostile strings, and parity with AWS Config's shape.
import { describe, expect, it } from "vitest";
import { ec2Collector } from "../../src/collect/ec2.js";
import { RESOURCE_TYPES } from "../../src/model/resource-types.js";
import { asUnreadable, type ResourceRecord } from "../../src/model/resource.js";
import { RECORDED_TYPES } from "../../src/sim/services/config-items.js";
import type { SimAccount, World } from "../../src/sim/world/types.js";
import { calledActions, collectFromWorld } from "../helpers/collect.js";
import { configTags } from "../helpers/config-items.js";
import { useTmpDir } from "../helpers/tmp.js";
import { mgmtOnlyWorld } from "../helpers/world.js";
import { HOSTILE, MGMT, OUTSIDER, PROD, testWorld, type RegionSizes } from "../helpers/sim.js";

const tmp = useTmpDir();
const REGION = "us-east-1";

const ofType = (records: ResourceRecord[], type: string, region = REGION): ResourceRecord[] =>
  records.filter((r) => r.resourceType === type && r.awsRegion === region && r.awsAccountId === MGMT);

const mgmt = (world: World): SimAccount => world.accounts.get(MGMT)!;

/** A world of one account (MGMT) with the given resource counts in us-east-1. */
const oneAccountWorld = (sizes: RegionSizes, partial: Partial<World> = {}): World =>
  mgmtOnlyWorld({ enabledRegions: [REGION], sizes }, partial);

const collect = (world: World) => collectFromWorld(world, [ec2Collector], { dir: tmp(), regions: [REGION] });

describe("ec2Collector", () => {
  it("collects volumes, snapshots and the EBS default-encryption setting of every region", async () => {
    const world = testWorld();
    const r = await collectFromWorld(world, [ec2Collector], { dir: tmp(), regions: [REGION, "us-west-2"] });
    try {
      const sim = mgmt(world).region(REGION)!;
      const volumes = ofType(r.records, RESOURCE_TYPES.ebsVolume);
      expect(volumes.map((v) => v.resourceId)).toEqual(
        Array.from({ length: sim.volumes.size }, (_, i) => sim.volumes.at(i).VolumeId),
      );
      const v1 = volumes[1]!;
      expect(v1.arn).toBe(`arn:aws:ec2:${REGION}:${MGMT}:volume/${v1.resourceId}`);
      expect(v1.configuration).toMatchObject({
        volumeId: v1.resourceId,
        encrypted: true,
        kmsKeyId: sim.volumes.at(1).KmsKeyId,
        size: 9,
        state: { value: "in-use" },
        attachments: [
          {
            instanceId: sim.volumes.at(1).Attachments[0]!.InstanceId,
            device: "/dev/xvda",
            state: "attached",
          },
        ],
        tags: [{ key: "env", value: "prod" }],
      });
      expect(v1.tags).toEqual({ env: "prod" });
      const v0 = volumes[0]!;
      expect(v0.configuration).toMatchObject({
        encrypted: false,
        kmsKeyId: null,
        attachments: [],
        snapshotId: "",
      });

      const snaps = ofType(r.records, RESOURCE_TYPES.ebsSnapshot);
      expect(snaps).toHaveLength(sim.snapshots.size);
      const byId = new Map(snaps.map((s) => [s.resourceId, s]));
      for (let i = 0; i < sim.snapshots.size; i++) {
        const s = sim.snapshots.at(i);
        const rec = byId.get(s.SnapshotId)!;
        expect(rec.arn).toBe(`arn:aws:ec2:${REGION}::snapshot/${s.SnapshotId}`);
        expect(rec.configuration).toMatchObject({
          snapshotId: s.SnapshotId,
          volumeId: s.VolumeId,
          encrypted: s.Encrypted,
          kmsKeyId: s.KmsKeyId ?? null,
          state: s.State,
          ownerId: MGMT,
          volumeSize: s.VolumeSize,
          startTime: s.StartTime,
        });
        expect(rec.supplementaryConfiguration.CreateVolumePermissions).toEqual(
          s.SharedWith.map((w) => (w === "all" ? { group: "all" } : { userId: w })),
        );
      }
      // The world's sharing cases: private, public, and shared with named accounts.
      expect(
        byId.get(sim.snapshots.at(0).SnapshotId)!.supplementaryConfiguration.CreateVolumePermissions,
      ).toEqual([]);
      expect(
        byId.get(sim.snapshots.at(1).SnapshotId)!.supplementaryConfiguration.CreateVolumePermissions,
      ).toEqual([{ group: "all" }]);
      expect(
        byId.get(sim.snapshots.at(2).SnapshotId)!.supplementaryConfiguration.CreateVolumePermissions,
      ).toEqual([{ userId: PROD }, { userId: OUTSIDER }]);

      const defaults = r.records.filter((x) => x.resourceType === RESOURCE_TYPES.ebsEncryptionDefault);
      expect(defaults.map((d) => [d.resourceId, d.awsRegion]).sort()).toEqual([
        [REGION, REGION],
        ["us-west-2", "us-west-2"],
      ]);
      const east = defaults.find((d) => d.resourceId === REGION)!;
      expect(east.arn).toBeNull();
      expect(east.configuration).toEqual({ ebsEncryptionByDefault: true, kmsKeyId: sim.ebsDefaultKmsKeyId });
      expect(defaults.find((d) => d.resourceId === "us-west-2")!.configuration).toEqual({
        ebsEncryptionByDefault: false,
        kmsKeyId: "alias/aws/ebs",
      });

      for (const op of ["DescribeVolumes", "DescribeSnapshots"]) {
        const rows = r.coverage.filter((c) => c.service === "ec2" && c.operation === op);
        expect(rows.map((c) => c.region).sort()).toEqual([REGION, "us-west-2"]);
        expect(rows.every((c) => c.status === "ok")).toBe(true);
      }
      expect(
        r.coverage.find((c) => c.operation === "DescribeVolumes" && c.region === REGION)?.resourceCount,
      ).toBe(sim.volumes.size);
      expect(r.coverage.filter((c) => c.status !== "ok" && c.status !== "skipped")).toEqual([]);

      // Every EC2 operation the simulator saw is one the collector declares, and it declares no more.
      // DescribeRegions is the runner's region discovery, not the collector's.
      expect(calledActions(r, "ec2", ["DescribeRegions"])).toEqual([...ec2Collector.actions].sort());
      expect(
        r.sim.counters.calls({ service: "ec2", operation: "DescribeSnapshotAttribute", region: REGION }),
      ).toBe(sim.snapshots.size);
    } finally {
      await r.close();
    }
  });

  it("keeps hostile strings intact in tags and descriptions", async () => {
    const world = oneAccountWorld({ volumes: 2, snapshots: 2 });
    const r = await collect(world);
    try {
      const sim = mgmt(world).region(REGION)!;
      const vol = r.byId(sim.volumes.at(0).VolumeId)!;
      expect(vol.tags).toEqual({ [HOSTILE]: HOSTILE });
      expect(vol.configuration.tags).toEqual([{ key: HOSTILE, value: HOSTILE }]);
      const snap = r.byId(sim.snapshots.at(0).SnapshotId)!;
      expect(snap.configuration.description).toBe(HOSTILE);
      expect(snap.tags).toEqual({ [HOSTILE]: HOSTILE });
      expect(snap.configuration.tags).toEqual([{ key: HOSTILE, value: HOSTILE }]);
    } finally {
      await r.close();
    }
  });

  it("has the same volume configuration as AWS Config records for the same volume", async () => {
    const world = oneAccountWorld({ volumes: 12 });
    const r = await collect(world);
    try {
      const account = mgmt(world);
      const recorded = RECORDED_TYPES.find((t) => t.type === RESOURCE_TYPES.ebsVolume)!;
      const n = recorded.size(account, REGION);
      expect(n).toBe(12);
      for (let i = 0; i < n; i++) {
        const ci = recorded.item(account, REGION, i)!;
        const config = ci.configuration as Record<string, unknown>;
        const rec = r.byId(ci.resourceId as string)!;
        expect(rec.arn).toBe(ci.arn);
        expect(rec.tags).toEqual(configTags(ci));
        // Config also records each attachment's attachTime (aws-config-resource-schema); the
        // simulator's builder leaves it out, so it is the one field compared separately.
        const { attachments, ...rest } = rec.configuration as Record<string, unknown> & {
          attachments: Record<string, unknown>[];
        };
        const { attachments: ciAttachments, ...ciRest } = config;
        expect(rest).toEqual(ciRest);
        expect(attachments.map(({ attachTime: _t, ...a }) => a)).toEqual(ciAttachments);
        for (const a of attachments) expect(a.attachTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      }
    } finally {
      await r.close();
    }
  });

  it("pages through more volumes and snapshots than one page holds", async () => {
    const world = oneAccountWorld({ volumes: 1200, snapshots: 1001 });
    // One DescribeSnapshotAttribute per snapshot: the production rate for EC2 (15/s) would
    // stretch this to over a minute.
    const r = await collectFromWorld(world, [ec2Collector], {
      dir: tmp(),
      regions: [REGION],
      rates: { ec2: { ratePerSecond: 5000, burst: 5000 } },
    });
    try {
      const volumes = ofType(r.records, RESOURCE_TYPES.ebsVolume);
      const snaps = ofType(r.records, RESOURCE_TYPES.ebsSnapshot);
      expect(volumes).toHaveLength(1200);
      expect(new Set(volumes.map((v) => v.resourceId)).size).toBe(1200);
      expect(snaps).toHaveLength(1001);
      expect(new Set(snaps.map((s) => s.resourceId)).size).toBe(1001);
      expect(r.sim.counters.calls({ service: "ec2", operation: "DescribeVolumes" })).toBe(3);
      expect(r.sim.counters.calls({ service: "ec2", operation: "DescribeSnapshots" })).toBe(2);
      expect(r.sim.counters.calls({ service: "ec2", operation: "DescribeSnapshotAttribute" })).toBe(1001);
      expect(r.coverage.find((c) => c.operation === "DescribeVolumes")).toMatchObject({
        status: "ok",
        resourceCount: 1200,
      });
      expect(r.coverage.find((c) => c.operation === "DescribeSnapshots")).toMatchObject({
        status: "ok",
        resourceCount: 1001,
      });
    } finally {
      await r.close();
    }
  });

  it("records a denied listing as a coverage gap and emits nothing of that type", async () => {
    const world = oneAccountWorld(
      { volumes: 3, snapshots: 3 },
      { faults: { accessDenied: [{ service: "ec2", operation: "DescribeVolumes" }] } },
    );
    const r = await collect(world);
    try {
      expect(ofType(r.records, RESOURCE_TYPES.ebsVolume)).toEqual([]);
      expect(r.coverage.find((c) => c.operation === "DescribeVolumes")).toMatchObject({
        service: "ec2",
        region: REGION,
        status: "denied",
        errorCode: "UnauthorizedOperation",
      });
      // The other listings are unaffected.
      expect(ofType(r.records, RESOURCE_TYPES.ebsSnapshot)).toHaveLength(3);
      expect(ofType(r.records, RESOURCE_TYPES.ebsEncryptionDefault)).toHaveLength(1);
      expect(ec2Collector.listings.DescribeVolumes).toEqual([RESOURCE_TYPES.ebsVolume]);
    } finally {
      await r.close();
    }
  });

  it("denied snapshot listing: a gap, no snapshot records", async () => {
    const world = oneAccountWorld(
      { volumes: 2, snapshots: 3 },
      { faults: { accessDenied: [{ service: "ec2", operation: "DescribeSnapshots" }] } },
    );
    const r = await collect(world);
    try {
      expect(ofType(r.records, RESOURCE_TYPES.ebsSnapshot)).toEqual([]);
      expect(r.coverage.find((c) => c.operation === "DescribeSnapshots")?.status).toBe("denied");
      expect(r.sim.counters.calls({ service: "ec2", operation: "DescribeSnapshotAttribute" })).toBe(0);
      expect(ofType(r.records, RESOURCE_TYPES.ebsVolume)).toHaveLength(2);
    } finally {
      await r.close();
    }
  });

  it("stores the unreadable marker where a denied detail would be", async () => {
    const world = oneAccountWorld({ volumes: 1, snapshots: 3 });
    const denied = mgmt(world).region(REGION)!.snapshots.at(1).SnapshotId;
    world.faults = {
      accessDenied: [
        { service: "ec2", operation: "DescribeSnapshotAttribute", resourceId: denied },
        { service: "ec2", operation: "GetEbsDefaultKmsKeyId" },
      ],
    };
    const r = await collect(world);
    try {
      const snap = r.byId(denied)!;
      expect(asUnreadable(snap.supplementaryConfiguration.CreateVolumePermissions)).toMatchObject({
        errorCode: "UnauthorizedOperation",
        operation: "DescribeSnapshotAttribute",
      });
      // Its configuration is still there, and the other snapshots were read.
      expect(snap.configuration.snapshotId).toBe(denied);
      for (const s of ofType(r.records, RESOURCE_TYPES.ebsSnapshot).filter((x) => x.resourceId !== denied))
        expect(Array.isArray(s.supplementaryConfiguration.CreateVolumePermissions)).toBe(true);
      const row = r.coverage.find((c) => c.operation === "DescribeSnapshotAttribute")!;
      expect(row.status).toBe("denied");
      expect(row.errorMessage).toContain("(1 of 3 calls)");

      const def = ofType(r.records, RESOURCE_TYPES.ebsEncryptionDefault)[0]!;
      expect(def.configuration.ebsEncryptionByDefault).toBe(true);
      expect(asUnreadable(def.configuration.kmsKeyId)).toMatchObject({
        errorCode: "UnauthorizedOperation",
        operation: "GetEbsDefaultKmsKeyId",
      });
      expect(r.coverage.find((c) => c.operation === "GetEbsDefaultKmsKeyId")?.status).toBe("denied");
    } finally {
      await r.close();
    }
  });

  it("emits the default-encryption record even when both of its reads are denied", async () => {
    const world = oneAccountWorld(
      { volumes: 0, snapshots: 0 },
      {
        faults: {
          accessDenied: [
            { service: "ec2", operation: "GetEbsEncryptionByDefault" },
            { service: "ec2", operation: "GetEbsDefaultKmsKeyId" },
          ],
        },
      },
    );
    const r = await collect(world);
    try {
      expect(r.records).toHaveLength(1);
      const def = r.records[0]!;
      expect(def.resourceType).toBe(RESOURCE_TYPES.ebsEncryptionDefault);
      expect(asUnreadable(def.configuration.ebsEncryptionByDefault)?.operation).toBe(
        "GetEbsEncryptionByDefault",
      );
      expect(asUnreadable(def.configuration.kmsKeyId)?.operation).toBe("GetEbsDefaultKmsKeyId");
      // Empty listings are ok, with a count of zero.
      expect(r.coverage.find((c) => c.operation === "DescribeVolumes")).toMatchObject({
        status: "ok",
        resourceCount: 0,
      });
    } finally {
      await r.close();
    }
  });
});
