// One builder per regional resource kind, from its document to its AWS shape, mirroring the
// generator's per-kind functions (../generate.ts). Builders run in document order, so issues are
// reported in the order a reader meets them.
import { arrayCollection } from "../collection.js";
import {
  DEFAULT_CREATED,
  DEFAULT_ROTATED,
  alnumFrom,
  engineVersionFor,
  hexFrom,
  keyArn,
  uuidFrom,
} from "../defaults.js";
import type {
  DynamoTableDoc,
  RdsClusterDoc,
  RdsInstanceDoc,
  RdsSnapshotDoc,
  RegionDoc,
  SecretDoc,
  SnapshotDoc,
  TrailDoc,
  VolumeDoc,
} from "../doc.js";
import type {
  Collection,
  RegionResources,
  SimDynamoTable,
  SimKmsKey,
  SimRdsCluster,
  SimRdsInstance,
  SimRdsParameterGroup,
  SimRdsSnapshot,
  SimSecret,
  SimSnapshot,
  SimTrail,
  SimVolume,
} from "../types.js";
import {
  collection,
  encryptedRef,
  tags,
  timestamps,
  type PathSeg,
  type Report,
  type Resolve,
  type Timestamp,
} from "./common.js";
import { elbResources } from "./elbv2.js";
import { buildCloudHsmCluster } from "./cloudhsm.js";
import { buildParameterGroup, groupFor, linkMembers } from "./rds-params.js";

/** What every regional builder needs to know about the place it builds in. */
export interface RegionCtx {
  account: string;
  region: string;
  /** Path of the region in the document (accounts[i].regions.<region>). */
  path: PathSeg[];
  resolve: Resolve;
  report: Report;
  ts: Timestamp;
  /** The ARN of the region's AWS-managed key for a service (alias/aws/<service>), if the file has one. */
  awsKey(service: string): string | undefined;
  /** The key an encrypted volume or snapshot gets when it names none. */
  defaultEbsKey: string | undefined;
}

export function regionResources(
  r: RegionDoc,
  keys: SimKmsKey[],
  place: Pick<RegionCtx, "account" | "region" | "path" | "resolve" | "report">,
): RegionResources {
  const { path, report } = place;
  const { ctx, ebsDefaultKmsKeyId } = regionCtx(r, keys, place);
  const volumes = (r.volumes ?? []).map((v, i) => buildVolume(v, ctx, [...path, "volumes", i]));
  const volumeById = new Map(volumes.map((v) => [v.VolumeId, v]));
  const snapshots = (r.snapshots ?? []).map((s, i) =>
    buildSnapshot(s, ctx, [...path, "snapshots", i], volumeById),
  );
  const rds = rdsResources(r, ctx, path);
  const dynamodbTables = (r.dynamodbTables ?? []).map((t, i) =>
    buildDynamoTable(t, ctx, [...path, "dynamodbTables", i]),
  );
  const secrets = (r.secrets ?? []).map((s, i) => buildSecret(s, ctx, [...path, "secrets", i]));
  const trails = (r.trails ?? []).map((t, i) => buildTrail(t, ctx, [...path, "trails", i]));
  const hsmClusters = (r.cloudHsmClusters ?? []).map((h, i) =>
    buildCloudHsmCluster(h, ctx, [...path, "cloudHsmClusters", i]),
  );

  const c = <T>(field: string, items: T[], id: (t: T) => string, idField: string): Collection<T> =>
    collection(items, id, [...path, field], idField, report);
  return {
    ebsEncryptionByDefault: r.ebsEncryptionByDefault ?? false,
    ebsDefaultKmsKeyId,
    volumes: c("volumes", volumes, (v) => v.VolumeId, "VolumeId"),
    snapshots: c("snapshots", snapshots, (s) => s.SnapshotId, "SnapshotId"),
    kmsKeys: arrayCollection(keys, (k) => k.KeyId), // duplicates already reported in pass 1
    rdsInstances: c("rdsInstances", rds.instances, (d) => d.DBInstanceIdentifier, "DBInstanceIdentifier"),
    rdsClusters: c("rdsClusters", rds.clusters, (d) => d.DBClusterIdentifier, "DBClusterIdentifier"),
    rdsSnapshots: c("rdsSnapshots", rds.snapshots, (s) => s.Identifier, "Identifier"),
    rdsClusterSnapshots: c("rdsClusterSnapshots", rds.clusterSnapshots, (s) => s.Identifier, "Identifier"),
    rdsParameterGroups: c("rdsParameterGroups", rds.dbGroups, (g) => g.Name, "DBParameterGroupName"),
    rdsClusterParameterGroups: c(
      "rdsClusterParameterGroups",
      rds.clusterGroups,
      (g) => g.Name,
      "DBParameterGroupName",
    ),
    cloudHsmClusters: c("cloudHsmClusters", hsmClusters, (h) => h.ClusterId, "ClusterId"),
    dynamodbTables: c("dynamodbTables", dynamodbTables, (t) => t.TableName, "TableName"),
    secrets: c("secrets", secrets, (s) => s.Name, "Name"),
    trails: c("trails", trails, (t) => t.Name, "Name"),
    ...elbResources(r, ctx),
  };
}

