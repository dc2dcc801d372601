// EC2 collector: EBS volumes, the account's own EBS snapshots (with who may create volumes from
// them) and the region's EBS encryption-by-default setting. Volumes are shaped as AWS Config
// records them; Config records neither snapshots nor the default-encryption setting, so those use
// the camelCased API shape (see docs/collectors/ec2.md).
import {
  DescribeSnapshotAttributeCommand,
  GetEbsDefaultKmsKeyIdCommand,
  GetEbsEncryptionByDefaultCommand,
  paginateDescribeSnapshots,
  paginateDescribeVolumes,
  type Snapshot,
  type Volume,
} from "@aws-sdk/client-ec2";
import type { JsonObject } from "../model/resource.js";
import { RESOURCE_TYPES } from "../model/resource-types.js";
import { configShape, tagList } from "./shape.js";
import { COLLECTOR_MANIFESTS } from "./manifests.js";
import type { Collector, CollectorContext } from "./types.js";

const SERVICE = "ec2";
/** Largest page each listing accepts (field notes): fewer, cheaper calls against EC2's token buckets. */
const VOLUME_PAGE = 500;
const SNAPSHOT_PAGE = 1000;

export const ec2Collector: Collector = {
  ...COLLECTOR_MANIFESTS.ec2,
  async collect(ctx) {
    await Promise.all([collectEncryptionDefault(ctx), collectVolumes(ctx), collectSnapshots(ctx)]);
  },
};

/** One record per region; each setting is a per-resource fact, so a denied read is a marker in its field. */
async function collectEncryptionDefault(ctx: CollectorContext): Promise<void> {
  const client = ctx.client(SERVICE);
  const [byDefault, keyId] = await Promise.all([
    ctx.detail(SERVICE, "GetEbsEncryptionByDefault", async () => {
      const out = await client.send(new GetEbsEncryptionByDefaultCommand({}));
      return out.EbsEncryptionByDefault ?? null;
    }),
    ctx.detail(SERVICE, "GetEbsDefaultKmsKeyId", async () => {
      const out = await client.send(new GetEbsDefaultKmsKeyIdCommand({}));
      return out.KmsKeyId ?? null;
    }),
  ]);
  ctx.emit({
    resourceType: RESOURCE_TYPES.ebsEncryptionDefault,
    resourceId: ctx.region,
    arn: null,
    configuration: {
      ebsEncryptionByDefault: byDefault.ok ? byDefault.value : byDefault.marker,
      kmsKeyId: keyId.ok ? keyId.value : keyId.marker,
    },
  });
}

async function collectVolumes(ctx: CollectorContext): Promise<void> {
  const client = ctx.client(SERVICE);
  await ctx.list(SERVICE, "DescribeVolumes", {
    pages: paginateDescribeVolumes({ client, pageSize: VOLUME_PAGE }, {}),
    items: (page) => page.Volumes,
    toRecord: (v) =>
      v.VolumeId
        ? {
            resourceType: RESOURCE_TYPES.ebsVolume,
            resourceId: v.VolumeId,
            arn: `arn:${ctx.partition}:ec2:${ctx.region}:${ctx.accountId}:volume/${v.VolumeId}`,
            configuration: volumeConfiguration(v),
            tags: v.Tags ?? [],
          }
        : undefined,
  });
}

/**
 * `Volume` as AWS Config records it (aws-config-resource-schema AWS::EC2::Volume): its fields only,
 * so a rule cannot come to depend on one a Config snapshot lacks. `state` is `{value}`, an absent
 * `snapshotId` is "", an absent `kmsKeyId` null, tags `[{key, value}]`; `iops` and `throughput`
 * appear when EC2 reports them.
 */
function volumeConfiguration(v: Volume): JsonObject {
  const iso = (d: Date | undefined): string | null => (d ? d.toISOString() : null);
  return {
    volumeId: v.VolumeId ?? null,
    size: v.Size ?? null,
    snapshotId: v.SnapshotId ?? "",
    availabilityZone: v.AvailabilityZone ?? null,
    state: { value: v.State ?? null },
    createTime: iso(v.CreateTime),
    attachments: (v.Attachments ?? []).map((a) => ({
      volumeId: a.VolumeId ?? v.VolumeId ?? null,
      instanceId: a.InstanceId ?? null,
      device: a.Device ?? null,
      state: a.State ?? null,
      deleteOnTermination: a.DeleteOnTermination ?? false,
      attachTime: iso(a.AttachTime),
    })),
    encrypted: v.Encrypted ?? null,
    kmsKeyId: v.KmsKeyId ?? null,
    volumeType: v.VolumeType ?? null,
    multiAttachEnabled: v.MultiAttachEnabled ?? false,
    ...(v.Iops !== undefined ? { iops: v.Iops } : {}),
    ...(v.Throughput !== undefined ? { throughput: v.Throughput } : {}),
    tags: tagList(v.Tags),
  };
}

async function collectSnapshots(ctx: CollectorContext): Promise<void> {
  const client = ctx.client(SERVICE);
  await ctx.list(SERVICE, "DescribeSnapshots", {
    pages: paginateDescribeSnapshots({ client, pageSize: SNAPSHOT_PAGE }, { OwnerIds: ["self"] }),
    items: (page) => page.Snapshots,
    async readRecord(s) {
      const id = s.SnapshotId;
      if (!id) return undefined;
      // AWS answers for snapshots in any state, so every snapshot is asked.
      const perms = await ctx.detail(
        SERVICE,
        "DescribeSnapshotAttribute",
        async () => {
          const out = await client.send(
            new DescribeSnapshotAttributeCommand({ SnapshotId: id, Attribute: "createVolumePermission" }),
          );
          return (out.CreateVolumePermissions ?? []).map((p) =>
            p.Group ? { group: p.Group } : { userId: p.UserId ?? null },
          );
        },
        { fact: "CreateVolumePermissions" },
      );
      return {
        resourceType: RESOURCE_TYPES.ebsSnapshot,
        resourceId: id,
        // Snapshot ARNs carry no account id.
        arn: `arn:${ctx.partition}:ec2:${ctx.region}::snapshot/${id}`,
        configuration: snapshotConfiguration(s),
        supplementaryConfiguration: {
          CreateVolumePermissions: perms.ok ? (perms.value ?? []) : perms.marker,
        },
        tags: s.Tags ?? [],
      };
    },
  });
}

/**
 * Config does not record EBS snapshots: the `Snapshot` camelCased the same way, with Config's
 * conventions for the fields rules read (an absent `kmsKeyId` is null, tags `[{key, value}]`).
 */
function snapshotConfiguration(s: Snapshot): JsonObject {
  return { ...configShape(s), kmsKeyId: s.KmsKeyId ?? null, tags: tagList(s.Tags) };
}
