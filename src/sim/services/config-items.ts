// AWS Config configuration items (CIs) built from the world, shaped as AWS Config records them.
// Property names follow the official schema (github.com/awslabs/aws-config-resource-schema): the
// service API shape with the first letter lower-cased by a Java bean mapper, which is why RDS reads
// `dBInstanceIdentifier` but `dbclusterIdentifier`, DynamoDB `ssedescription.kmsmasterKeyArn`, and
// Secrets Manager keeps PascalCase. Types Config does not record (EBS snapshots, the EBS default
// encryption setting) have no builder. Facts Config does not capture (a KMS key policy, its rotation
// status) are deliberately absent so collectors must ask the owning service.
import { createHash } from "node:crypto";
import { GLOBAL_REGION } from "../../model/resource-types.js";
import type {
  Collection,
  SimAccount,
  SimBucket,
  SimIamManagedPolicy,
  SimIamPrincipal,
  SimKmsKey,
  SimListener,
  SimListenerAction,
  SimLoadBalancer,
  SimRdsSnapshot,
  Tag,
} from "../world/types.js";

export type ConfigItem = Record<string, unknown>;

/** Where a type's items live: one region's collections, the account's IAM (global), or its buckets. */
export type ItemScope = "region" | "global" | "s3";

export interface RecordedType {
  type: string;
  scope: ItemScope;
  /** Items to walk (region is ignored for global and s3 scopes). */
  size(account: SimAccount, region: string): number;
  /** The CI at index i, or undefined when Config does not record that one (e.g. AWS-managed policies). */
  item(account: SimAccount, region: string, i: number): ConfigItem | undefined;
}

/** Look an item up by its collection id, falling back to a scan when the id is not the collection's key. */
export function findById<T>(c: Collection<T>, id: string, match: (item: T) => boolean): T | undefined {
  const direct = c.get(id);
  if (direct !== undefined && match(direct)) return direct;
  for (let i = 0; i < c.size; i++) {
    const item = c.at(i);
    if (match(item)) return item;
  }
  return undefined;
}

/** The S3 canonical user id of an account (stable, 64 hex chars like AWS's). */
export function canonicalUserId(accountId: string): string {
  return createHash("sha256").update(`dpscan-canonical:${accountId}`).digest("hex");
}

/** The region whose recorder includes global (IAM) types: us-east-1 when enabled, else the first. */
export function globalRecordingRegion(account: SimAccount): string | undefined {
  return account.enabledRegions.includes("us-east-1") ? "us-east-1" : account.enabledRegions[0];
}

function iso(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? s : new Date(ms).toISOString();
}

/** IAM and Config return policy documents URL-encoded (RFC 3986), not as JSON. */
export function urlEncodePolicy(doc: string): string {
  return encodeURIComponent(doc);
}

const tagsOf = (tags: Tag[]) => tags.map((t) => ({ key: t.Key, value: t.Value }));

function ci(
  account: SimAccount,
  base: {
    type: string;
    id: string;
    name?: string;
    arn: string;
    region: string;
    az?: string;
    created?: string;
    tags: { key: string; value: string }[];
    configuration: ConfigItem;
    supplementary?: ConfigItem;
  },
): ConfigItem {
  const created = iso(base.created);
  const capture = created ?? "2024-01-01T00:00:00.000Z";
  return {
    version: "1.3",
    accountId: account.Id,
    configurationItemCaptureTime: capture,
    configurationItemStatus: "OK",
    configurationStateId: String(Date.parse(capture)),
    arn: base.arn,
    resourceType: base.type,
    resourceId: base.id,
    resourceName: base.name,
    awsRegion: base.region,
    availabilityZone: base.az ?? (base.region === GLOBAL_REGION ? "Not Applicable" : "Regional"),
    resourceCreationTime: created,
    tags: base.tags,
    relationships: [],
    configuration: base.configuration,
    supplementaryConfiguration: base.supplementary ?? {},
  };
}

function regional<T>(
  type: string,
  pick: (account: SimAccount, region: string) => Collection<T> | undefined,
  build: (account: SimAccount, region: string, item: T) => ConfigItem | undefined,
): RecordedType {
  return {
    type,
    scope: "region",
    size: (a, r) => pick(a, r)?.size ?? 0,
    item(a, r, i) {
      const c = pick(a, r);
      return c ? build(a, r, c.at(i)) : undefined;
    },
  };
}

