import {
  DescribeRegionsCommand,
  DescribeSnapshotAttributeCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
  GetEbsDefaultKmsKeyIdCommand,
  GetEbsEncryptionByDefaultCommand,
  paginateDescribeSnapshots,
  paginateDescribeVolumes,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { arrayCollection, lazyCollection } from "../../src/sim/world/collection.js";
import { startSimulator } from "../../src/sim/wire/server.js";
import type { Simulator } from "../../src/sim/wire/server.js";
import type { SimVolume, World } from "../../src/sim/world/types.js";
import { withSimulator } from "./harness.js";
import {
  DEV,
  HOSTILE,
  MGMT,
  OUTSIDER,
  PROD,
  emptyRegion,
  makeAccount,
  pagesOf,
  sdkConfig,
  sdkError,
  testWorld,
} from "../helpers/sim.js";

let sim: Simulator;
let world: World;
const ec2 = (region = "us-east-1", creds = sim.credentials): EC2Client =>
  new EC2Client(sdkConfig(sim, region, creds, { maxAttempts: 1 }));

beforeAll(async () => {
  world = testWorld();
  sim = await startSimulator({ world });
});
afterAll(() => sim.close());

const mgmtVolumes = (): SimVolume[] => {
  const c = world.accounts.get(MGMT)!.region("us-east-1")!.volumes;
  return Array.from({ length: c.size }, (_, i) => c.at(i));
};

describe("DescribeVolumes", () => {
  it("paginates with the SDK paginator across several pages, in world order", async () => {
    const pages = await pagesOf(
      paginateDescribeVolumes({ client: ec2(), pageSize: 5 }, {}),
      (p) => p.Volumes,
    );
    expect(pages.map((p) => p.length)).toEqual([5, 5, 2]);
    expect(pages.flat().map((v) => v.VolumeId)).toEqual(mgmtVolumes().map((v) => v.VolumeId));
  });

  it("returns everything in one response without MaxResults", async () => {
    const out = await ec2().send(new DescribeVolumesCommand({}));
    expect(out.Volumes).toHaveLength(12);
    expect(out.NextToken).toBeUndefined();
  });

  it("maps the world shape to the SDK shape", async () => {
    const want = mgmtVolumes()[1]!;
    const out = await ec2().send(new DescribeVolumesCommand({ VolumeIds: [want.VolumeId] }));
    const v = out.Volumes![0]!;
    expect(v).toMatchObject({
      VolumeId: want.VolumeId,
      Size: want.Size,
      Encrypted: true,
      KmsKeyId: want.KmsKeyId,
      State: "in-use",
      AvailabilityZone: "us-east-1a",
      VolumeType: "gp3",
      SnapshotId: want.SnapshotId,
      Tags: [{ Key: "env", Value: "prod" }],
    });
    expect(v.CreateTime).toEqual(new Date(want.CreateTime));
    expect(v.Attachments).toEqual([
      expect.objectContaining({
        InstanceId: want.Attachments[0]!.InstanceId,
        Device: "/dev/xvda",
        State: "attached",
      }),
    ]);
  });

  it("round-trips hostile tag keys and values exactly", async () => {
    const out = await ec2().send(new DescribeVolumesCommand({ VolumeIds: [mgmtVolumes()[0]!.VolumeId] }));
    expect(out.Volumes![0]!.Tags).toEqual([{ Key: HOSTILE, Value: HOSTILE }]);
  });

  it("filters by encrypted, tag and wildcard volume-id", async () => {
    const unencrypted = await ec2().send(
      new DescribeVolumesCommand({ Filters: [{ Name: "encrypted", Values: ["false"] }] }),
    );
    expect(unencrypted.Volumes!.map((v) => v.VolumeId)).toEqual(
      mgmtVolumes()
        .filter((v) => !v.Encrypted)
        .map((v) => v.VolumeId),
    );

    const prod = await ec2().send(
      new DescribeVolumesCommand({ Filters: [{ Name: "tag:env", Values: ["prod"] }] }),
    );
    expect(prod.Volumes!.every((v) => v.Tags?.some((t) => t.Key === "env" && t.Value === "prod"))).toBe(true);
    expect(prod.Volumes!.length).toBe(6);

    const wild = await ec2().send(
      new DescribeVolumesCommand({ Filters: [{ Name: "volume-id", Values: ["vol-1111*0a", "vol-*0b"] }] }),
    );
    expect(wild.Volumes!.map((v) => v.VolumeId).sort()).toEqual([
      "vol-1111000000000000a",
      "vol-1111000000000000b",
    ]);
  });

  it("paginates a filtered listing", async () => {
    const ids: string[] = [];
    for await (const page of paginateDescribeVolumes(
      { client: ec2(), pageSize: 5 },
      { Filters: [{ Name: "encrypted", Values: ["true"] }] },
    )) {
      ids.push(...(page.Volumes ?? []).map((v) => v.VolumeId!));
    }
    expect(ids).toEqual(
      mgmtVolumes()
        .filter((v) => v.Encrypted)
        .map((v) => v.VolumeId),
    );
  });

  it("rejects bad parameters as EC2 does", async () => {
    expect(await sdkError(ec2().send(new DescribeVolumesCommand({ MaxResults: 2 })))).toMatchObject({
      name: "InvalidParameterValue",
      status: 400,
    });
    expect(await sdkError(ec2().send(new DescribeVolumesCommand({ MaxResults: 501 })))).toMatchObject({
      name: "InvalidParameterValue",
    });
    expect(
      await sdkError(ec2().send(new DescribeVolumesCommand({ MaxResults: 5, NextToken: "bogus" }))),
    ).toMatchObject({
      name: "InvalidPaginationToken",
    });
    expect(await sdkError(ec2().send(new DescribeVolumesCommand({ VolumeIds: ["vol-nope"] })))).toMatchObject(
      {
        name: "InvalidVolume.NotFound",
      },
    );
    expect(
      await sdkError(
        ec2().send(new DescribeVolumesCommand({ VolumeIds: [mgmtVolumes()[0]!.VolumeId], MaxResults: 5 })),
      ),
    ).toMatchObject({ name: "InvalidParameterCombination" });
    expect(
      await sdkError(
        ec2().send(new DescribeVolumesCommand({ Filters: [{ Name: "no-such", Values: ["x"] }] })),
      ),
    ).toMatchObject({
      name: "InvalidParameterValue",
    });
  });

  it("a token from another API is rejected", async () => {
    const page = await ec2().send(new DescribeSnapshotsCommand({ OwnerIds: ["self"], MaxResults: 5 }));
    expect(page.NextToken).toBeDefined();
    expect(
      await sdkError(ec2().send(new DescribeVolumesCommand({ MaxResults: 5, NextToken: page.NextToken }))),
    ).toMatchObject({
      name: "InvalidPaginationToken",
    });
  });

  it("pages through a large lazy collection with bounded pages", async () => {
    const n = 2345;
    const vol = (i: number): SimVolume => ({
      VolumeId: `vol-${i.toString(16).padStart(17, "0")}`,
      Size: 1,
      Encrypted: i % 2 === 0,
      State: "available",
      AvailabilityZone: "us-east-1a",
      CreateTime: "2024-01-01T00:00:00.000Z",
      VolumeType: "gp3",
      Attachments: [],
      Tags: [],
    });
    const big = makeAccount({
      id: MGMT,
      regions: {
        "us-east-1": { ...emptyRegion(), volumes: lazyCollection(n, vol, (id) => parseInt(id.slice(4), 16)) },
      },
    });
    await withSimulator(
      {
        world: testWorld({ accounts: arrayCollection([big], (a) => a.Id) }),
      },
      async (bigSim) => {
        const client = new EC2Client(sdkConfig(bigSim));
        const sizes: number[] = [];
        const seen = new Set<string>();
        for await (const page of paginateDescribeVolumes({ client, pageSize: 500 }, {})) {
          sizes.push(page.Volumes!.length);
          for (const v of page.Volumes!) seen.add(v.VolumeId!);
        }
        expect(sizes).toEqual([500, 500, 500, 500, 345]);
        expect(seen.size).toBe(n);
        expect(bigSim.counters.calls({ service: "ec2", operation: "DescribeVolumes" })).toBe(5);
      },
    );
  });
});

describe("DescribeSnapshots", () => {
  it("paginates own snapshots with OwnerIds=self", async () => {
    const pages = await pagesOf(
      paginateDescribeSnapshots({ client: ec2(), pageSize: 5 }, { OwnerIds: ["self"] }),
      (p) => p.Snapshots,
    );
    expect(pages.map((p) => p.length)).toEqual([5, 2]);
    const all = pages.flat();
    expect(all.every((s) => s.OwnerId === MGMT)).toBe(true);
    expect(all[0]).toMatchObject({
      Description: HOSTILE,
      Encrypted: true,
      State: "completed",
      Progress: "100%",
      VolumeSize: 8,
    });
    expect(all[0]!.Tags).toEqual([{ Key: HOSTILE, Value: HOSTILE }]);
  });

  it("rejects MaxResults outside 5..1000", async () => {
    expect(
      await sdkError(ec2().send(new DescribeSnapshotsCommand({ OwnerIds: ["self"], MaxResults: 1001 }))),
    ).toMatchObject({
      name: "InvalidParameterValue",
    });
  });

  it("shows another account's snapshots only when public or shared with the caller", async () => {
    const asProd = ec2("us-east-1", sim.credentialsFor(PROD));
    const out = await asProd.send(new DescribeSnapshotsCommand({ OwnerIds: [MGMT] }));
    expect(out.Snapshots!.map((s) => s.SnapshotId)).toEqual([
      "snap-11110000000000001",
      "snap-11110000000000002",
    ]);
    const asDev = ec2("us-east-1", sim.credentialsFor(DEV));
    const dev = await asDev.send(new DescribeSnapshotsCommand({ OwnerIds: [MGMT] }));
    expect(dev.Snapshots!.map((s) => s.SnapshotId)).toEqual(["snap-11110000000000001"]);
  });

  it("RestorableByUserIds=all lists public snapshots", async () => {
    const out = await ec2().send(
      new DescribeSnapshotsCommand({ OwnerIds: ["self"], RestorableByUserIds: ["all"] }),
    );
    expect(out.Snapshots!.map((s) => s.SnapshotId)).toEqual(["snap-11110000000000001"]);
  });

  it("SnapshotIds that do not exist fail", async () => {
    expect(
      await sdkError(ec2().send(new DescribeSnapshotsCommand({ SnapshotIds: ["snap-0000"] }))),
    ).toMatchObject({
      name: "InvalidSnapshot.NotFound",
    });
  });
});

describe("DescribeSnapshotAttribute", () => {
  it("reports public, shared and private snapshots", async () => {
    const attr = (id: string) =>
      ec2().send(
        new DescribeSnapshotAttributeCommand({ SnapshotId: id, Attribute: "createVolumePermission" }),
      );
    expect((await attr("snap-11110000000000001")).CreateVolumePermissions).toEqual([{ Group: "all" }]);
    expect((await attr("snap-11110000000000002")).CreateVolumePermissions).toEqual([
      { UserId: PROD },
      { UserId: OUTSIDER },
    ]);
    const priv = await attr("snap-11110000000000003");
    expect(priv.SnapshotId).toBe("snap-11110000000000003");
    expect(priv.CreateVolumePermissions).toEqual([]);
  });

  it("unknown snapshot and attribute fail", async () => {
    expect(
      await sdkError(
        ec2().send(
          new DescribeSnapshotAttributeCommand({ SnapshotId: "snap-x", Attribute: "createVolumePermission" }),
        ),
      ),
    ).toMatchObject({ name: "InvalidSnapshot.NotFound", status: 400 });
    expect(
      await sdkError(
        ec2().send(
          new DescribeSnapshotAttributeCommand({
            SnapshotId: "snap-11110000000000001",
            Attribute: "volumeSize" as never,
          }),
        ),
      ),
    ).toMatchObject({ name: "InvalidParameterValue" });
  });
});

describe("EBS encryption by default", () => {
  it("reads the per-region setting and default key", async () => {
    expect((await ec2().send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault).toBe(true);
    expect(
      (await ec2("us-west-2").send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault,
    ).toBe(false);
    const key = await ec2().send(new GetEbsDefaultKmsKeyIdCommand({}));
    expect(key.KmsKeyId).toBe(world.accounts.get(MGMT)!.region("us-east-1")!.ebsDefaultKmsKeyId);
    expect((await ec2("us-west-2").send(new GetEbsDefaultKmsKeyIdCommand({}))).KmsKeyId).toBe(
      "alias/aws/ebs",
    );
  });
});

describe("DescribeRegions", () => {
  it("lists enabled regions by default and all with their opt-in status", async () => {
    const enabled = await ec2().send(new DescribeRegionsCommand({}));
    expect(enabled.Regions!.map((r) => r.RegionName)).toEqual(["us-east-1", "us-west-2", "eu-west-1"]);
    const all = await ec2().send(new DescribeRegionsCommand({ AllRegions: true }));
    expect(Object.fromEntries(all.Regions!.map((r) => [r.RegionName, r.OptInStatus]))).toEqual({
      "us-east-1": "opt-in-not-required",
      "us-west-2": "opt-in-not-required",
      "eu-west-1": "opt-in-not-required",
      "af-south-1": "not-opted-in",
      "ap-east-1": "not-opted-in",
    });
    expect(all.Regions![0]!.Endpoint).toBe("ec2.us-east-1.amazonaws.com");
  });

  it("an account that opted in sees the region as opted-in", async () => {
    const out = await ec2("us-east-1", sim.credentialsFor(DEV)).send(
      new DescribeRegionsCommand({ Filters: [{ Name: "opt-in-status", Values: ["opted-in"] }] }),
    );
    expect(out.Regions!.map((r) => r.RegionName)).toEqual(["af-south-1"]);
  });

  it("filters by region name", async () => {
    const out = await ec2().send(new DescribeRegionsCommand({ RegionNames: ["eu-west-1"] }));
    expect(out.Regions!.map((r) => r.RegionName)).toEqual(["eu-west-1"]);
  });
});

describe("regions", () => {
  it("a disabled opt-in region answers AuthFailure", async () => {
    expect(await sdkError(ec2("ap-east-1").send(new DescribeVolumesCommand({})))).toMatchObject({
      name: "AuthFailure",
      status: 401,
    });
  });

  it("an enabled opt-in region works", async () => {
    const out = await ec2("af-south-1", sim.credentialsFor(DEV)).send(new DescribeVolumesCommand({}));
    expect(out.Volumes!.length).toBe(12);
    expect(out.Volumes![1]!.KmsKeyId).toContain(`:af-south-1:${DEV}:`);
  });
});
