// Defaults and AWS-shaped templates shared by world files (src/sim/world/file.ts) and generated
// worlds (src/sim/world/generate.ts), so both produce the same shapes for the same intent.
import type { SimLoadBalancer } from "./types.js";

/** Fixed timestamps: a world without dates must still be byte-for-byte reproducible. */
export const DEFAULT_CREATED = "2025-03-03T09:00:00.000Z";
/** A recent date relative to the demo's "now" (2026-11-01), for rotation that is on and working. */
export const DEFAULT_ROTATED = "2026-10-01T03:00:00.000Z";
/** Where a PendingDeletion key without a DeletionDate is headed (after the demo's "now"). */
export const DEFAULT_DELETION = "2026-11-30T00:00:00.000Z";

export const AUDIT_ROLE_NAME = "dpscan-audit";

/** The commercial partition's regions, as DescribeRegions with AllRegions returns them. */
export const AWS_REGIONS: readonly string[] = [
  "af-south-1",
  "ap-east-1",
  "ap-east-2",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-south-1",
  "ap-south-2",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-southeast-3",
  "ap-southeast-4",
  "ap-southeast-5",
  "ap-southeast-7",
  "ca-central-1",
  "ca-west-1",
  "eu-central-1",
  "eu-central-2",
  "eu-north-1",
  "eu-south-1",
  "eu-south-2",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "il-central-1",
  "me-central-1",
  "me-south-1",
  "mx-central-1",
  "sa-east-1",
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
];

export const keyArn = (region: string, account: string, keyId: string): string =>
  `arn:aws:kms:${region}:${account}:key/${keyId}`;

export const policyArn = (account: string, path: string, name: string): string =>
  `arn:aws:iam::${account}:policy${path}${name}`;

/** A current engine version per RDS engine, for instances and clusters that do not state one. */
const ENGINE_VERSIONS: Readonly<Record<string, string>> = {
  postgres: "16.4",
  mysql: "8.0.39",
  mariadb: "10.11.9",
  "aurora-postgresql": "16.4",
  "aurora-mysql": "8.0.mysql_aurora.3.07.1",
  "oracle-ee": "19.0.0.0.ru-2024-10.rur-2024-10.r1",
  "sqlserver-se": "16.00.4150.1.v1",
};

export const engineVersionFor = (engine: string): string => ENGINE_VERSIONS[engine] ?? "1.0";

/** KeyUsage follows from KeySpec unless stated (RSA can also be SIGN_VERIFY; we pick the common one). */
export function keyUsageFor(keySpec: string): string {
  if (keySpec.startsWith("HMAC_")) return "GENERATE_VERIFY_MAC";
  if (keySpec.startsWith("ECC_") || keySpec.startsWith("ML_DSA")) return "SIGN_VERIFY";
  return "ENCRYPT_DECRYPT";
}

const doc = (statements: unknown[], id?: string): string =>
  JSON.stringify(
    id
      ? { Version: "2012-10-17", Id: id, Statement: statements }
      : { Version: "2012-10-17", Statement: statements },
  );

/** AWS's default statement, kms:* for the account root: the account's IAM policies decide who uses the key. */
const rootStatement = (account: string) => ({
  Sid: "Enable IAM User Permissions",
  Effect: "Allow",
  Principal: { AWS: `arn:aws:iam::${account}:root` },
  Action: "kms:*",
  Resource: "*",
});

/** The default key policy AWS attaches to a customer key created without one: kms:* for the account root. */
export function defaultKeyPolicy(account: string): string {
  return doc([rootStatement(account)], "key-default-1");
}

/**
 * The policy of an AWS-managed key (alias/aws/<service>): Principal "*" narrowed by kms:ViaService and
 * kms:CallerAccount — the shape that naive public-key checks wrongly flag.
 */
export function awsManagedKeyPolicy(account: string, region: string, service: string): string {
  const viaService = service === "ebs" ? "ec2" : service; // EBS calls KMS as EC2
  return doc(
    [
      {
        Sid: `Allow access through ${service.toUpperCase()} for all principals in the account that are authorized to use ${service.toUpperCase()}`,
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: [
          "kms:Encrypt",
          "kms:Decrypt",
          "kms:ReEncrypt*",
          "kms:GenerateDataKey*",
          "kms:CreateGrant",
          "kms:DescribeKey",
        ],
        Resource: "*",
        Condition: {
          StringEquals: {
            "kms:ViaService": `${viaService}.${region}.amazonaws.com`,
            "kms:CallerAccount": account,
          },
        },
      },
      {
        Sid: "Allow direct access to key metadata to the account",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: ["kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant"],
        Resource: "*",
      },
    ],
    `auto-${service}-2`,
  );
}

/** The CloudTrail console's key policy: Principal {"AWS": "*"} restricted by kms:CallerAccount (not public). */
export function callerAccountKeyPolicy(account: string, region: string): string {
  // Only for log files of this account's trails.
  const trailContext = {
    "kms:EncryptionContext:aws:cloudtrail:arn": `arn:aws:cloudtrail:*:${account}:trail/*`,
  };
  return doc(
    [
      rootStatement(account),
      {
        Sid: "Allow CloudTrail to encrypt logs",
        Effect: "Allow",
        Principal: { Service: "cloudtrail.amazonaws.com" },
        Action: "kms:GenerateDataKey*",
        Resource: "*",
        Condition: { StringLike: trailContext },
      },
      {
        Sid: "Allow CloudTrail to describe key",
        Effect: "Allow",
        Principal: { Service: "cloudtrail.amazonaws.com" },
        Action: "kms:DescribeKey",
        Resource: "*",
      },
      {
        Sid: "Allow principals in the account to decrypt log files",
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: ["kms:Decrypt", "kms:ReEncryptFrom"],
        Resource: "*",
        Condition: {
          StringEquals: { "kms:CallerAccount": account },
          StringLike: trailContext,
        },
      },
      {
        Sid: "Allow alias creation during setup",
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: "kms:CreateAlias",
        Resource: "*",
        Condition: {
          StringEquals: { "kms:CallerAccount": account, "kms:ViaService": `ec2.${region}.amazonaws.com` },
        },
      },
    ],
    "Key policy created by CloudTrail",
  );
}

