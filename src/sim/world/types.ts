// The simulated world: an organisation of accounts, regions and the resources dpscan collects.
// Resources are kept in AWS API shapes (PascalCase, as the SDK returns them) so that service
// handlers serialize them directly. Collections are lazy so a generated world of 400k resources
// is produced on demand, never held in memory at once.

/** A lazily-indexed, ordered collection. `at(i)` for 0 <= i < size; `get(id)` by the resource's own id. */
export interface Collection<T> {
  readonly size: number;
  at(index: number): T;
  get(id: string): T | undefined;
}

export type Tag = { Key: string; Value: string };

export interface SimVolume {
  VolumeId: string;
  Size: number;
  Encrypted: boolean;
  KmsKeyId?: string;
  State: string; // available | in-use | ...
  AvailabilityZone: string;
  CreateTime: string; // ISO 8601
  VolumeType: string;
  SnapshotId?: string;
  Attachments: { InstanceId: string; Device: string; State: string }[];
  Tags: Tag[];
}

export interface SimSnapshot {
  SnapshotId: string;
  VolumeId: string;
  VolumeSize: number;
  Encrypted: boolean;
  KmsKeyId?: string;
  State: string; // completed | pending | error
  StartTime: string;
  Description?: string;
  OwnerId: string;
  Tags: Tag[];
  /** createVolumePermission: "all" means public; account ids mean shared with those accounts. */
  SharedWith: string[];
}

export interface SimKmsKey {
  KeyId: string;
  Description?: string;
  KeyManager: "AWS" | "CUSTOMER";
  KeySpec: string; // SYMMETRIC_DEFAULT, RSA_2048, HMAC_256, ...
  KeyUsage: string; // ENCRYPT_DECRYPT | SIGN_VERIFY | GENERATE_VERIFY_MAC
  Origin: string; // AWS_KMS | EXTERNAL | AWS_CLOUDHSM | EXTERNAL_KEY_STORE
  KeyState: string; // Enabled | Disabled | PendingDeletion | PendingImport | Unavailable
  Enabled: boolean;
  CreationDate: string;
  DeletionDate?: string;
  PendingDeletionWindowInDays?: number;
  MultiRegion?: boolean;
  RotationEnabled: boolean;
  RotationPeriodInDays?: number;
  /** The key policy document text, exactly as returned by GetKeyPolicy (may be malformed on purpose). */
  Policy: string;
  Aliases: string[]; // "alias/..." names
  Tags: { TagKey: string; TagValue: string }[];
}

export interface SimRdsInstance {
  DBInstanceIdentifier: string;
  DbiResourceId: string;
  Engine: string;
  EngineVersion: string;
  DBInstanceClass: string;
  DBInstanceStatus: string;
  StorageEncrypted: boolean;
  KmsKeyId?: string;
  AllocatedStorage: number;
  PubliclyAccessible: boolean;
  DBClusterIdentifier?: string;
  InstanceCreateTime: string;
  /** The instance's DB parameter group and whether its changes are applied (in-sync, pending-reboot, …). */
  DBParameterGroups: { DBParameterGroupName: string; ParameterApplyStatus: string }[];
  Tags: Tag[];
}

export interface SimRdsCluster {
  DBClusterIdentifier: string;
  DbClusterResourceId: string;
  Engine: string;
  EngineVersion: string;
  Status: string;
  StorageEncrypted: boolean;
  KmsKeyId?: string;
  ClusterCreateTime: string;
  DBClusterParameterGroup: string;
  /** Its instances and the cluster parameter group's status on each (generated clusters list none). */
  Members: {
    DBInstanceIdentifier: string;
    IsClusterWriter: boolean;
    DBClusterParameterGroupStatus: string;
  }[];
  Tags: Tag[];
}

/**
 * A custom DB (or DB cluster) parameter group: the values its owner set. Every other parameter is
 * the family's engine default (rds-families.ts); `default.<family>` groups exist implicitly.
 */