function kmsKeyConfiguration(account: SimAccount, k: SimKmsKey, arn: string): ConfigItem {
  return {
    awsaccountId: account.Id,
    keyId: k.KeyId,
    arn,
    creationDate: iso(k.CreationDate),
    enabled: k.Enabled,
    description: k.Description ?? "",
    keyUsage: k.KeyUsage,
    keyState: k.KeyState,
    deletionDate: iso(k.DeletionDate) ?? null,
    origin: k.Origin,
    expirationModel: k.Origin === "EXTERNAL" ? "KEY_MATERIAL_DOES_NOT_EXPIRE" : null,
    keyManager: k.KeyManager,
    customerMasterKeySpec: k.KeySpec,
    keySpec: k.KeySpec,
    multiRegion: k.MultiRegion ?? false,
  };
}

function snapshotAttributes(s: SimRdsSnapshot) {
  return [{ attributeName: "restore", attributeValues: [...s.SharedWith] }];
}

function bucketItem(account: SimAccount, b: SimBucket): ConfigItem {
  const enc = b.Encryption ?? { SSEAlgorithm: "AES256", BucketKeyEnabled: false };
  const supplementary: ConfigItem = {
    AccessControlList: JSON.stringify({
      grantSet: null,
      grantList: [
        { grantee: { id: canonicalUserId(account.Id), displayName: null }, permission: "FullControl" },
      ],
      owner: { displayName: null, id: canonicalUserId(account.Id) },
      isRequesterCharged: false,
    }),
    BucketPolicy: { policyText: b.Policy },
    BucketVersioningConfiguration: { status: "Off", isMfaDeleteEnabled: null },
    IsRequesterPaysEnabled: false,
    // Since January 2023 every bucket has at least SSE-S3; Config records that default too.
    ServerSideEncryptionConfiguration: {
      rules: [
        {
          applyServerSideEncryptionByDefault: {
            sseAlgorithm: enc.SSEAlgorithm,
            kmsMasterKeyID: enc.KMSMasterKeyID ?? null,
          },
          bucketKeyEnabled: enc.BucketKeyEnabled,
        },
      ],
    },
  };
  if (b.PublicAccessBlock) {
    const p = b.PublicAccessBlock;
    supplementary["PublicAccessBlockConfiguration"] = {
      blockPublicAcls: p.BlockPublicAcls,
      ignorePublicAcls: p.IgnorePublicAcls,
      blockPublicPolicy: p.BlockPublicPolicy,
      restrictPublicBuckets: p.RestrictPublicBuckets,
    };
  }
  return ci(account, {
    type: "AWS::S3::Bucket",
    id: b.Name,
    name: b.Name,
    arn: `arn:aws:s3:::${b.Name}`,
    region: b.Region,
    created: b.CreationDate,
    tags: tagsOf(b.Tags),
    configuration: {
      name: b.Name,
      owner: { displayName: null, id: canonicalUserId(account.Id) },
      creationDate: iso(b.CreationDate),
    },
    supplementary,
  });
}

function iamArn(account: SimAccount, kind: string, path: string, name: string): string {
  return `arn:aws:iam::${account.Id}:${kind}${path || "/"}${name}`;
}

function inlinePolicies(p: SimIamPrincipal) {
  return p.InlinePolicies.map((x) => ({
    policyName: x.PolicyName,
    policyDocument: urlEncodePolicy(x.Document),
  }));
}

function attached(p: SimIamPrincipal) {
  return p.AttachedPolicyArns.map((arn) => ({
    policyArn: arn,
    policyName: arn.slice(arn.lastIndexOf("/") + 1),
  }));
}

