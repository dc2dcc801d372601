// The simulator as tests use it: a small, fully in-memory world (testWorld, makeAccount, makeRegion,
// makeGlobal) and the SDK client config that points a real AWS SDK v3 client at a running simulator.
// The world is built eagerly here, not through the world-file loader, because it holds states the
// loader refuses on purpose (e.g. a public encrypted RDS snapshot) for collectors to meet.
import { arrayCollection, emptyCollection } from "../../src/sim/world/collection.js";
import type { Simulator } from "../../src/sim/wire/server.js";
import type {
  GlobalResources,
  RegionResources,
  SimAccount,
  SimBucket,
  SimCloudHsmCluster,
  SimDynamoTable,
  SimIamManagedPolicy,
  SimIamPrincipal,
  SimKmsKey,
  SimListener,
  SimListenerAction,
  SimLoadBalancer,
  SimRdsCluster,
  SimRdsInstance,
  SimRdsSnapshot,
  SimRole,
  SimSecret,
  SimSnapshot,
  SimTrail,
  SimVolume,
  Tag,
  World,
} from "../../src/sim/world/types.js";

export const MGMT = "111111111111";
export const PROD = "222222222222";
export const DEV = "333333333333";
/** An account outside the organisation (never in the world). */
export const OUTSIDER = "999999999999";

export const AUDIT_ROLE = "dpscan-audit";
export const EXTERNAL_ID_ROLE = "dpscan-audit-ext";
export const EXTERNAL_ID = "ext-7f3a";
export const UNTRUSTED_ROLE = "vendor-only";

/** Markup, quotes, entities, control characters, CR/LF, astral and RTL unicode, U+2028. */
export const HOSTILE = `<script>alert("x&y")</script> 'q' &amp; \u0001\u0007\u001b\r\n\tüñï©ødé 🔐 \u202eevil\u2028end`;

export const REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "af-south-1", "ap-east-1"];

const T0 = Date.UTC(2024, 0, 15, 12, 0, 0);
const iso = (i: number): string => new Date(T0 + i * 3_600_000).toISOString();
const pad = (n: number, w = 8): string => n.toString(16).padStart(w, "0");

export interface RegionSizes {
  volumes?: number;
  snapshots?: number;
  kmsKeys?: number;
  rdsInstances?: number;
  rdsClusters?: number;
  rdsSnapshots?: number;
  rdsClusterSnapshots?: number;
  tables?: number;
  secrets?: number;
  trails?: number;
  loadBalancers?: number;
  cloudHsmClusters?: number;
}

export const DEFAULT_SIZES: Required<RegionSizes> = {
  volumes: 12,
  snapshots: 7,
  kmsKeys: 4,
  rdsInstances: 5,
  rdsClusters: 3,
  rdsSnapshots: 4,
  rdsClusterSnapshots: 2,
  tables: 3,
  secrets: 3,
  trails: 1,
  loadBalancers: 4,
  cloudHsmClusters: 2,
};