export interface SimRdsParameterGroup {
  Name: string;
  Family: string;
  Description: string;
  /** ParameterName -> ParameterValue, as ModifyDBParameterGroup set them. */
  Parameters: Record<string, string>;
}

export interface SimRdsSnapshot {
  /** DBSnapshotIdentifier for instance snapshots, DBClusterSnapshotIdentifier for cluster snapshots. */
  Identifier: string;
  /** The instance or cluster identifier it was taken from. */
  SourceIdentifier: string;
  SnapshotType: string; // manual | automated
  Engine: string;
  Status: string;
  Encrypted: boolean;
  KmsKeyId?: string;
  SnapshotCreateTime: string;
  /** restore attribute values: "all" = public, account ids = shared */
  SharedWith: string[];
  Tags: Tag[];
}

export interface SimHsm {
  HsmId: string;
  AvailabilityZone: string;
  SubnetId: string;
  EniId: string;
  EniIp: string;
  State: string; // ACTIVE | CREATE_IN_PROGRESS | DEGRADED | DELETE_IN_PROGRESS | DELETED
}

export interface SimCloudHsmCluster {
  ClusterId: string;
  State: string; // ACTIVE | UNINITIALIZED | INITIALIZED | DEGRADED | DELETED | ...
  HsmType: string;
  VpcId: string;
  SecurityGroup: string;
  /** Availability Zone -> subnet. */
  SubnetMapping: Record<string, string>;
  Hsms: SimHsm[];
  CreateTimestamp: string;
  BackupRetentionDays: number;
  /** The KMS custom key store this cluster backs, if any (KMS DescribeCustomKeyStores serves it). */
  CustomKeyStore?: { CustomKeyStoreId: string; CustomKeyStoreName: string; ConnectionState: string };
  Tags: Tag[];
}

export interface SimBucket {
  Name: string;
  Region: string;
  CreationDate: string;
  /** Bucket policy text as GetBucketPolicy returns it, or null when the bucket has none. */
  Policy: string | null;
  /** null when the bucket has no explicit configuration (S3 then applies SSE-S3 by default). */
  Encryption: {
    SSEAlgorithm: "AES256" | "aws:kms" | "aws:kms:dsse";
    KMSMasterKeyID?: string;
    BucketKeyEnabled: boolean;
  } | null;
  PublicAccessBlock: {
    BlockPublicAcls: boolean;
    IgnorePublicAcls: boolean;
    BlockPublicPolicy: boolean;
    RestrictPublicBuckets: boolean;
  } | null;
  Tags: Tag[];
}

export interface SimIamPolicyVersion {
  VersionId: string;
  IsDefaultVersion: boolean;
  CreateDate: string;
  /** Policy document JSON (the simulator URL-encodes it on the wire as IAM does). */
  Document: string;
}

export interface SimIamManagedPolicy {
  PolicyName: string;
  PolicyId: string;
  Path: string;
  /** "Local" for customer-managed; "AWS" for AWS-managed policies (arn:aws:iam::aws:policy/...). */
  Scope: "Local" | "AWS";
  AttachmentCount: number;
  CreateDate: string;
  UpdateDate: string;
  Versions: SimIamPolicyVersion[];
}

export interface SimIamPrincipal {
  Name: string;
  Id: string;
  Path: string;
  CreateDate: string;
  /** Inline policies: name -> document JSON. */
  InlinePolicies: { PolicyName: string; Document: string }[];
  /** Attached managed policy ARNs. */
  AttachedPolicyArns: string[];
  /** Roles only: the trust policy document JSON. */
  AssumeRolePolicyDocument?: string;
  /** Users only: group names. */
  Groups?: string[];
  Tags: Tag[];
}

export interface SimDynamoTable {
  TableName: string;
  TableId: string;
  TableStatus: string;
  CreationDateTime: string;
  ItemCount: number;
  /** null: DynamoDB default encryption with an AWS-owned key (DescribeTable returns no SSEDescription). */
  SSE: { SSEType: "KMS"; KMSMasterKeyArn: string; Status: string } | null;
  Tags: Tag[];
}