/** kms:* to everyone with no condition: a public key. */
export function publicKeyPolicy(account: string): string {
  return doc([
    rootStatement(account),
    { Sid: "Allow everyone", Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:*", Resource: "*" },
  ]);
}

/** kms:* to a principal in another account. */
export function crossAccountKeyPolicy(account: string, principalArn: string): string {
  return doc([
    rootStatement(account),
    {
      Sid: "Allow partner account",
      Effect: "Allow",
      Principal: { AWS: principalArn },
      Action: "kms:*",
      Resource: "*",
    },
  ]);
}

/** The trust policy of a role that `trusted` accounts may assume (optionally requiring an ExternalId). */
export function trustPolicy(trusted: readonly string[], externalId?: string): string {
  const principals = trusted.map((a) => `arn:aws:iam::${a}:root`);
  return doc([
    {
      Effect: "Allow",
      Principal: { AWS: principals.length === 1 ? principals[0] : principals },
      Action: "sts:AssumeRole",
      ...(externalId ? { Condition: { StringEquals: { "sts:ExternalId": externalId } } } : {}),
    },
  ]);
}

/** The bucket policy AWS documents for s3-bucket-ssl-requests-only. */
export function secureTransportPolicy(
  bucket: string,
  resources = [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
): string {
  return doc([
    {
      Sid: "AllowSSLRequestsOnly",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: resources.length === 1 ? resources[0] : resources,
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
  ]);
}

/** FNV-1a over a string, then a finaliser: a stable 32-bit hash for derived ids and names. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/** A 32-bit finaliser (lowbias32): a bijection on uint32 with good avalanche. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** `n` hex digits derived from `key` (stable across runs). */
export function hexFrom(key: string, n: number): string {
  let out = "";
  for (let k = 0; out.length < n; k++) out += hashString(`${k}:${key}`).toString(16).padStart(8, "0");
  return out.slice(0, n);
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/** `n` upper-case alphanumerics derived from `key` (IAM unique ids, RDS resource ids). */
export function alnumFrom(key: string, n: number): string {
  let out = "";
  for (let k = 0; out.length < n; k++) out += ALNUM[hashString(`${k}:${key}`) % ALNUM.length];
  return out;
}

/** A version-4-shaped UUID derived from `key`. */
export function uuidFrom(key: string): string {
  const h = hexFrom(key, 32);
  const variant = "89ab"[parseInt(h[16] ?? "0", 16) & 3];
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The security policy an HTTPS or TLS listener created through the API gets when it names none. */
export const DEFAULT_SSL_POLICY = "ELBSecurityPolicy-2016-08";

const LB_ARN_TYPE: Record<SimLoadBalancer["Type"], string> = {
  application: "app",
  network: "net",
  gateway: "gwy",
};

type LoadBalancerIdentity = Pick<
  SimLoadBalancer,
  "LoadBalancerArn" | "DNSName" | "CanonicalHostedZoneId" | "VpcId" | "AvailabilityZones"
>;

/**
 * What AWS derives for a new ELBv2 load balancer: its ARN (16 hex digits of id), DNS name, hosted
 * zone, VPC and two subnets in zones a and b. `id` is derived from account, region and name unless given.
 */
export function loadBalancerIdentity(
  account: string,
  region: string,
  name: string,
  type: SimLoadBalancer["Type"],
  id = hexFrom(`elb/${account}/${region}/${name}`, 16),
): LoadBalancerIdentity {
  const host =
    type === "application"
      ? `${name}-${parseInt(id.slice(0, 8), 16)}.${region}.elb.amazonaws.com`
      : `${name}-${id}.elb.${region}.amazonaws.com`;
  return {
    LoadBalancerArn: `arn:aws:elasticloadbalancing:${region}:${account}:loadbalancer/${LB_ARN_TYPE[type]}/${name}/${id}`,
    DNSName: host.toLowerCase(),
    CanonicalHostedZoneId: `Z${alnumFrom(`zone/${region}/${type}`, 13)}`,
    VpcId: `vpc-0${hexFrom(`vpc/${account}/${region}`, 16)}`,
    AvailabilityZones: ["a", "b"].map((z) => ({
      ZoneName: `${region}${z}`,
      SubnetId: `subnet-0${hexFrom(`subnet/${account}/${region}/${z}`, 16)}`,
    })),
  };
}

/** What a redirect keeps of the request when it names no new protocol, port, host, path or query. */
export const REDIRECT_KEEPS = {
  Protocol: "#{protocol}",
  Port: "#{port}",
  Host: "#{host}",
  Path: "/#{path}",
  Query: "#{query}",
};

/** A listener's ARN: the load balancer's with `listener/` for `loadbalancer/` and the listener's own id. */
export const listenerArn = (lbArn: string, id: string): string =>
  `${lbArn.replace(":loadbalancer/", ":listener/")}/${id}`;