/** Deterministic resources for one account and region. Index 0 of each kind carries HOSTILE strings. */
export function makeRegion(accountId: string, region: string, sizes: RegionSizes = {}): RegionResources {
  const n = { ...DEFAULT_SIZES, ...sizes };
  const tag = (i: number): Tag[] =>
    i === 0 ? [{ Key: HOSTILE, Value: HOSTILE }] : [{ Key: "env", Value: i % 2 ? "prod" : "dev" }];
  const keyArn = (i: number): string =>
    `arn:aws:kms:${region}:${accountId}:key/${pad(i)}-0000-4000-8000-${accountId}`;

  const volumes: SimVolume[] = Array.from({ length: n.volumes }, (_, i) => ({
    VolumeId: `vol-${accountId.slice(0, 4)}${pad(i, 13)}`,
    Size: 8 + i,
    Encrypted: i % 3 !== 0,
    ...(i % 3 !== 0 ? { KmsKeyId: keyArn(i % Math.max(n.kmsKeys, 1)) } : {}),
    State: i % 4 === 0 ? "available" : "in-use",
    AvailabilityZone: `${region}a`,
    CreateTime: iso(i),
    VolumeType: i % 2 ? "gp3" : "gp2",
    ...(i % 5 === 1 ? { SnapshotId: `snap-${accountId.slice(0, 4)}${pad(0, 13)}` } : {}),
    Attachments:
      i % 4 === 0 ? [] : [{ InstanceId: `i-${pad(i, 17)}`, Device: "/dev/xvda", State: "attached" }],
    Tags: tag(i),
  }));

  const snapshots: SimSnapshot[] = Array.from({ length: n.snapshots }, (_, i) => ({
    SnapshotId: `snap-${accountId.slice(0, 4)}${pad(i, 13)}`,
    VolumeId: `vol-${accountId.slice(0, 4)}${pad(i, 13)}`,
    VolumeSize: 8 + i,
    Encrypted: i % 2 === 0,
    ...(i % 2 === 0 ? { KmsKeyId: keyArn(0) } : {}),
    State: "completed",
    StartTime: iso(i),
    Description: i === 0 ? HOSTILE : `backup ${i}`,
    OwnerId: accountId,
    Tags: tag(i),
    SharedWith: i === 1 ? ["all"] : i === 2 ? [PROD, OUTSIDER] : [],
  }));

  const kmsKeys: SimKmsKey[] = Array.from({ length: n.kmsKeys }, (_, i) => ({
    KeyId: `${pad(i)}-0000-4000-8000-${accountId}`,
    Description: i === 0 ? HOSTILE : `key ${i}`,
    KeyManager: i === 3 ? "AWS" : "CUSTOMER",
    KeySpec: i === 2 ? "RSA_2048" : "SYMMETRIC_DEFAULT",
    KeyUsage: i === 2 ? "SIGN_VERIFY" : "ENCRYPT_DECRYPT",
    Origin: "AWS_KMS",
    KeyState: i === 1 ? "PendingDeletion" : "Enabled",
    Enabled: i !== 1,
    CreationDate: iso(i),
    ...(i === 1 ? { DeletionDate: iso(24 * 30), PendingDeletionWindowInDays: 30 } : {}),
    RotationEnabled: i === 0,
    ...(i === 0 ? { RotationPeriodInDays: 365 } : {}),
    Policy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "root",
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${accountId}:root` },
          Action: "kms:*",
          Resource: "*",
        },
      ],
    }),
    Aliases: i === 3 ? ["alias/aws/ebs"] : [`alias/app-${i}`],
    Tags: i === 0 ? [{ TagKey: HOSTILE, TagValue: HOSTILE }] : [],
  }));

  const rdsInstances: SimRdsInstance[] = Array.from({ length: n.rdsInstances }, (_, i) => ({
    DBInstanceIdentifier: `db-${i}`,
    DbiResourceId: `db-${accountId}${pad(i, 6).toUpperCase()}`,
    // db-4 is a member of the Aurora PostgreSQL cluster-0, so it has the cluster's engine.
    Engine: i === 4 ? "aurora-postgresql" : i % 2 ? "postgres" : "mysql",
    EngineVersion: i === 4 ? "15.4" : i % 2 ? "16.3" : "8.0.36",
    DBInstanceClass: "db.t3.micro",
    DBInstanceStatus: "available",
    StorageEncrypted: i % 2 === 0,
    ...(i % 2 === 0 ? { KmsKeyId: keyArn(0) } : {}),
    AllocatedStorage: 20,
    PubliclyAccessible: i === 1,
    ...(i === 4 ? { DBClusterIdentifier: "cluster-0" } : {}),
    InstanceCreateTime: iso(i),
    DBParameterGroups: [
      {
        DBParameterGroupName:
          i === 4 ? "default.aurora-postgresql15" : i % 2 ? "default.postgres16" : "default.mysql8.0",
        ParameterApplyStatus: "in-sync",
      },
    ],
    Tags: tag(i),
  }));

  const rdsClusters: SimRdsCluster[] = Array.from({ length: n.rdsClusters }, (_, i) => ({
    DBClusterIdentifier: `cluster-${i}`,
    DbClusterResourceId: `cluster-${accountId}${pad(i, 6).toUpperCase()}`,
    Engine: "aurora-postgresql",
    EngineVersion: "15.4",
    Status: "available",
    StorageEncrypted: i !== 1,
    ...(i !== 1 ? { KmsKeyId: keyArn(0) } : {}),
    ClusterCreateTime: iso(i),
    DBClusterParameterGroup: "default.aurora-postgresql15",
    Members:
      i === 0 && n.rdsInstances > 4
        ? [{ DBInstanceIdentifier: "db-4", IsClusterWriter: true, DBClusterParameterGroupStatus: "in-sync" }]
        : [],
    Tags: tag(i),
  }));

  const rdsSnap = (prefix: string, source: string, count: number): SimRdsSnapshot[] =>
    Array.from({ length: count }, (_, i) => ({
      Identifier: `${prefix}-snap-${i}`,
      SourceIdentifier: `${source}-${i}`,
      SnapshotType: i % 2 ? "automated" : "manual",
      Engine: prefix === "cluster" ? "aurora-postgresql" : "mysql",
      Status: "available",
      Encrypted: i !== 1,
      ...(i !== 1 ? { KmsKeyId: keyArn(0) } : {}),
      SnapshotCreateTime: iso(i),
      SharedWith: i === 0 ? ["all"] : i === 2 ? [OUTSIDER] : [],
      Tags: tag(i),
    }));

  const tables: SimDynamoTable[] = Array.from({ length: n.tables }, (_, i) => ({
    TableName: `table-${i}`,
    TableId: `${pad(i)}-1111-4000-8000-${accountId}`,
    TableStatus: "ACTIVE",
    CreationDateTime: iso(i),
    ItemCount: i * 10,
    SSE: i === 0 ? null : { SSEType: "KMS", KMSMasterKeyArn: keyArn(0), Status: "ENABLED" },
    Tags: tag(i),
  }));

  const secrets: SimSecret[] = Array.from({ length: n.secrets }, (_, i) => ({
    Name: `app/secret-${i}`,
    Suffix: `Ab${pad(i, 4)}`,
    ...(i === 0 ? { Description: HOSTILE } : {}),
    ...(i === 1 ? { KmsKeyId: keyArn(0) } : {}),
    RotationEnabled: i === 1,
    ...(i === 1 ? { RotationRules: { AutomaticallyAfterDays: 30 }, LastRotatedDate: iso(2) } : {}),
    CreatedDate: iso(i),
    Tags: tag(i),
  }));

  const trails: SimTrail[] = Array.from({ length: n.trails }, (_, i) => ({
    Name: `trail-${i}`,
    HomeRegion: region,
    S3BucketName: `trail-bucket-${accountId}`,
    ...(i === 0 ? { KmsKeyId: keyArn(0) } : {}),
    IsMultiRegionTrail: true,
    IsOrganizationTrail: false,
    LogFileValidationEnabled: true,
    IncludeGlobalServiceEvents: true,
    IsLogging: true,
    Tags: [],
  }));

  // Cluster 0: two HSMs in two zones, backing a custom key store; cluster 1: one HSM. CloudHSM ids
  // are letters and 2-7 only, so the account's digits become letters.
  const letters = (x: string): string => x.replace(/[0-9]/g, (d) => "abcdefghij"[Number(d)] ?? "a");
  const cloudHsmClusters: SimCloudHsmCluster[] = Array.from({ length: n.cloudHsmClusters }, (_, i) => {
    const zones = i === 0 ? [`${region}a`, `${region}b`] : [`${region}a`];
    return {
      ClusterId: `cluster-${letters(accountId.slice(0, 4))}abcdefg${"234567"[i % 6]}`,
      State: "ACTIVE",
      HsmType: "hsm1.medium",
      VpcId: "vpc-0a1b2c3d4e5f60718",
      SecurityGroup: "sg-0a1b2c3d4e5f60718",
      SubnetMapping: Object.fromEntries(zones.map((az, j) => [az, `subnet-0a1b2c3d4e5f6071${j}`])),
      Hsms: zones.map((az, j) => ({
        HsmId: `hsm-${letters(`${accountId.slice(0, 4)}${i}${j}`)}abcdef`,
        AvailabilityZone: az,
        SubnetId: `subnet-0a1b2c3d4e5f6071${j}`,
        EniId: `eni-0a1b2c3d4e5f6071${j}`,
        EniIp: `10.0.${j}.${10 + i}`,
        State: "ACTIVE",
      })),
      CreateTimestamp: iso(i),
      BackupRetentionDays: 90,
      ...(i === 0
        ? {
            CustomKeyStore: {
              CustomKeyStoreId: `cks-0123456789abcdef${i}`,
              CustomKeyStoreName: HOSTILE,
              ConnectionState: "CONNECTED",
            },
          }
        : {}),
      Tags: tag(i),
    };
  });

  return {
    ebsEncryptionByDefault: region === "us-east-1",
    ebsDefaultKmsKeyId: region === "us-east-1" ? keyArn(0) : "alias/aws/ebs",
    volumes: arrayCollection(volumes, (v) => v.VolumeId),
    snapshots: arrayCollection(snapshots, (s) => s.SnapshotId),
    kmsKeys: arrayCollection(kmsKeys, (k) => k.KeyId),
    rdsInstances: arrayCollection(rdsInstances, (d) => d.DBInstanceIdentifier),
    rdsClusters: arrayCollection(rdsClusters, (c) => c.DBClusterIdentifier),
    rdsSnapshots: arrayCollection(rdsSnap("db", "db", n.rdsSnapshots), (s) => s.Identifier),
    rdsClusterSnapshots: arrayCollection(
      rdsSnap("cluster", "cluster", n.rdsClusterSnapshots),
      (s) => s.Identifier,
    ),
    rdsParameterGroups: emptyCollection(),
    rdsClusterParameterGroups: emptyCollection(),
    cloudHsmClusters: arrayCollection(cloudHsmClusters, (c) => c.ClusterId),
    dynamodbTables: arrayCollection(tables, (t) => t.TableName),
    secrets: arrayCollection(secrets, (s) => s.Name),
    trails: arrayCollection(trails, (t) => t.Name),
    ...makeLoadBalancers(accountId, region, n.loadBalancers),
  };
}

/** A redirect to HTTPS on 443, keeping host, path and query: as DescribeListeners shows it. */
export const HTTPS_REDIRECT: SimListenerAction = {
  Type: "redirect",
  RedirectConfig: {
    Protocol: "HTTPS",
    Port: "443",
    Host: "#{host}",
    Path: "/#{path}",
    Query: "#{query}",
    StatusCode: "HTTP_301",
  },
};

const LB_TYPES = ["app", "app", "net", "gwy"] as const;
const LB_TYPE_NAMES = { app: "application", net: "network", gwy: "gateway" } as const;

/**
 * Load balancers in fours: an ALB redirecting HTTP to HTTPS with ELBSecurityPolicy-2016-08 on 443
 * (TLS 1.0 allowed), an ALB forwarding HTTP with a TLS 1.3 policy on 443, an NLB with a TLS and a
 * TCP listener, a gateway load balancer (GENEVE). Index 0 carries HOSTILE tags.
 */
export function makeLoadBalancers(
  accountId: string,
  region: string,
  count: number,
): Pick<RegionResources, "loadBalancers" | "listeners" | "sslPolicies"> {
  const lbs = Array.from({ length: count }, (_, i): SimLoadBalancer => {
    const kind = LB_TYPES[i % 4] ?? "app";
    const name = `lb-${i}`;
    const id = pad(i, 16);
    const arn = `arn:aws:elasticloadbalancing:${region}:${accountId}:loadbalancer/${kind}/${name}/${id}`;
    const tg = `arn:aws:elasticloadbalancing:${region}:${accountId}:targetgroup/${name}/${pad(i + 1, 16)}`;
    const listener = (port: number, protocol: string, extra: Partial<SimListener> = {}): SimListener => ({
      ListenerArn: `${arn.replace(":loadbalancer/", ":listener/")}/${pad(port, 16)}`,
      LoadBalancerArn: arn,
      Port: port,
      Protocol: protocol,
      Certificates: [],
      DefaultActions: [{ Type: "forward", TargetGroupArn: tg }],
      Tags: i === 0 ? [{ Key: HOSTILE, Value: HOSTILE }] : [],
      ...extra,
    });
    const cert = [{ CertificateArn: `arn:aws:acm:${region}:${accountId}:certificate/${pad(i, 8)}-cert` }];
    const listeners =
      kind === "gwy"
        ? [listener(6081, "GENEVE")]
        : kind === "net"
          ? [
              listener(443, "TLS", {
                SslPolicy: "ELBSecurityPolicy-FS-1-2-Res-2020-10",
                Certificates: cert,
                AlpnPolicy: ["HTTP2Preferred"],
              }),
              listener(22, "TCP"),
            ]
          : i % 4 === 0
            ? [
                listener(80, "HTTP", { DefaultActions: [HTTPS_REDIRECT] }),
                listener(443, "HTTPS", { SslPolicy: "ELBSecurityPolicy-2016-08", Certificates: cert }),
              ]
            : [
                listener(80, "HTTP"),
                listener(443, "HTTPS", {
                  SslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
                  Certificates: cert,
                }),
              ];
    return {
      LoadBalancerName: name,
      LoadBalancerArn: arn,
      Type: LB_TYPE_NAMES[kind],
      Scheme: i % 2 ? "internal" : "internet-facing",
      DNSName: `${name}-${id}.${region}.elb.amazonaws.com`,
      CanonicalHostedZoneId: "Z35SXDOTRQ7X7K",
      CreatedTime: iso(i),
      VpcId: `vpc-${pad(1, 17)}`,
      State: "active",
      IpAddressType: "ipv4",
      AvailabilityZones: [
        { ZoneName: `${region}a`, SubnetId: `subnet-${pad(1, 17)}` },
        { ZoneName: `${region}b`, SubnetId: `subnet-${pad(2, 17)}` },
      ],
      SecurityGroups: kind === "app" ? [`sg-${pad(i, 17)}`] : [],
      Listeners: listeners,
      Tags: i === 0 ? [{ Key: HOSTILE, Value: HOSTILE }] : [{ Key: "env", Value: "prod" }],
    };
  });
  return {
    loadBalancers: arrayCollection(lbs, (lb) => lb.LoadBalancerName),
    listeners: arrayCollection(
      lbs.flatMap((lb) => lb.Listeners),
      (l) => l.ListenerArn,
    ),
    sslPolicies: [],
  };
}

export function emptyRegion(): RegionResources {
  return {
    ebsEncryptionByDefault: false,
    ebsDefaultKmsKeyId: "alias/aws/ebs",
    volumes: emptyCollection(),
    snapshots: emptyCollection(),
    kmsKeys: emptyCollection(),
    rdsInstances: emptyCollection(),
    rdsClusters: emptyCollection(),
    rdsSnapshots: emptyCollection(),
    rdsClusterSnapshots: emptyCollection(),
    rdsParameterGroups: emptyCollection(),
    rdsClusterParameterGroups: emptyCollection(),
    cloudHsmClusters: emptyCollection(),
    dynamodbTables: emptyCollection(),
    secrets: emptyCollection(),
    trails: emptyCollection(),
    loadBalancers: emptyCollection(),
    listeners: emptyCollection(),
    sslPolicies: [],
  };
}

const doc = (statement: object): string => JSON.stringify({ Version: "2012-10-17", Statement: [statement] });

export function makeGlobal(
  accountId: string,
  opts: { policies?: number; users?: number; roles?: number } = {},
): GlobalResources {
  const nPolicies = opts.policies ?? 4;
  const policies: SimIamManagedPolicy[] = Array.from({ length: nPolicies }, (_, i) => ({
    PolicyName: i === 3 ? "AdministratorAccess" : `policy-${i}`,
    PolicyId: `ANPA${accountId}${pad(i, 5).toUpperCase()}`,
    Path: i === 1 ? "/team/" : "/",
    Scope: i === 3 ? "AWS" : "Local",
    AttachmentCount: i === 2 ? 0 : 1,
    CreateDate: iso(i),
    UpdateDate: iso(i + 1),
    Versions: [
      {
        VersionId: "v1",
        IsDefaultVersion: i !== 0,
        CreateDate: iso(i),
        Document: doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }),
      },
      ...(i === 0
        ? [
            {
              VersionId: "v2",
              IsDefaultVersion: true,
              CreateDate: iso(i + 1),
              // Hostile and encoding-sensitive: spaces, +, %, unicode, newlines, quotes.
              Document: `{\n  "Version": "2012-10-17",\n  "Statement": [{"Sid": "a+b %20 ü 🔐", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:ReEncryptFrom"], "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalTag/x": ${JSON.stringify(HOSTILE)}}}}]\n}`,
            },
          ]
        : []),
    ],
  }));
  const policyArn = (p: SimIamManagedPolicy): string =>
    p.Scope === "AWS"
      ? `arn:aws:iam::aws:policy${p.Path}${p.PolicyName}`
      : `arn:aws:iam::${accountId}:policy${p.Path}${p.PolicyName}`;
  const users: SimIamPrincipal[] = Array.from({ length: opts.users ?? 3 }, (_, i) => ({
    Name: `user-${i}`,
    Id: `AIDA${accountId}${pad(i, 5).toUpperCase()}`,
    Path: "/",
    CreateDate: iso(i),
    InlinePolicies:
      i === 0
        ? [{ PolicyName: "inline-kms", Document: doc({ Effect: "Allow", Action: "kms:*", Resource: "*" }) }]
        : [],
    AttachedPolicyArns: i === 1 ? [policyArn(policies[0]!)] : [],
    Groups: i === 2 ? ["admins"] : [],
    Tags: i === 0 ? [{ Key: "note", Value: HOSTILE }] : [],
  }));
  const roles: SimIamPrincipal[] = Array.from({ length: opts.roles ?? 2 }, (_, i) => ({
    Name: i === 0 ? AUDIT_ROLE : `role-${i}`,
    Id: `AROA${accountId}${pad(i, 5).toUpperCase()}`,
    Path: i === 0 ? "/" : "/service-role/",
    CreateDate: iso(i),
    InlinePolicies: [],
    AttachedPolicyArns: policies.length > 3 ? [policyArn(policies[3]!)] : [],
    AssumeRolePolicyDocument: doc({
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${MGMT}:root` },
      Action: "sts:AssumeRole",
    }),
    Tags: [],
  }));
  const groups: SimIamPrincipal[] = [
    {
      Name: "admins",
      Id: `AGPA${accountId}00000`,
      Path: "/",
      CreateDate: iso(0),
      InlinePolicies: [{ PolicyName: "grp", Document: doc({ Effect: "Allow", Action: "*", Resource: "*" }) }],
      AttachedPolicyArns: policies.length > 3 ? [policyArn(policies[3]!)] : [],
      Tags: [],
    },
  ];
  const buckets: SimBucket[] = [
    {
      Name: `logs-${accountId}`,
      Region: "us-east-1",
      CreationDate: iso(0),
      Policy: null,
      Encryption: null,
      PublicAccessBlock: null,
      Tags: [],
    },
    {
      Name: `data-${accountId}`,
      Region: "eu-west-1",
      CreationDate: iso(1),
      Policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [`arn:aws:s3:::data-${accountId}`, `arn:aws:s3:::data-${accountId}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ],
      }),
      Encryption: {
        SSEAlgorithm: "aws:kms",
        KMSMasterKeyID: `arn:aws:kms:eu-west-1:${accountId}:key/abc`,
        BucketKeyEnabled: true,
      },
      PublicAccessBlock: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
      Tags: [{ Key: "x", Value: HOSTILE }],
    },
  ];
  return {
    buckets: arrayCollection(buckets, (b) => b.Name),
    // Keyed by PolicyName, as the world loader and generator key them.
    iamPolicies: arrayCollection(policies, (p) => p.PolicyName),
    iamUsers: arrayCollection(users, (u) => u.Name),
    iamRoles: arrayCollection(roles, (r) => r.Name),
    iamGroups: arrayCollection(groups, (g) => g.Name),
  };
}

