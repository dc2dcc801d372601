// Keeps the world's two shape definitions in step: schemas/world.schema.json (what a world file
// may say) and src/sim/world/doc.ts (what the builder reads). Each entry below is checked twice:
// by the compiler against the doc type (every field, and whether it is optional) and by the test
// against the schema (the same fields, the same required ones). A field added on one side only
// fails one of them.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type {
  AccountDoc,
  BucketDoc,
  CloudHsmClusterDoc,
  DynamoTableDoc,
  GlobalDoc,
  IamPolicyDoc,
  IamPrincipalDoc,
  KmsKeyDoc,
  KmsTagsDoc,
  ListenerActionDoc,
  ListenerDoc,
  LoadBalancerDoc,
  RdsClusterDoc,
  RdsInstanceDoc,
  RdsParameterGroupDoc,
  RdsSnapshotDoc,
  RegionDoc,
  SecretDoc,
  SnapshotDoc,
  SslPolicyDoc,
  TagsDoc,
  TrailDoc,
  VolumeDoc,
  WorldDoc,
} from "../../src/sim/world/doc.js";
import type {
  AccessDeniedRule,
  AggregatorSpec,
  FaultSpec,
  LatencySpec,
  ThrottleSpec,
} from "../../src/sim/world/types.js";

type Presence = "required" | "optional";
/** Every field of T, each saying whether T requires it; the compiler rejects a missing, extra or wrong entry. */
type Fields<T> = { [K in keyof T]-?: Record<never, never> extends Pick<T, K> ? "optional" : "required" };
const fields = <T>(f: Fields<T>): Record<string, Presence> => f;
/** Every member of a string union, checked the same way. */
const members = <U extends string>(m: Record<U, true>): string[] => Object.keys(m);