function policyItem(account: SimAccount, p: SimIamManagedPolicy): ConfigItem | undefined {
  // Config records customer-managed policies only; AWS-managed ones are not account resources.
  if (p.Scope !== "Local") return undefined;
  const arn = iamArn(account, "policy", p.Path, p.PolicyName);
  const def = p.Versions.find((v) => v.IsDefaultVersion);
  return ci(account, {
    type: "AWS::IAM::Policy",
    id: p.PolicyId,
    name: p.PolicyName,
    arn,
    region: GLOBAL_REGION,
    created: p.CreateDate,
    tags: [],
    configuration: {
      policyName: p.PolicyName,
      policyId: p.PolicyId,
      arn,
      path: p.Path,
      defaultVersionId: def?.VersionId ?? null,
      attachmentCount: p.AttachmentCount,
      permissionsBoundaryUsageCount: 0,
      isAttachable: true,
      description: null,
      createDate: iso(p.CreateDate),
      updateDate: iso(p.UpdateDate),
      policyVersionList: p.Versions.map((v) => ({
        document: urlEncodePolicy(v.Document),
        versionId: v.VersionId,
        isDefaultVersion: v.IsDefaultVersion,
        createDate: iso(v.CreateDate),
      })),
    },
  });
}

function principalItem(account: SimAccount, kind: "user" | "role" | "group", p: SimIamPrincipal): ConfigItem {
  const arn = iamArn(account, kind, p.Path, p.Name);
  const common = { path: p.Path, arn, createDate: iso(p.CreateDate), attachedManagedPolicies: attached(p) };
  const configuration: ConfigItem =
    kind === "user"
      ? {
          userName: p.Name,
          userId: p.Id,
          ...common,
          userPolicyList: inlinePolicies(p),
          groupList: [...(p.Groups ?? [])],
          permissionsBoundary: null,
          tags: tagsOf(p.Tags),
        }
      : kind === "role"
        ? {
            roleName: p.Name,
            roleId: p.Id,
            ...common,
            assumeRolePolicyDocument:
              p.AssumeRolePolicyDocument === undefined ? null : urlEncodePolicy(p.AssumeRolePolicyDocument),
            instanceProfileList: [],
            rolePolicyList: inlinePolicies(p),
            permissionsBoundary: null,
            tags: tagsOf(p.Tags),
          }
        : { groupName: p.Name, groupId: p.Id, ...common, groupPolicyList: inlinePolicies(p) };
  return ci(account, {
    type: kind === "user" ? "AWS::IAM::User" : kind === "role" ? "AWS::IAM::Role" : "AWS::IAM::Group",
    id: p.Id,
    name: p.Name,
    arn,
    region: GLOBAL_REGION,
    created: p.CreateDate,
    tags: tagsOf(p.Tags),
    configuration,
  });
}

function global<T>(
  type: string,
  pick: (account: SimAccount) => Collection<T>,
  build: (account: SimAccount, item: T) => ConfigItem | undefined,
): RecordedType {
  return {
    type,
    scope: "global",
    size: (a) => pick(a).size,
    item: (a, _r, i) => build(a, pick(a).at(i)),
  };
}

/** A load balancer as Config records it: DescribeLoadBalancers' shape, first letter lowercased. */
function loadBalancerItem(a: SimAccount, r: string, lb: SimLoadBalancer): ConfigItem {
  return ci(a, {
    type: "AWS::ElasticLoadBalancingV2::LoadBalancer",
    id: lb.LoadBalancerArn,
    name: lb.LoadBalancerName,
    arn: lb.LoadBalancerArn,
    region: r,
    created: lb.CreatedTime,
    tags: tagsOf(lb.Tags),
    configuration: {
      loadBalancerArn: lb.LoadBalancerArn,
      dNSName: lb.DNSName,
      canonicalHostedZoneId: lb.CanonicalHostedZoneId,
      createdTime: iso(lb.CreatedTime),
      loadBalancerName: lb.LoadBalancerName,
      scheme: lb.Scheme,
      vpcId: lb.VpcId,
      state: { code: lb.State },
      type: lb.Type,
      availabilityZones: lb.AvailabilityZones.map((z) => ({
        zoneName: z.ZoneName,
        subnetId: z.SubnetId,
        loadBalancerAddresses: [],
      })),
      ...(lb.SecurityGroups.length > 0 ? { securityGroups: [...lb.SecurityGroups] } : {}),
      ipAddressType: lb.IpAddressType,
    },
  });
}

