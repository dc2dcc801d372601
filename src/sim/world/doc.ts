// The shape of a world document after schema validation (schemas/world.schema.json). Everything
// the schema leaves optional is optional here; src/sim/world/build/index.ts fills in the defaults.
import type { AggregatorSpec, FaultSpec, SimListenerAction } from "./types.js";

/** A policy document written as an object, or verbatim text (possibly malformed on purpose). */
export type PolicyDoc = string | Record<string, unknown>;
export type TagsDoc = { Key: string; Value: string }[] | Record<string, string>;
export type KmsTagsDoc = { TagKey: string; TagValue: string }[] | Record<string, string>;

export interface WorldDoc {
  seed?: number;
  managementAccountId?: string;
  allRegions?: string[];
  accounts: AccountDoc[];
  faults?: FaultSpec;
  aggregators?: AggregatorSpec[];
}

export interface AccountDoc {
  Id: string;
  Name?: string;
  Email?: string;
  Status?: "ACTIVE" | "SUSPENDED" | "PENDING_CLOSURE";
  enabledRegions?: string[];
  disabledRegions?: string[];
  roles?: { Name: string; TrustedAccounts: string[]; ExternalId?: string }[];
  regions?: Record<string, RegionDoc>;
  global?: GlobalDoc;
}

export interface RegionDoc {
  ebsEncryptionByDefault?: boolean;
  ebsDefaultKmsKeyId?: string;
  volumes?: VolumeDoc[];
  snapshots?: SnapshotDoc[];
  kmsKeys?: KmsKeyDoc[];
  rdsInstances?: RdsInstanceDoc[];
  rdsClusters?: RdsClusterDoc[];
  rdsSnapshots?: RdsSnapshotDoc[];
  rdsClusterSnapshots?: RdsSnapshotDoc[];
  rdsParameterGroups?: RdsParameterGroupDoc[];
  rdsClusterParameterGroups?: RdsParameterGroupDoc[];
  cloudHsmClusters?: CloudHsmClusterDoc[];
  dynamodbTables?: DynamoTableDoc[];
  secrets?: SecretDoc[];
  trails?: TrailDoc[];
  loadBalancers?: LoadBalancerDoc[];
  sslPolicies?: SslPolicyDoc[];
}

export interface GlobalDoc {
  buckets?: BucketDoc[];
  iamPolicies?: IamPolicyDoc[];
  iamUsers?: IamPrincipalDoc[];
  iamRoles?: IamPrincipalDoc[];
  iamGroups?: IamPrincipalDoc[];
}

export interface VolumeDoc {
  VolumeId: string;
  Size: number;
  Encrypted: boolean;
  KmsKeyId?: string;
  State?: string;
  AvailabilityZone?: string;
  CreateTime?: string;
  VolumeType?: string;
  SnapshotId?: string;
  Attachments?: { InstanceId: string; Device?: string; State?: string }[];
  Tags?: TagsDoc;
}

export interface SnapshotDoc {
  SnapshotId: string;
  VolumeId?: string;
  VolumeSize?: number;
  Encrypted: boolean;
  KmsKeyId?: string;
  State?: string;
  StartTime?: string;
  Description?: string;
  OwnerId?: string;
  Tags?: TagsDoc;
  SharedWith?: string[];
}

export interface KmsKeyDoc {
  KeyId: string;
  Description?: string;
  KeyManager?: "AWS" | "CUSTOMER";
  KeySpec?: string;
  KeyUsage?: string;
  Origin?: string;
  KeyState?: string;
  Enabled?: boolean;
  CreationDate?: string;
  DeletionDate?: string;
  PendingDeletionWindowInDays?: number;
  MultiRegion?: boolean;
  RotationEnabled?: boolean;
  RotationPeriodInDays?: number;
  Policy?: PolicyDoc;
  Aliases?: string[];
  Tags?: KmsTagsDoc;
}

export interface RdsInstanceDoc {
  DBInstanceIdentifier: string;
  DbiResourceId?: string;
  Engine?: string;
  EngineVersion?: string;
  DBInstanceClass?: string;
  DBInstanceStatus?: string;
  StorageEncrypted: boolean;
  KmsKeyId?: string;
  AllocatedStorage?: number;
  PubliclyAccessible?: boolean;
  DBClusterIdentifier?: string;
  InstanceCreateTime?: string;
  /** Default: the family's default group, in-sync. */
  DBParameterGroupName?: string;
  ParameterApplyStatus?: string;
  /** Cluster members: the cluster parameter group's status on this instance (default in-sync). */
  DBClusterParameterGroupStatus?: string;
  Tags?: TagsDoc;
}

export interface RdsClusterDoc {
  DBClusterIdentifier: string;
  DbClusterResourceId?: string;
  Engine?: string;
  EngineVersion?: string;
  Status?: string;
  StorageEncrypted: boolean;
  KmsKeyId?: string;
  ClusterCreateTime?: string;
  /** Default: default.<family>. */
  DBClusterParameterGroup?: string;
  Tags?: TagsDoc;
}