export interface SimSecret {
  Name: string;
  /** ARN suffix: AWS appends 6 random characters to the name. */
  Suffix: string;
  Description?: string;
  KmsKeyId?: string; // absent = aws/secretsmanager
  RotationEnabled: boolean;
  RotationLambdaARN?: string;
  RotationRules?: { AutomaticallyAfterDays?: number; ScheduleExpression?: string };
  LastRotatedDate?: string;
  LastChangedDate?: string;
  LastAccessedDate?: string;
  CreatedDate: string;
  DeletedDate?: string;
  Tags: Tag[];
  // There is deliberately no secret value: the simulator cannot leak what it does not hold.
}

export interface SimTrail {
  Name: string;
  HomeRegion: string;
  S3BucketName: string;
  KmsKeyId?: string;
  IsMultiRegionTrail: boolean;
  IsOrganizationTrail: boolean;
  LogFileValidationEnabled: boolean;
  IncludeGlobalServiceEvents: boolean;
  IsLogging: boolean;
  Tags: Tag[];
}

/** An ELBv2 listener action (ForwardConfig, authentication configs and JWT validation are not modelled). */
export interface SimListenerAction {
  Type: string; // forward | redirect | fixed-response | authenticate-oidc | authenticate-cognito
  Order?: number;
  TargetGroupArn?: string;
  RedirectConfig?: {
    Protocol?: string; // HTTP | HTTPS | #{protocol}
    Port?: string;
    Host?: string;
    Path?: string;
    Query?: string;
    StatusCode: "HTTP_301" | "HTTP_302";
  };
  FixedResponseConfig?: { StatusCode: string; ContentType?: string; MessageBody?: string };
}

export interface SimListener {
  ListenerArn: string;
  LoadBalancerArn: string;
  Port: number;
  Protocol: string; // HTTP | HTTPS (application), TCP | TLS | UDP | TCP_UDP | QUIC | TCP_QUIC (network), GENEVE (gateway)
  /** HTTPS and TLS listeners only: a security policy name, served by DescribeSSLPolicies (or not: SSLPolicyNotFound). */
  SslPolicy?: string;
  Certificates: { CertificateArn: string; IsDefault?: boolean }[];
  AlpnPolicy?: string[];
  DefaultActions: SimListenerAction[];
  Tags: Tag[];
}

export interface SimLoadBalancer {
  LoadBalancerName: string;
  LoadBalancerArn: string;
  Type: "application" | "network" | "gateway";
  Scheme: string; // internet-facing | internal
  DNSName: string;
  CanonicalHostedZoneId: string;
  CreatedTime: string;
  VpcId: string;
  State: string; // active | provisioning | active_impaired | failed
  IpAddressType: string; // ipv4 | dualstack
  AvailabilityZones: { ZoneName: string; SubnetId: string }[];
  SecurityGroups: string[];
  Listeners: SimListener[];
  Tags: Tag[];
}

/** An ELBv2 security policy as DescribeSSLPolicies returns it. */
export interface SimSslPolicy {
  Name: string;
  SslProtocols: string[]; // TLSv1 | TLSv1.1 | TLSv1.2 | TLSv1.3
  Ciphers: { Name: string; Priority: number }[];
  SupportedLoadBalancerTypes: string[];
  /** False: DescribeSSLPolicies answers it by name only, leaving it out of the listing. */
  Listed: boolean;
}