/** A listener action as Config records it (PascalCase); a forward action carries its ForwardConfig too. */
function listenerAction(x: SimListenerAction): ConfigItem {
  return {
    Type: x.Type,
    ...(x.TargetGroupArn !== undefined ? { TargetGroupArn: x.TargetGroupArn } : {}),
    ...(x.Order !== undefined ? { Order: x.Order } : {}),
    ...(x.RedirectConfig ? { RedirectConfig: { ...x.RedirectConfig } } : {}),
    ...(x.FixedResponseConfig ? { FixedResponseConfig: { ...x.FixedResponseConfig } } : {}),
    ...(x.TargetGroupArn !== undefined
      ? {
          ForwardConfig: {
            TargetGroups: [{ TargetGroupArn: x.TargetGroupArn, Weight: 1 }],
            TargetGroupStickinessConfig: { Enabled: false },
          },
        }
      : {}),
  };
}

/** A listener as Config records it: PascalCase, as CloudFormation's schema (no name; the ARN is its id). */
function listenerItem(a: SimAccount, r: string, l: SimListener): ConfigItem {
  return ci(a, {
    type: "AWS::ElasticLoadBalancingV2::Listener",
    id: l.ListenerArn,
    arn: l.ListenerArn,
    region: r,
    tags: tagsOf(l.Tags),
    configuration: {
      ListenerArn: l.ListenerArn,
      LoadBalancerArn: l.LoadBalancerArn,
      Port: l.Port,
      Protocol: l.Protocol,
      SslPolicy: l.SslPolicy ?? null,
      Certificates: l.Certificates.map((c) => ({ ...c })),
      DefaultActions: l.DefaultActions.map(listenerAction),
      AlpnPolicy: [...(l.AlpnPolicy ?? [])],
    },
  });
}

const rdsArn = (a: SimAccount, r: string, kind: string, id: string) =>
  `arn:aws:rds:${r}:${a.Id}:${kind}:${id}`;