export interface RdsParameterGroupDoc {
  DBParameterGroupName: string;
  DBParameterGroupFamily: string;
  Description?: string;
  Parameters?: Record<string, string>;
}

export interface CloudHsmClusterDoc {
  ClusterId: string;
  State?: string;
  HsmType?: string;
  VpcId?: string;
  CreateTimestamp?: string;
  BackupRetentionDays?: number;
  Hsms?: { AvailabilityZone: string; HsmId?: string; State?: string }[];
  CustomKeyStore?: { CustomKeyStoreName: string; CustomKeyStoreId?: string; ConnectionState?: string };
  Tags?: TagsDoc;
}

export interface RdsSnapshotDoc {
  Identifier: string;
  SourceIdentifier: string;
  SnapshotType?: string;
  Engine?: string;
  Status?: string;
  Encrypted: boolean;
  KmsKeyId?: string;
  SnapshotCreateTime?: string;
  SharedWith?: string[];
  Tags?: TagsDoc;
}

export interface DynamoTableDoc {
  TableName: string;
  TableId?: string;
  TableStatus?: string;
  CreationDateTime?: string;
  ItemCount?: number;
  SSE?: { SSEType?: "KMS"; KMSMasterKeyArn: string; Status?: string } | null;
  Tags?: TagsDoc;
}

export interface SecretDoc {
  Name: string;
  Suffix?: string;
  Description?: string;
  KmsKeyId?: string;
  RotationEnabled?: boolean;
  RotationLambdaARN?: string;
  RotationRules?: { AutomaticallyAfterDays?: number; ScheduleExpression?: string };
  LastRotatedDate?: string;
  LastChangedDate?: string;
  LastAccessedDate?: string;
  CreatedDate?: string;
  DeletedDate?: string;
  Tags?: TagsDoc;
}

export interface TrailDoc {
  Name: string;
  HomeRegion?: string;
  S3BucketName?: string;
  KmsKeyId?: string;
  IsMultiRegionTrail?: boolean;
  IsOrganizationTrail?: boolean;
  LogFileValidationEnabled?: boolean;
  IncludeGlobalServiceEvents?: boolean;
  IsLogging?: boolean;
  Tags?: TagsDoc;
}

export interface LoadBalancerDoc {
  LoadBalancerName: string;
  Type?: "application" | "network" | "gateway";
  Scheme?: "internet-facing" | "internal";
  State?: string;
  IpAddressType?: string;
  CreatedTime?: string;
  SecurityGroups?: string[];
  Listeners?: ListenerDoc[];
  Tags?: TagsDoc;
}

export interface ListenerDoc {
  Port: number;
  Protocol: string;
  SslPolicy?: string;
  Certificates?: { CertificateArn: string }[];
  AlpnPolicy?: string[];
  DefaultActions?: ListenerActionDoc[];
  Tags?: TagsDoc;
}

export interface ListenerActionDoc {
  Type: "forward" | "redirect" | "fixed-response" | "authenticate-oidc" | "authenticate-cognito";
  Order?: number;
  TargetGroupArn?: string;
  RedirectConfig?: SimListenerAction["RedirectConfig"];
  FixedResponseConfig?: SimListenerAction["FixedResponseConfig"];
}

export interface SslPolicyDoc {
  Name: string;
  SslProtocols: string[];
  Ciphers?: string[];
  SupportedLoadBalancerTypes?: string[];
  Listed?: boolean;
}

export interface BucketDoc {
  Name: string;
  Region?: string;
  CreationDate?: string;
  Policy?: PolicyDoc | null;
  Encryption?: {
    SSEAlgorithm: "AES256" | "aws:kms" | "aws:kms:dsse";
    KMSMasterKeyID?: string;
    BucketKeyEnabled?: boolean;
  } | null;
  PublicAccessBlock?: {
    BlockPublicAcls?: boolean;
    IgnorePublicAcls?: boolean;
    BlockPublicPolicy?: boolean;
    RestrictPublicBuckets?: boolean;
  } | null;
  Tags?: TagsDoc;
}

export interface IamPolicyDoc {
  PolicyName: string;
  PolicyId?: string;
  Path?: string;
  Scope?: "Local" | "AWS";
  AttachmentCount?: number;
  CreateDate?: string;
  UpdateDate?: string;
  Document?: PolicyDoc;
  Versions?: { VersionId: string; IsDefaultVersion?: boolean; CreateDate?: string; Document: PolicyDoc }[];
}

export interface IamPrincipalDoc {
  Name: string;
  Id?: string;
  Path?: string;
  CreateDate?: string;
  InlinePolicies?: { PolicyName: string; Document: PolicyDoc }[];
  AttachedPolicyArns?: string[];
  AssumeRolePolicyDocument?: PolicyDoc;
  Groups?: string[];
  Tags?: TagsDoc;
}