/** Schema object (by JSON pointer) -> the doc type that reads it. */
const SHAPES: Record<string, Record<string, Presence>> = {
  "#": fields<WorldDoc>({
    seed: "optional",
    managementAccountId: "optional",
    allRegions: "optional",
    accounts: "required",
    faults: "optional",
    aggregators: "optional",
  }),
  "#/definitions/tag": fields<Extract<TagsDoc, unknown[]>[number]>({ Key: "required", Value: "required" }),
  "#/definitions/kmsTag": fields<Extract<KmsTagsDoc, unknown[]>[number]>({
    TagKey: "required",
    TagValue: "required",
  }),
  "#/definitions/account": fields<AccountDoc>({
    Id: "required",
    Name: "optional",
    Email: "optional",
    Status: "optional",
    enabledRegions: "optional",
    disabledRegions: "optional",
    roles: "optional",
    regions: "optional",
    global: "optional",
  }),
  "#/definitions/role": fields<NonNullable<AccountDoc["roles"]>[number]>({
    Name: "required",
    TrustedAccounts: "required",
    ExternalId: "optional",
  }),
  "#/definitions/region": fields<RegionDoc>({
    ebsEncryptionByDefault: "optional",
    ebsDefaultKmsKeyId: "optional",
    volumes: "optional",
    snapshots: "optional",
    kmsKeys: "optional",
    rdsInstances: "optional",
    rdsClusters: "optional",
    rdsSnapshots: "optional",
    rdsClusterSnapshots: "optional",
    rdsParameterGroups: "optional",
    rdsClusterParameterGroups: "optional",
    cloudHsmClusters: "optional",
    dynamodbTables: "optional",
    secrets: "optional",
    trails: "optional",
    loadBalancers: "optional",
    sslPolicies: "optional",
  }),
  "#/definitions/volume": fields<VolumeDoc>({
    VolumeId: "required",
    Size: "required",
    Encrypted: "required",
    KmsKeyId: "optional",
    State: "optional",
    AvailabilityZone: "optional",
    CreateTime: "optional",
    VolumeType: "optional",
    SnapshotId: "optional",
    Attachments: "optional",
    Tags: "optional",
  }),
  "#/definitions/volume/properties/Attachments/items": fields<NonNullable<VolumeDoc["Attachments"]>[number]>({
    InstanceId: "required",
    Device: "optional",
    State: "optional",
  }),
  "#/definitions/snapshot": fields<SnapshotDoc>({
    SnapshotId: "required",
    VolumeId: "optional",
    VolumeSize: "optional",
    Encrypted: "required",
    KmsKeyId: "optional",
    State: "optional",
    StartTime: "optional",
    Description: "optional",
    OwnerId: "optional",
    Tags: "optional",
    SharedWith: "optional",
  }),
  "#/definitions/kmsKey": fields<KmsKeyDoc>({
    KeyId: "required",
    Description: "optional",
    KeyManager: "optional",
    KeySpec: "optional",
    KeyUsage: "optional",
    Origin: "optional",
    KeyState: "optional",
    Enabled: "optional",
    CreationDate: "optional",
    DeletionDate: "optional",
    PendingDeletionWindowInDays: "optional",
    MultiRegion: "optional",
    RotationEnabled: "optional",
    RotationPeriodInDays: "optional",
    Policy: "optional",
    Aliases: "optional",
    Tags: "optional",
  }),
  "#/definitions/rdsInstance": fields<RdsInstanceDoc>({
    DBInstanceIdentifier: "required",
    DbiResourceId: "optional",
    Engine: "optional",
    EngineVersion: "optional",
    DBInstanceClass: "optional",
    DBInstanceStatus: "optional",
    StorageEncrypted: "required",
    KmsKeyId: "optional",
    AllocatedStorage: "optional",
    PubliclyAccessible: "optional",
    DBClusterIdentifier: "optional",
    InstanceCreateTime: "optional",
    DBParameterGroupName: "optional",
    ParameterApplyStatus: "optional",
    DBClusterParameterGroupStatus: "optional",
    Tags: "optional",
  }),
  "#/definitions/rdsCluster": fields<RdsClusterDoc>({
    DBClusterIdentifier: "required",
    DbClusterResourceId: "optional",
    Engine: "optional",
    EngineVersion: "optional",
    Status: "optional",
    StorageEncrypted: "required",
    KmsKeyId: "optional",
    ClusterCreateTime: "optional",
    DBClusterParameterGroup: "optional",
    Tags: "optional",
  }),
  "#/definitions/rdsParameterGroup": fields<RdsParameterGroupDoc>({
    DBParameterGroupName: "required",
    DBParameterGroupFamily: "required",
    Description: "optional",
    Parameters: "optional",
  }),
  "#/definitions/cloudHsmCluster": fields<CloudHsmClusterDoc>({
    ClusterId: "required",
    State: "optional",
    HsmType: "optional",
    VpcId: "optional",
    CreateTimestamp: "optional",
    BackupRetentionDays: "optional",
    Hsms: "optional",
    CustomKeyStore: "optional",
    Tags: "optional",
  }),
  "#/definitions/cloudHsmCluster/properties/Hsms/items": fields<
    NonNullable<CloudHsmClusterDoc["Hsms"]>[number]
  >({
    AvailabilityZone: "required",
    HsmId: "optional",
    State: "optional",
  }),
  "#/definitions/cloudHsmCluster/properties/CustomKeyStore": fields<
    NonNullable<CloudHsmClusterDoc["CustomKeyStore"]>
  >({
    CustomKeyStoreName: "required",
    CustomKeyStoreId: "optional",
    ConnectionState: "optional",
  }),
  "#/definitions/rdsSnapshot": fields<RdsSnapshotDoc>({
    Identifier: "required",
    SourceIdentifier: "required",
    SnapshotType: "optional",
    Engine: "optional",
    Status: "optional",
    Encrypted: "required",
    KmsKeyId: "optional",
    SnapshotCreateTime: "optional",
    SharedWith: "optional",
    Tags: "optional",
  }),
  "#/definitions/dynamodbTable": fields<DynamoTableDoc>({
    TableName: "required",
    TableId: "optional",
    TableStatus: "optional",
    CreationDateTime: "optional",
    ItemCount: "optional",
    SSE: "optional",
    Tags: "optional",
  }),
  "#/definitions/dynamodbTable/properties/SSE": fields<NonNullable<DynamoTableDoc["SSE"]>>({
    SSEType: "optional",
    KMSMasterKeyArn: "required",
    Status: "optional",
  }),
  "#/definitions/secret": fields<SecretDoc>({
    Name: "required",
    Suffix: "optional",
    Description: "optional",
    KmsKeyId: "optional",
    RotationEnabled: "optional",
    RotationLambdaARN: "optional",
    RotationRules: "optional",
    LastRotatedDate: "optional",
    LastChangedDate: "optional",
    LastAccessedDate: "optional",
    CreatedDate: "optional",
    DeletedDate: "optional",
    Tags: "optional",
  }),
  "#/definitions/secret/properties/RotationRules": fields<NonNullable<SecretDoc["RotationRules"]>>({
    AutomaticallyAfterDays: "optional",
    ScheduleExpression: "optional",
  }),
  "#/definitions/trail": fields<TrailDoc>({
    Name: "required",
    HomeRegion: "optional",
    S3BucketName: "optional",
    KmsKeyId: "optional",
    IsMultiRegionTrail: "optional",
    IsOrganizationTrail: "optional",
    LogFileValidationEnabled: "optional",
    IncludeGlobalServiceEvents: "optional",
    IsLogging: "optional",
    Tags: "optional",
  }),
  "#/definitions/loadBalancer": fields<LoadBalancerDoc>({
    LoadBalancerName: "required",
    Type: "optional",
    Scheme: "optional",
    State: "optional",
    IpAddressType: "optional",
    CreatedTime: "optional",
    SecurityGroups: "optional",
    Listeners: "optional",
    Tags: "optional",
  }),
  "#/definitions/listener": fields<ListenerDoc>({
    Port: "required",
    Protocol: "required",
    SslPolicy: "optional",
    Certificates: "optional",
    AlpnPolicy: "optional",
    DefaultActions: "optional",
    Tags: "optional",
  }),
  "#/definitions/listener/properties/Certificates/items": fields<
    NonNullable<ListenerDoc["Certificates"]>[number]
  >({
    CertificateArn: "required",
  }),
  "#/definitions/listenerAction": fields<ListenerActionDoc>({
    Type: "required",
    Order: "optional",
    TargetGroupArn: "optional",
    RedirectConfig: "optional",
    FixedResponseConfig: "optional",
  }),
  "#/definitions/listenerAction/properties/RedirectConfig": fields<
    NonNullable<ListenerActionDoc["RedirectConfig"]>
  >({
    Protocol: "optional",
    Port: "optional",
    Host: "optional",
    Path: "optional",
    Query: "optional",
    StatusCode: "required",
  }),
  "#/definitions/listenerAction/properties/FixedResponseConfig": fields<
    NonNullable<ListenerActionDoc["FixedResponseConfig"]>
  >({ StatusCode: "required", ContentType: "optional", MessageBody: "optional" }),
  "#/definitions/sslPolicy": fields<SslPolicyDoc>({
    Name: "required",
    SslProtocols: "required",
    Ciphers: "optional",
    SupportedLoadBalancerTypes: "optional",
    Listed: "optional",
  }),
  "#/definitions/global": fields<GlobalDoc>({
    buckets: "optional",
    iamPolicies: "optional",
    iamUsers: "optional",
    iamRoles: "optional",
    iamGroups: "optional",
  }),
  "#/definitions/bucket": fields<BucketDoc>({
    Name: "required",
    Region: "optional",
    CreationDate: "optional",
    Policy: "optional",
    Encryption: "optional",
    PublicAccessBlock: "optional",
    Tags: "optional",
  }),
  "#/definitions/bucket/properties/Encryption": fields<NonNullable<BucketDoc["Encryption"]>>({
    SSEAlgorithm: "required",
    KMSMasterKeyID: "optional",
    BucketKeyEnabled: "optional",
  }),
  "#/definitions/bucket/properties/PublicAccessBlock": fields<NonNullable<BucketDoc["PublicAccessBlock"]>>({
    BlockPublicAcls: "optional",
    IgnorePublicAcls: "optional",
    BlockPublicPolicy: "optional",
    RestrictPublicBuckets: "optional",
  }),
  "#/definitions/iamPolicy": fields<IamPolicyDoc>({
    PolicyName: "required",
    PolicyId: "optional",
    Path: "optional",
    Scope: "optional",
    AttachmentCount: "optional",
    CreateDate: "optional",
    UpdateDate: "optional",
    Document: "optional",
    Versions: "optional",
  }),
  "#/definitions/iamPolicy/properties/Versions/items": fields<NonNullable<IamPolicyDoc["Versions"]>[number]>({
    VersionId: "required",
    IsDefaultVersion: "optional",
    CreateDate: "optional",
    Document: "required",
  }),
  "#/definitions/inlinePolicy": fields<NonNullable<IamPrincipalDoc["InlinePolicies"]>[number]>({
    PolicyName: "required",
    Document: "required",
  }),
  "#/definitions/iamUser": fields<Omit<IamPrincipalDoc, "AssumeRolePolicyDocument">>({
    Name: "required",
    Id: "optional",
    Path: "optional",
    CreateDate: "optional",
    InlinePolicies: "optional",
    AttachedPolicyArns: "optional",
    Groups: "optional",
    Tags: "optional",
  }),
  "#/definitions/iamRole": fields<Omit<IamPrincipalDoc, "Groups">>({
    Name: "required",
    Id: "optional",
    Path: "optional",
    CreateDate: "optional",
    InlinePolicies: "optional",
    AttachedPolicyArns: "optional",
    AssumeRolePolicyDocument: "optional",
    Tags: "optional",
  }),
  "#/definitions/iamGroup": fields<Omit<IamPrincipalDoc, "Groups" | "AssumeRolePolicyDocument" | "Tags">>({
    Name: "required",
    Id: "optional",
    Path: "optional",
    CreateDate: "optional",
    InlinePolicies: "optional",
    AttachedPolicyArns: "optional",
  }),
  "#/definitions/faults": fields<FaultSpec>({
    latency: "optional",
    throttling: "optional",
    accessDenied: "optional",
    transientErrorRate: "optional",
    maxSessionDurationSeconds: "optional",
  }),
  "#/definitions/faults/properties/latency": fields<LatencySpec>({
    distribution: "required",
    value: "optional",
    min: "optional",
    max: "optional",
    mean: "optional",
    stddev: "optional",
  }),
  "#/definitions/faults/properties/throttling": fields<ThrottleSpec>({
    enabled: "required",
    overrides: "optional",
  }),
  "#/definitions/faults/properties/throttling/properties/overrides/additionalProperties": fields<
    NonNullable<ThrottleSpec["overrides"]>[string]
  >({ capacity: "required", refillPerSecond: "required" }),
  "#/definitions/faults/properties/accessDenied/items": fields<AccessDeniedRule>({
    account: "optional",
    region: "optional",
    service: "optional",
    operation: "optional",
    resourceId: "optional",
  }),
  "#/definitions/aggregator": fields<AggregatorSpec>({
    Name: "required",
    AccountId: "required",
    Region: "required",
  }),
};