/** A region's RDS resources: parameter groups first (instances and clusters name them), clusters, instances, snapshots. */
function rdsResources(r: RegionDoc, ctx: RegionCtx, path: PathSeg[]) {
  const groups = (field: "rdsParameterGroups" | "rdsClusterParameterGroups") =>
    (r[field] ?? []).map((g, i) => buildParameterGroup(g, [...path, field, i], ctx.report));
  const [dbGroups, clusterGroups] = [groups("rdsParameterGroups"), groups("rdsClusterParameterGroups")];
  const byName = (gs: SimRdsParameterGroup[]) => new Map(gs.map((g) => [g.Name, g]));
  const clusters = (r.rdsClusters ?? []).map((c, i) =>
    buildRdsCluster(c, ctx, [...path, "rdsClusters", i], byName(clusterGroups)),
  );
  const clusterById = new Map(clusters.map((c) => [c.DBClusterIdentifier, c]));
  const dbGroupByName = byName(dbGroups);
  const docs = r.rdsInstances ?? [];
  const instances = docs.map((d, i) =>
    buildRdsInstance(d, ctx, [...path, "rdsInstances", i], clusterById, dbGroupByName),
  );
  const memberStatus = new Map(docs.map((d) => [d.DBInstanceIdentifier, d.DBClusterParameterGroupStatus]));
  linkMembers(clusters, instances, (d) => memberStatus.get(d.DBInstanceIdentifier));
  const instanceById = new Map(instances.map((d) => [d.DBInstanceIdentifier, d]));
  const snapshots = (r.rdsSnapshots ?? []).map((s, i) =>
    buildRdsSnapshot(s, ctx, [...path, "rdsSnapshots", i], instanceById.get(s.SourceIdentifier), "postgres"),
  );
  const clusterSnapshots = (r.rdsClusterSnapshots ?? []).map((s, i) =>
    buildRdsSnapshot(
      s,
      ctx,
      [...path, "rdsClusterSnapshots", i],
      clusterById.get(s.SourceIdentifier),
      "aurora-postgresql",
    ),
  );
  return { dbGroups, clusterGroups, clusters, instances, snapshots, clusterSnapshots };
}

/** The region's context, with its EBS default key resolved (the AWS-managed alias stays an alias, as AWS shows it). */
function regionCtx(
  r: RegionDoc,
  keys: SimKmsKey[],
  place: Pick<RegionCtx, "account" | "region" | "path" | "resolve" | "report">,
): { ctx: RegionCtx; ebsDefaultKmsKeyId: string } {
  const { account, region, path, resolve, report } = place;
  const awsKey = (service: string): string | undefined => {
    const k = keys.find((key) => key.Aliases.includes(`alias/aws/${service}`));
    return k ? keyArn(region, account, k.KeyId) : undefined;
  };
  const ebsDefaultKmsKeyId =
    r.ebsDefaultKmsKeyId === undefined || r.ebsDefaultKmsKeyId === "alias/aws/ebs"
      ? "alias/aws/ebs"
      : resolve(r.ebsDefaultKmsKeyId, [...path, "ebsDefaultKmsKeyId"]);
  const defaultEbsKey = ebsDefaultKmsKeyId.startsWith("arn:") ? ebsDefaultKmsKeyId : awsKey("ebs");
  return { ctx: { ...place, ts: timestamps(report), awsKey, defaultEbsKey }, ebsDefaultKmsKeyId };
}

const ref = (ctx: RegionCtx, value: string | undefined, p: PathSeg[]): string | undefined =>
  value === undefined ? undefined : ctx.resolve(value, p);