export interface RegionResources {
  ebsEncryptionByDefault: boolean;
  /** The default EBS KMS key (ARN or alias), as GetEbsDefaultKmsKeyId returns it. */
  ebsDefaultKmsKeyId: string;
  volumes: Collection<SimVolume>;
  snapshots: Collection<SimSnapshot>;
  kmsKeys: Collection<SimKmsKey>;
  rdsInstances: Collection<SimRdsInstance>;
  rdsClusters: Collection<SimRdsCluster>;
  rdsSnapshots: Collection<SimRdsSnapshot>;
  rdsClusterSnapshots: Collection<SimRdsSnapshot>;
  rdsParameterGroups: Collection<SimRdsParameterGroup>;
  rdsClusterParameterGroups: Collection<SimRdsParameterGroup>;
  cloudHsmClusters: Collection<SimCloudHsmCluster>;
  dynamodbTables: Collection<SimDynamoTable>;
  secrets: Collection<SimSecret>;
  trails: Collection<SimTrail>;
  loadBalancers: Collection<SimLoadBalancer>;
  /** Every load balancer's listeners, flat (by ListenerArn), in load balancer order. */
  listeners: Collection<SimListener>;
  /** Security policies of this region beyond the simulator's built-in table (services/elbv2-policies.ts). */
  sslPolicies: SimSslPolicy[];
}

export interface GlobalResources {
  buckets: Collection<SimBucket>;
  iamPolicies: Collection<SimIamManagedPolicy>;
  iamUsers: Collection<SimIamPrincipal>;
  iamRoles: Collection<SimIamPrincipal>;
  iamGroups: Collection<SimIamPrincipal>;
}

export interface SimRole {
  /** Role name in this account that others may assume (e.g. "dpscan-audit"). */
  Name: string;
  /** Accounts allowed to assume it. */
  TrustedAccounts: string[];
  /** When set, AssumeRole must pass this ExternalId. */
  ExternalId?: string;
}

export interface SimAccount {
  Id: string;
  Name: string;
  Email: string;
  Status: "ACTIVE" | "SUSPENDED" | "PENDING_CLOSURE";
  /** Regions enabled for this account (opt-in regions included once opted in). */
  enabledRegions: string[];
  /** Opt-in regions not enabled: calls there fail as AWS does (UnrecognizedClientException / AuthFailure). */
  disabledRegions: string[];
  roles: SimRole[];
  global: GlobalResources;
  region(name: string): RegionResources | undefined;
}

/** Latency for every call, in milliseconds. */
export interface LatencySpec {
  distribution: "fixed" | "uniform" | "normal";
  /** fixed: value; uniform: min..max; normal: mean, stddev (clamped at 0). */
  value?: number;
  min?: number;
  max?: number;
  mean?: number;
  stddev?: number;
}

export interface ThrottleSpec {
  /** Turn AWS-like token-bucket throttling on. */
  enabled: boolean;
  /** Override a quota: key "service" or "service:Operation"; bucket capacity and refill per second. */
  overrides?: Record<string, { capacity: number; refillPerSecond: number }>;
}

export interface AccessDeniedRule {
  account?: string;
  region?: string;
  /** signing name: ec2, kms, rds, s3, iam, sts, organizations, dynamodb, secretsmanager, config, cloudtrail, elasticloadbalancing, cloudhsm */
  service?: string;
  operation?: string;
  /** Narrow to one resource id (e.g. a KMS key whose GetKeyPolicy is denied). */
  resourceId?: string;
}

export interface FaultSpec {
  latency?: LatencySpec;
  throttling?: ThrottleSpec;
  accessDenied?: AccessDeniedRule[];
  /** Probability (0..1) of a transient 500/503 on any call; deterministic from the world seed. */
  transientErrorRate?: number;
  /** Cap on STS session lifetime (seconds), below AWS's 900 s minimum, so tests can force expiry. */
  maxSessionDurationSeconds?: number;
}

export interface AggregatorSpec {
  Name: string;
  AccountId: string;
  Region: string;
}

export interface World {
  /** Account that owns the credentials a test starts with (the organisation's management account). */
  managementAccountId: string;
  /** Every region name the partition has (DescribeRegions with AllRegions). */
  allRegions: string[];
  accounts: Collection<SimAccount>;
  faults: FaultSpec;
  aggregators: AggregatorSpec[];
  /** Seed for everything random in the simulator (faults, latency). */
  seed: number;
}