/** Schema properties the builder never reads, by pointer. */
const SCHEMA_ONLY: Record<string, string[]> = { "#": ["$schema"] }; // an editor hint

/** Enums the doc types spell as unions (the others are plain strings there, checked by the schema only). */
const ENUMS: Record<string, string[]> = {
  "#/definitions/account/properties/Status": members<NonNullable<AccountDoc["Status"]>>({
    ACTIVE: true,
    SUSPENDED: true,
    PENDING_CLOSURE: true,
  }),
  "#/definitions/kmsKey/properties/KeyManager": members<NonNullable<KmsKeyDoc["KeyManager"]>>({
    CUSTOMER: true,
    AWS: true,
  }),
  "#/definitions/dynamodbTable/properties/SSE/properties/SSEType": members<
    NonNullable<NonNullable<DynamoTableDoc["SSE"]>["SSEType"]>
  >({ KMS: true }),
  "#/definitions/bucket/properties/Encryption/properties/SSEAlgorithm": members<
    NonNullable<BucketDoc["Encryption"]>["SSEAlgorithm"]
  >({ AES256: true, "aws:kms": true, "aws:kms:dsse": true }),
  "#/definitions/loadBalancer/properties/Type": members<NonNullable<LoadBalancerDoc["Type"]>>({
    application: true,
    network: true,
    gateway: true,
  }),
  "#/definitions/loadBalancer/properties/Scheme": members<NonNullable<LoadBalancerDoc["Scheme"]>>({
    "internet-facing": true,
    internal: true,
  }),
  "#/definitions/listenerAction/properties/Type": members<ListenerActionDoc["Type"]>({
    forward: true,
    redirect: true,
    "fixed-response": true,
    "authenticate-oidc": true,
    "authenticate-cognito": true,
  }),
  "#/definitions/listenerAction/properties/RedirectConfig/properties/StatusCode": members<
    NonNullable<ListenerActionDoc["RedirectConfig"]>["StatusCode"]
  >({ HTTP_301: true, HTTP_302: true }),
  "#/definitions/iamPolicy/properties/Scope": members<NonNullable<IamPolicyDoc["Scope"]>>({
    Local: true,
    AWS: true,
  }),
  "#/definitions/faults/properties/latency/properties/distribution": members<LatencySpec["distribution"]>({
    fixed: true,
    uniform: true,
    normal: true,
  }),
};