export function buildVolume(v: VolumeDoc, ctx: RegionCtx, p: PathSeg[]): SimVolume {
  const { region, report } = ctx;
  if (!v.Encrypted && v.KmsKeyId !== undefined)
    report([...p, "KmsKeyId"], "KmsKeyId is set but the volume is not encrypted");
  const az = v.AvailabilityZone ?? `${region}a`;
  if (!az.startsWith(region))
    report([...p, "AvailabilityZone"], `availability zone "${az}" is not in ${region}`);
  const attachments = (v.Attachments ?? []).map((at, j) => ({
    InstanceId: at.InstanceId,
    Device: at.Device ?? (j === 0 ? "/dev/xvda" : `/dev/sd${String.fromCharCode(102 + j)}`),
    State: at.State ?? "attached",
  }));
  const kms = v.Encrypted ? (ref(ctx, v.KmsKeyId, [...p, "KmsKeyId"]) ?? ctx.defaultEbsKey) : undefined;
  return {
    VolumeId: v.VolumeId,
    Size: v.Size,
    Encrypted: v.Encrypted,
    ...(kms !== undefined ? { KmsKeyId: kms } : {}),
    State: v.State ?? (attachments.length ? "in-use" : "available"),
    AvailabilityZone: az,
    CreateTime: ctx.ts(v.CreateTime, DEFAULT_CREATED, [...p, "CreateTime"]),
    VolumeType: v.VolumeType ?? "gp3",
    ...(v.SnapshotId !== undefined ? { SnapshotId: v.SnapshotId } : {}),
    Attachments: attachments,
    Tags: tags(v.Tags),
  };
}

export function buildSnapshot(
  s: SnapshotDoc,
  ctx: RegionCtx,
  p: PathSeg[],
  volumeById: Map<string, SimVolume>,
): SimSnapshot {
  const { report } = ctx;
  const source = s.VolumeId !== undefined ? volumeById.get(s.VolumeId) : undefined;
  const shared = s.SharedWith ?? [];
  if (s.Encrypted && shared.includes("all"))
    report([...p, "SharedWith"], "AWS cannot share an encrypted snapshot publicly");
  if (!s.Encrypted && s.KmsKeyId !== undefined)
    report([...p, "KmsKeyId"], "KmsKeyId is set but the snapshot is not encrypted");
  const kms = s.Encrypted
    ? (ref(ctx, s.KmsKeyId, [...p, "KmsKeyId"]) ?? source?.KmsKeyId ?? ctx.defaultEbsKey)
    : undefined;
  return {
    SnapshotId: s.SnapshotId,
    // vol-ffffffff is what AWS shows for snapshots copied or created from AMIs.
    VolumeId: s.VolumeId ?? "vol-ffffffff",
    VolumeSize: s.VolumeSize ?? source?.Size ?? 8,
    Encrypted: s.Encrypted,
    ...(kms !== undefined ? { KmsKeyId: kms } : {}),
    State: s.State ?? "completed",
    StartTime: ctx.ts(s.StartTime, DEFAULT_CREATED, [...p, "StartTime"]),
    ...(s.Description !== undefined ? { Description: s.Description } : {}),
    OwnerId: s.OwnerId ?? ctx.account,
    Tags: tags(s.Tags),
    SharedWith: [...shared],
  };
}

export function buildRdsCluster(
  c: RdsClusterDoc,
  ctx: RegionCtx,
  p: PathSeg[],
  groups: ReadonlyMap<string, SimRdsParameterGroup>,
): SimRdsCluster {
  const engine = c.Engine ?? "aurora-postgresql";
  const version = c.EngineVersion ?? engineVersionFor(engine);
  const kms =
    encryptedRef(c.StorageEncrypted, c.KmsKeyId, [...p, "KmsKeyId"], ctx.resolve, ctx.report) ??
    (c.StorageEncrypted ? ctx.awsKey("rds") : undefined);
  return {
    DBClusterIdentifier: c.DBClusterIdentifier,
    DbClusterResourceId:
      c.DbClusterResourceId ??
      `cluster-${alnumFrom(`${ctx.account}/${ctx.region}/${c.DBClusterIdentifier}`, 26)}`,
    Engine: engine,
    EngineVersion: version,
    Status: c.Status ?? "available",
    StorageEncrypted: c.StorageEncrypted,
    ...(kms !== undefined ? { KmsKeyId: kms } : {}),
    ClusterCreateTime: ctx.ts(c.ClusterCreateTime, DEFAULT_CREATED, [...p, "ClusterCreateTime"]),
    DBClusterParameterGroup: groupFor(
      c.DBClusterParameterGroup,
      engine,
      version,
      groups,
      [...p, "DBClusterParameterGroup"],
      ctx.report,
    ),
    Members: [],
    Tags: tags(c.Tags),
  };
}