export interface AccountSpec {
  id: string;
  name?: string;
  enabledRegions?: string[];
  disabledRegions?: string[];
  roles?: SimRole[];
  status?: SimAccount["Status"];
  sizes?: RegionSizes;
  /** Per-region overrides of the generated resources. */
  regions?: Record<string, Partial<RegionResources>>;
  global?: Partial<GlobalResources>;
}

export function makeAccount(spec: AccountSpec): SimAccount {
  const enabled = spec.enabledRegions ?? ["us-east-1", "us-west-2", "eu-west-1"];
  const cache = new Map<string, RegionResources>();
  return {
    Id: spec.id,
    Name: spec.name ?? `account-${spec.id}`,
    Email: `aws+${spec.id}@example.com`,
    Status: spec.status ?? "ACTIVE",
    enabledRegions: enabled,
    disabledRegions: spec.disabledRegions ?? [],
    roles: spec.roles ?? [],
    global: { ...makeGlobal(spec.id), ...spec.global },
    region(name: string): RegionResources | undefined {
      if (!enabled.includes(name)) return undefined;
      let r = cache.get(name);
      if (!r) {
        r = { ...makeRegion(spec.id, name, spec.sizes), ...spec.regions?.[name] };
        cache.set(name, r);
      }
      return r;
    },
  };
}