interface SchemaNode {
  properties?: Record<string, unknown>;
  required?: string[];
  enum?: unknown[];
}

const schema = JSON.parse(readFileSync("schemas/world.schema.json", "utf8")) as SchemaNode;

function at(pointer: string): SchemaNode {
  let node: unknown = schema;
  for (const part of pointer.split("/").slice(1)) node = (node as Record<string, unknown>)[part];
  return node as SchemaNode;
}

/** Pointers of every object in the schema that lists properties. */
function objectPointers(node: unknown, pointer: string, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n, i) => objectPointers(n, `${pointer}/${i}`, out));
  else if (node !== null && typeof node === "object") {
    if ("properties" in node) out.push(pointer);
    for (const [k, v] of Object.entries(node)) objectPointers(v, `${pointer}/${k}`, out);
  }
  return out;
}

describe("world schema and doc types", () => {
  it("map every schema object to a doc type", () => {
    expect(objectPointers(schema, "#").sort()).toEqual(Object.keys(SHAPES).sort());
  });

  it.each(Object.entries(SHAPES))("%s: same fields, same required ones", (pointer, shape) => {
    const node = at(pointer);
    const own = Object.keys(node.properties ?? {}).filter((p) => !(SCHEMA_ONLY[pointer] ?? []).includes(p));
    expect(own.sort()).toEqual(Object.keys(shape).sort());
    const required = Object.entries(shape)
      .filter(([, presence]) => presence === "required")
      .map(([name]) => name);
    expect([...(node.required ?? [])].sort()).toEqual(required.sort());
  });

  it.each(Object.entries(ENUMS))("%s: same values", (pointer, values) => {
    expect([...(at(pointer).enum ?? [])].sort()).toEqual([...values].sort());
  });
});