export function buildRdsInstance(
  d: RdsInstanceDoc,
  ctx: RegionCtx,
  p: PathSeg[],
  clusterById: Map<string, SimRdsCluster>,
  groups: ReadonlyMap<string, SimRdsParameterGroup>,
): SimRdsInstance {
  const { report } = ctx;
  const cluster = d.DBClusterIdentifier !== undefined ? clusterById.get(d.DBClusterIdentifier) : undefined;
  if (d.DBClusterIdentifier !== undefined && !cluster)
    report([...p, "DBClusterIdentifier"], `no cluster "${d.DBClusterIdentifier}" in this region`);
  if (cluster && cluster.StorageEncrypted !== d.StorageEncrypted)
    report(
      [...p, "StorageEncrypted"],
      `must match its cluster "${cluster.DBClusterIdentifier}" (${cluster.StorageEncrypted})`,
    );
  const engine = d.Engine ?? cluster?.Engine ?? "postgres";
  const version = d.EngineVersion ?? cluster?.EngineVersion ?? engineVersionFor(engine);
  const aurora = engine.startsWith("aurora");
  if (!cluster && d.DBClusterParameterGroupStatus !== undefined)
    report([...p, "DBClusterParameterGroupStatus"], "only a cluster member has a cluster parameter group");
  const kms =
    encryptedRef(d.StorageEncrypted, d.KmsKeyId, [...p, "KmsKeyId"], ctx.resolve, report) ??
    (d.StorageEncrypted ? (cluster?.KmsKeyId ?? ctx.awsKey("rds")) : undefined);
  return {
    DBInstanceIdentifier: d.DBInstanceIdentifier,
    DbiResourceId:
      d.DbiResourceId ?? `db-${alnumFrom(`${ctx.account}/${ctx.region}/${d.DBInstanceIdentifier}`, 26)}`,
    Engine: engine,
    EngineVersion: version,
    DBInstanceClass: d.DBInstanceClass ?? (aurora ? "db.r6g.large" : "db.t3.medium"),
    DBInstanceStatus: d.DBInstanceStatus ?? "available",
    StorageEncrypted: d.StorageEncrypted,
    ...(kms !== undefined ? { KmsKeyId: kms } : {}),
    AllocatedStorage: d.AllocatedStorage ?? (aurora ? 1 : 20),
    PubliclyAccessible: d.PubliclyAccessible ?? false,
    ...(d.DBClusterIdentifier !== undefined ? { DBClusterIdentifier: d.DBClusterIdentifier } : {}),
    InstanceCreateTime: ctx.ts(d.InstanceCreateTime, DEFAULT_CREATED, [...p, "InstanceCreateTime"]),
    DBParameterGroups: [
      {
        DBParameterGroupName: groupFor(
          d.DBParameterGroupName,
          engine,
          version,
          groups,
          [...p, "DBParameterGroupName"],
          report,
        ),
        ParameterApplyStatus: d.ParameterApplyStatus ?? "in-sync",
      },
    ],
    Tags: tags(d.Tags),
  };
}

/** An RDS instance or cluster snapshot; engine and key come from its source when it has one here. */
export function buildRdsSnapshot(
  s: RdsSnapshotDoc,
  ctx: RegionCtx,
  p: PathSeg[],
  source: { Engine: string; KmsKeyId?: string } | undefined,
  engine: string,
): SimRdsSnapshot {
  const shared = s.SharedWith ?? [];
  if (s.Encrypted && shared.includes("all"))
    ctx.report([...p, "SharedWith"], "AWS cannot share an encrypted snapshot publicly");
  const kms =
    encryptedRef(s.Encrypted, s.KmsKeyId, [...p, "KmsKeyId"], ctx.resolve, ctx.report) ??
    (s.Encrypted ? (source?.KmsKeyId ?? ctx.awsKey("rds")) : undefined);
  return {
    Identifier: s.Identifier,
    SourceIdentifier: s.SourceIdentifier,
    SnapshotType: s.SnapshotType ?? "manual",
    Engine: s.Engine ?? source?.Engine ?? engine,
    Status: s.Status ?? "available",
    Encrypted: s.Encrypted,
    ...(kms !== undefined ? { KmsKeyId: kms } : {}),
    SnapshotCreateTime: ctx.ts(s.SnapshotCreateTime, DEFAULT_CREATED, [...p, "SnapshotCreateTime"]),
    SharedWith: [...shared],
    Tags: tags(s.Tags),
  };
}