/** Roles every member account has: the audit role (trusts the management account), one that needs an ExternalId, one nobody in the org may assume. */
export function standardRoles(): SimRole[] {
  return [
    { Name: AUDIT_ROLE, TrustedAccounts: [MGMT] },
    { Name: EXTERNAL_ID_ROLE, TrustedAccounts: [MGMT], ExternalId: EXTERNAL_ID },
    { Name: UNTRUSTED_ROLE, TrustedAccounts: [OUTSIDER] },
  ];
}

/**
 * Three accounts: the management account and two members (PROD, DEV). DEV has the opt-in region
 * af-south-1 enabled and ap-east-1 disabled. `partial` overrides top-level fields (faults, seed, …).
 */
export function testWorld(partial: Partial<World> = {}): World {
  const accounts = [
    makeAccount({
      id: MGMT,
      name: "management",
      disabledRegions: ["af-south-1", "ap-east-1"],
      roles: standardRoles(),
    }),
    makeAccount({
      id: PROD,
      name: "prod",
      disabledRegions: ["af-south-1", "ap-east-1"],
      roles: standardRoles(),
    }),
    makeAccount({
      id: DEV,
      name: HOSTILE,
      enabledRegions: ["us-east-1", "us-west-2", "eu-west-1", "af-south-1"],
      disabledRegions: ["ap-east-1"],
      roles: standardRoles(),
    }),
  ];
  return {
    managementAccountId: MGMT,
    allRegions: REGIONS,
    accounts: arrayCollection(accounts, (a) => a.Id),
    faults: {},
    aggregators: [],
    seed: 42,
    ...partial,
  };
}