/** Every resource type the simulator's AWS Config records, in the order queries walk them. */
export const RECORDED_TYPES: readonly RecordedType[] = [
  regional(
    "AWS::EC2::Volume",
    (a, r) => a.region(r)?.volumes,
    (a, r, v) =>
      ci(a, {
        type: "AWS::EC2::Volume",
        id: v.VolumeId,
        arn: `arn:aws:ec2:${r}:${a.Id}:volume/${v.VolumeId}`,
        region: r,
        az: v.AvailabilityZone,
        created: v.CreateTime,
        tags: tagsOf(v.Tags),
        configuration: {
          volumeId: v.VolumeId,
          size: v.Size,
          snapshotId: v.SnapshotId ?? "",
          availabilityZone: v.AvailabilityZone,
          state: { value: v.State },
          createTime: iso(v.CreateTime),
          attachments: v.Attachments.map((x) => ({
            volumeId: v.VolumeId,
            instanceId: x.InstanceId,
            device: x.Device,
            state: x.State,
            deleteOnTermination: false,
          })),
          encrypted: v.Encrypted,
          kmsKeyId: v.KmsKeyId ?? null,
          volumeType: v.VolumeType,
          multiAttachEnabled: false,
          tags: tagsOf(v.Tags),
        },
      }),
  ),
  regional(
    "AWS::KMS::Key",
    (a, r) => a.region(r)?.kmsKeys,
    (a, r, k) => {
      const arn = `arn:aws:kms:${r}:${a.Id}:key/${k.KeyId}`;
      return ci(a, {
        type: "AWS::KMS::Key",
        id: k.KeyId,
        arn,
        region: r,
        created: k.CreationDate,
        tags: k.Tags.map((t) => ({ key: t.TagKey, value: t.TagValue })),
        configuration: kmsKeyConfiguration(a, k, arn),
      });
    },
  ),
  regional(
    "AWS::RDS::DBInstance",
    (a, r) => a.region(r)?.rdsInstances,
    (a, r, d) =>
      ci(a, {
        type: "AWS::RDS::DBInstance",
        id: d.DbiResourceId,
        name: d.DBInstanceIdentifier,
        arn: rdsArn(a, r, "db", d.DBInstanceIdentifier),
        region: r,
        created: d.InstanceCreateTime,
        tags: tagsOf(d.Tags),
        configuration: {
          dBInstanceIdentifier: d.DBInstanceIdentifier,
          dBInstanceClass: d.DBInstanceClass,
          engine: d.Engine,
          engineVersion: d.EngineVersion,
          dBInstanceStatus: d.DBInstanceStatus,
          allocatedStorage: d.AllocatedStorage,
          instanceCreateTime: iso(d.InstanceCreateTime),
          publiclyAccessible: d.PubliclyAccessible,
          storageEncrypted: d.StorageEncrypted,
          kmsKeyId: d.KmsKeyId ?? null,
          dbiResourceId: d.DbiResourceId,
          dBClusterIdentifier: d.DBClusterIdentifier ?? null,
          dBInstanceArn: rdsArn(a, r, "db", d.DBInstanceIdentifier),
          dBParameterGroups: d.DBParameterGroups.map((g) => ({
            dBParameterGroupName: g.DBParameterGroupName,
            parameterApplyStatus: g.ParameterApplyStatus,
          })),
        },
      }),
  ),
  regional(
    "AWS::RDS::DBCluster",
    (a, r) => a.region(r)?.rdsClusters,
    (a, r, c) =>
      ci(a, {
        type: "AWS::RDS::DBCluster",
        id: c.DbClusterResourceId,
        name: c.DBClusterIdentifier,
        arn: rdsArn(a, r, "cluster", c.DBClusterIdentifier),
        region: r,
        az: "Multiple Availability Zones",
        created: c.ClusterCreateTime,
        tags: tagsOf(c.Tags),
        configuration: {
          dbclusterIdentifier: c.DBClusterIdentifier,
          dbclusterArn: rdsArn(a, r, "cluster", c.DBClusterIdentifier),
          dbClusterResourceId: c.DbClusterResourceId,
          engine: c.Engine,
          engineVersion: c.EngineVersion,
          status: c.Status,
          storageEncrypted: c.StorageEncrypted,
          kmsKeyId: c.KmsKeyId ?? null,
          clusterCreateTime: iso(c.ClusterCreateTime),
          dbclusterParameterGroup: c.DBClusterParameterGroup,
          dbclusterMembers: c.Members.map((m) => ({
            dbinstanceIdentifier: m.DBInstanceIdentifier,
            isClusterWriter: m.IsClusterWriter,
            dbclusterParameterGroupStatus: m.DBClusterParameterGroupStatus,
            promotionTier: 1,
          })),
        },
      }),
  ),
  regional(
    "AWS::RDS::DBSnapshot",
    (a, r) => a.region(r)?.rdsSnapshots,
    (a, r, s) =>
      ci(a, {
        type: "AWS::RDS::DBSnapshot",
        id: s.Identifier,
        name: s.Identifier,
        arn: rdsArn(a, r, "snapshot", s.Identifier),
        region: r,
        created: s.SnapshotCreateTime,
        tags: tagsOf(s.Tags),
        configuration: {
          dBSnapshotIdentifier: s.Identifier,
          dBInstanceIdentifier: s.SourceIdentifier,
          snapshotCreateTime: iso(s.SnapshotCreateTime),
          engine: s.Engine,
          status: s.Status,
          snapshotType: s.SnapshotType,
          encrypted: s.Encrypted,
          kmsKeyId: s.KmsKeyId ?? null,
          dBSnapshotArn: rdsArn(a, r, "snapshot", s.Identifier),
        },
        supplementary: { DBSnapshotAttributes: snapshotAttributes(s) },
      }),
  ),
  regional(
    "AWS::RDS::DBClusterSnapshot",
    (a, r) => a.region(r)?.rdsClusterSnapshots,
    (a, r, s) =>
      ci(a, {
        type: "AWS::RDS::DBClusterSnapshot",
        id: s.Identifier,
        name: s.Identifier,
        arn: rdsArn(a, r, "cluster-snapshot", s.Identifier),
        region: r,
        created: s.SnapshotCreateTime,
        tags: tagsOf(s.Tags),
        configuration: {
          dbclusterSnapshotIdentifier: s.Identifier,
          dbclusterIdentifier: s.SourceIdentifier,
          snapshotCreateTime: iso(s.SnapshotCreateTime),
          engine: s.Engine,
          status: s.Status,
          snapshotType: s.SnapshotType,
          storageEncrypted: s.Encrypted,
          kmsKeyId: s.KmsKeyId ?? null,
          dbclusterSnapshotArn: rdsArn(a, r, "cluster-snapshot", s.Identifier),
        },
        supplementary: { DBClusterSnapshotAttributes: snapshotAttributes(s) },
      }),
  ),
  regional(
    "AWS::DynamoDB::Table",
    (a, r) => a.region(r)?.dynamodbTables,
    (a, r, t) => {
      const arn = `arn:aws:dynamodb:${r}:${a.Id}:table/${t.TableName}`;
      return ci(a, {
        type: "AWS::DynamoDB::Table",
        id: t.TableName,
        name: t.TableName,
        arn,
        region: r,
        created: t.CreationDateTime,
        tags: tagsOf(t.Tags),
        configuration: {
          tableName: t.TableName,
          tableId: t.TableId,
          tableArn: arn,
          tableStatus: t.TableStatus,
          creationDateTime: iso(t.CreationDateTime),
          itemCount: t.ItemCount,
          tableSizeBytes: 0,
          // As DescribeTable: no SSE description for the default AWS-owned key.
          ...(t.SSE
            ? {
                ssedescription: {
                  status: t.SSE.Status,
                  ssetype: t.SSE.SSEType,
                  kmsmasterKeyArn: t.SSE.KMSMasterKeyArn,
                },
              }
            : {}),
        },
      });
    },
  ),
  regional(
    "AWS::SecretsManager::Secret",
    (a, r) => a.region(r)?.secrets,
    (a, r, s) => {
      const arn = `arn:aws:secretsmanager:${r}:${a.Id}:secret:${s.Name}-${s.Suffix}`;
      return ci(a, {
        type: "AWS::SecretsManager::Secret",
        id: arn,
        name: s.Name,
        arn,
        region: r,
        created: s.CreatedDate,
        tags: tagsOf(s.Tags),
        configuration: {
          ARN: arn,
          Name: s.Name,
          Description: s.Description ?? null,
          KMSKeyId: s.KmsKeyId ?? null,
          RotationEnabled: s.RotationEnabled,
          RotationLambdaARN: s.RotationLambdaARN ?? null,
          RotationRules: s.RotationRules
            ? {
                AutomaticallyAfterDays: s.RotationRules.AutomaticallyAfterDays ?? null,
                RotationScheduleExpression: s.RotationRules.ScheduleExpression ?? null,
              }
            : null,
          Deleted: s.DeletedDate !== undefined,
        },
      });
    },
  ),
  regional(
    "AWS::CloudTrail::Trail",
    (a, r) => a.region(r)?.trails,
    (a, r, t) => {
      // Recorded once, in the home region (a world may list multi-region trails in every region).
      if (t.HomeRegion !== r) return undefined;
      const arn = `arn:aws:cloudtrail:${r}:${a.Id}:trail/${t.Name}`;
      return ci(a, {
        type: "AWS::CloudTrail::Trail",
        id: t.Name,
        name: t.Name,
        arn,
        region: r,
        tags: tagsOf(t.Tags),
        configuration: {
          name: t.Name,
          s3BucketName: t.S3BucketName,
          includeGlobalServiceEvents: t.IncludeGlobalServiceEvents,
          isMultiRegionTrail: t.IsMultiRegionTrail,
          homeRegion: t.HomeRegion,
          trailARN: arn,
          logFileValidationEnabled: t.LogFileValidationEnabled,
          kmsKeyId: t.KmsKeyId ?? null,
          hasCustomEventSelectors: false,
          hasInsightSelectors: false,
          isOrganizationTrail: t.IsOrganizationTrail,
        },
      });
    },
  ),
  regional(
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    (a, r) => a.region(r)?.loadBalancers,
    loadBalancerItem,
  ),
  regional("AWS::ElasticLoadBalancingV2::Listener", (a, r) => a.region(r)?.listeners, listenerItem),
  {
    type: "AWS::S3::Bucket",
    scope: "s3",
    size: (a) => a.global.buckets.size,
    item: (a, _r, i) => bucketItem(a, a.global.buckets.at(i)),
  },
  global("AWS::IAM::Policy", (a) => a.global.iamPolicies, policyItem),
  global(
    "AWS::IAM::User",
    (a) => a.global.iamUsers,
    (a, p) => principalItem(a, "user", p),
  ),
  global(
    "AWS::IAM::Role",
    (a) => a.global.iamRoles,
    (a, p) => principalItem(a, "role", p),
  ),
  global(
    "AWS::IAM::Group",
    (a) => a.global.iamGroups,
    (a, p) => principalItem(a, "group", p),
  ),
];

export const RECORDED_TYPE_NAMES: ReadonlySet<string> = new Set(RECORDED_TYPES.map((t) => t.type));