export function buildDynamoTable(t: DynamoTableDoc, ctx: RegionCtx, p: PathSeg[]): SimDynamoTable {
  return {
    TableName: t.TableName,
    TableId: t.TableId ?? uuidFrom(`table/${ctx.account}/${ctx.region}/${t.TableName}`),
    TableStatus: t.TableStatus ?? "ACTIVE",
    CreationDateTime: ctx.ts(t.CreationDateTime, DEFAULT_CREATED, [...p, "CreationDateTime"]),
    ItemCount: t.ItemCount ?? 0,
    SSE: t.SSE
      ? {
          SSEType: "KMS" as const,
          KMSMasterKeyArn: ctx.resolve(t.SSE.KMSMasterKeyArn, [...p, "SSE", "KMSMasterKeyArn"]),
          Status: t.SSE.Status ?? "ENABLED",
        }
      : null,
    Tags: tags(t.Tags),
  };
}

export function buildSecret(s: SecretDoc, ctx: RegionCtx, p: PathSeg[]): SimSecret {
  const { account, region, ts } = ctx;
  const rotation = s.RotationEnabled ?? false;
  const created = ts(s.CreatedDate, DEFAULT_CREATED, [...p, "CreatedDate"]);
  const rotated =
    s.LastRotatedDate !== undefined
      ? ts(s.LastRotatedDate, DEFAULT_ROTATED, [...p, "LastRotatedDate"])
      : rotation
        ? DEFAULT_ROTATED
        : undefined;
  const lambda =
    s.RotationLambdaARN ??
    (rotation ? `arn:aws:lambda:${region}:${account}:function:SecretsManagerRotation` : undefined);
  const rules = s.RotationRules ?? (rotation ? { AutomaticallyAfterDays: 30 } : undefined);
  return {
    Name: s.Name,
    Suffix: s.Suffix ?? hexFrom(`secret/${account}/${region}/${s.Name}`, 6),
    ...(s.Description !== undefined ? { Description: s.Description } : {}),
    ...(s.KmsKeyId !== undefined ? { KmsKeyId: ctx.resolve(s.KmsKeyId, [...p, "KmsKeyId"]) } : {}),
    RotationEnabled: rotation,
    ...(lambda !== undefined ? { RotationLambdaARN: lambda } : {}),
    ...(rules !== undefined ? { RotationRules: { ...rules } } : {}),
    ...(rotated !== undefined ? { LastRotatedDate: rotated } : {}),
    LastChangedDate: ts(s.LastChangedDate, rotated ?? created, [...p, "LastChangedDate"]),
    ...(s.LastAccessedDate !== undefined
      ? { LastAccessedDate: ts(s.LastAccessedDate, created, [...p, "LastAccessedDate"]) }
      : {}),
    CreatedDate: created,
    ...(s.DeletedDate !== undefined
      ? { DeletedDate: ts(s.DeletedDate, created, [...p, "DeletedDate"]) }
      : {}),
    Tags: tags(s.Tags),
  };
}

export function buildTrail(t: TrailDoc, ctx: RegionCtx, p: PathSeg[]): SimTrail {
  const { account, region } = ctx;
  if (t.HomeRegion !== undefined && t.HomeRegion !== region)
    ctx.report([...p, "HomeRegion"], `a trail is listed under its home region; this one is under ${region}`);
  return {
    Name: t.Name,
    HomeRegion: region,
    S3BucketName: t.S3BucketName ?? `aws-cloudtrail-logs-${account}`,
    ...(t.KmsKeyId !== undefined ? { KmsKeyId: ctx.resolve(t.KmsKeyId, [...p, "KmsKeyId"]) } : {}),
    IsMultiRegionTrail: t.IsMultiRegionTrail ?? true,
    IsOrganizationTrail: t.IsOrganizationTrail ?? false,
    LogFileValidationEnabled: t.LogFileValidationEnabled ?? true,
    IncludeGlobalServiceEvents: t.IncludeGlobalServiceEvents ?? true,
    IsLogging: t.IsLogging ?? true,
    Tags: tags(t.Tags),
  };
}