export interface SdkCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export interface SimSdkConfig {
  endpoint: string;
  region: string;
  credentials: SdkCredentials;
  forcePathStyle: true;
  maxAttempts?: number;
}

/** Client config for any AWS SDK v3 client pointed at the simulator. */
export function sdkConfig(
  sim: Pick<Simulator, "endpoint" | "credentials">,
  region = "us-east-1",
  creds: SdkCredentials = sim.credentials,
  opts: { maxAttempts?: number } = {},
): SimSdkConfig {
  return {
    endpoint: sim.endpoint,
    region,
    credentials: creds,
    forcePathStyle: true,
    ...(opts.maxAttempts !== undefined ? { maxAttempts: opts.maxAttempts } : {}),
  };
}

/** Drains an SDK paginator: what `pick` reads off each page (nothing when absent), page by page. */
export async function pagesOf<P, T>(
  paginator: AsyncIterable<P>,
  pick: (page: P) => T[] | undefined,
): Promise<T[][]> {
  const pages: T[][] = [];
  for await (const page of paginator) pages.push(pick(page) ?? []);
  return pages;
}

/** The error an SDK call rejected with, for assertions on code/status/$retryable. */
export async function sdkError(p: Promise<unknown>): Promise<{
  name: string;
  message: string;
  status: number | undefined;
  retryable: unknown;
  attempts: number | undefined;
}> {
  try {
    await p;
  } catch (e) {
    const err = e as {
      name?: string;
      message?: string;
      $retryable?: unknown;
      $metadata?: { httpStatusCode?: number; attempts?: number };
    };
    return {
      name: err.name ?? "",
      message: err.message ?? "",
      status: err.$metadata?.httpStatusCode,
      retryable: err.$retryable,
      attempts: err.$metadata?.attempts,
    };
  }
  throw new Error("expected the call to fail");
}
