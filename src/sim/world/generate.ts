// Large seeded worlds that are never held in memory. Every collection is lazy: `at(i)` derives the
// resource from (seed, account, region, type, i) with a 32-bit hash, and `get(id)` reads the index
// back out of the id (the low digits of a hex id, or the trailing number of a name), rebuilds the
// id for that index and compares — so bogus or foreign ids return undefined. Nothing is cached:
// memory stays flat however large the world is.
import { emptyCollection, lazyCollection, worldCollections } from "./collection.js";
import { rdsFamily } from "./rds-families.js";
import {
  AUDIT_ROLE_NAME,
  AWS_REGIONS,
  alnumFrom,
  awsManagedKeyPolicy,
  callerAccountKeyPolicy,
  crossAccountKeyPolicy,
  defaultKeyPolicy,
  engineVersionFor,
  hexFrom,
  keyArn,
  listenerArn,
  loadBalancerIdentity,
  REDIRECT_KEEPS,
  mix32,
  policyArn,
  publicKeyPolicy,
  secureTransportPolicy,
  trustPolicy,
} from "./defaults.js";
import type {
  Collection,
  FaultSpec,
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
  SimSecret,
  SimSnapshot,
  SimTrail,
  SimVolume,
  Tag,
  World,
} from "./types.js";

export interface GenerateOptions {
  /** Number of accounts; the first is the management account 111111111111. */
  accounts: number;
  /** How many regions every account has enabled (taken from a fixed list), or their names. */
  regions: number | readonly string[];
  /** Roughly this many resources per (account, region), global ones included. */
  scale: number;
  seed: number;
  /** Opt-in regions left disabled in every account. Default: ap-east-1. */
  disabledRegions?: readonly string[];
  faults?: FaultSpec;
  /** Exact sizes per (account, region) — per account for buckets and IAM — instead of a share of `scale`. */
  counts?: Partial<Record<keyof typeof SHARE, number>>;
}

export const MANAGEMENT_ACCOUNT_ID = "111111111111";

/** Regions handed out in order for `regions: N` — none of them opt-in. */
export const REGION_POOL: readonly string[] = [
  "us-east-1",
  "eu-west-1",
  "us-west-2",
  "eu-central-1",
  "ap-southeast-2",
  "ap-northeast-1",
  "us-east-2",
  "eu-west-2",
  "ca-central-1",
  "ap-south-1",
  "sa-east-1",
  "eu-north-1",
  "ap-southeast-1",
  "us-west-1",
  "eu-west-3",
  "ap-northeast-2",
];

/** Share of `scale` per (account, region). Regional types sum to 0.82, account-wide ones to 0.18 (listeners included). */
const SHARE = {
  volumes: 0.275,
  snapshots: 0.25,
  kmsKeys: 0.08,
  secrets: 0.06,
  dynamodbTables: 0.05,
  rdsInstances: 0.03,
  rdsClusters: 0.01,
  rdsSnapshots: 0.03,
  rdsClusterSnapshots: 0.01,
  // Their listeners add 1.6 per load balancer (LISTENER_SLOTS).
  loadBalancers: 0.01,
  buckets: 0.08,
  iamPolicies: 0.03,
  iamRoles: 0.04,
  iamUsers: 0.02,
  iamGroups: 0.01,
} as const;

/** Key slots 0..3 of every region are the AWS-managed keys, so every reference has a target. */
const AWS_MANAGED = ["ebs", "rds", "secretsmanager", "s3", "dynamodb"] as const;
type AwsService = (typeof AWS_MANAGED)[number];

const WORDS = [
  "orders",
  "payments",
  "ledger",
  "analytics",
  "billing",
  "users",
  "inventory",
  "search",
  "events",
  "reports",
  "sessions",
  "catalog",
  "claims",
  "risk",
  "ml",
  "etl",
];
const ENVS = ["prod", "staging", "dev", "sandbox", "shared"];
const HOSTILE = [
  "<script>alert(1)</script>",
  "Zürich ☃ \"q\" 'q'",
  "'; DROP TABLE findings; --",
  "${jndi:ldap://x}",
];
const DAY = 86_400_000;
const EPOCH = Date.UTC(2023, 0, 1);
const NOW = Date.UTC(2026, 10, 1); // the demo's "now": 2026-11-01
const SPAN_DAYS = Math.floor((NOW - EPOCH) / DAY);

// ---- hashing ----------------------------------------------------------------------------------

/** Combines two 32-bit values; for a fixed `a` it is a bijection in `b` (so indices never collide). */
const h = (a: number, b: number): number => mix32((a ^ mix32((b + 0x9e3779b9) >>> 0)) >>> 0);
const hex8 = (x: number): string => (x >>> 0).toString(16).padStart(8, "0");
const pick = <T>(list: readonly T[], x: number): T => list[x % list.length] as T;
const pct = (x: number): number => x % 100;
const date = (x: number, maxAgeDays = SPAN_DAYS): string =>
  new Date(NOW - DAY - (x % maxAgeDays) * DAY - (x % 86_400) * 1000).toISOString();

const TYPE = {
  account: 1,
  region: 2,
  volume: 3,
  snapshot: 4,
  kmsKey: 5,
  rdsInstance: 6,
  rdsCluster: 7,
  rdsSnapshot: 8,
  rdsClusterSnapshot: 9,
  table: 10,
  secret: 11,
  trail: 12,
  bucket: 13,
  policy: 14,
  user: 15,
  role: 16,
  group: 17,
  loadBalancer: 18,
  cloudHsm: 19,
} as const;

// ---- ids that carry their index ---------------------------------------------------------------

const IDX_HEX = 7; // up to 268M resources per collection

const IDX_MASK = 0xfffffff;

/**
 * The index in 7 hex digits, XORed with a per-collection mask so ids do not read as counters;
 * the mask is known without the index, so the index can be recovered from the id.
 */
const indexField = (i: number, mask: number): string =>
  ((i ^ mask) & IDX_MASK).toString(16).padStart(IDX_HEX, "0");
const readIndexField = (field: string, mask: number): number | undefined =>
  /^[0-9a-f]{7}$/.test(field) ? (parseInt(field, 16) ^ mask) & IDX_MASK : undefined;

/** `prefix` + "0" + 9 keyed hex digits + the masked index: 17 hex digits, like EC2 ids. */
function ec2Id(prefix: string, x: number, i: number, mask: number): string {
  return `${prefix}0${hex8(x)}${(h(x, 99) & 15).toString(16)}${indexField(i, mask)}`;
}
function ec2Index(prefix: string, id: string, mask: number): number | undefined {
  if (!id.startsWith(prefix) || id.length !== prefix.length + 17) return undefined;
  return readIndexField(id.slice(-IDX_HEX), mask);
}
/** A v4-shaped UUID whose last 7 hex digits are the masked index. */
function uuidId(x: number, i: number, mask: number): string {
  const a = h(x, 1);
  const b = h(x, 2);
  const c = h(x, 3);
  return `${hex8(x)}-${hex8(a).slice(0, 4)}-4${hex8(a).slice(4, 7)}-${"89ab"[b & 3]}${hex8(b).slice(1, 4)}-${hex8(c).slice(0, 5)}${indexField(i, mask)}`;
}
function uuidIndex(id: string, mask: number): number | undefined {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id)) return undefined;
  return readIndexField(id.slice(-IDX_HEX), mask);
}
/** Names end in "-<index>". */
function nameIndex(id: string): number | undefined {
  const m = /-(\d{1,9})$/.exec(id);
  return m ? Number(m[1]) : undefined;
}
/** Inverts `make` by parsing the index out of an id and checking the id it rebuilds. */
function lazy<T>(
  size: number,
  make: (i: number) => T,
  idOf: (i: number) => string,
  parse: (id: string) => number | undefined,
): Collection<T> {
  return lazyCollection(size, make, (id) => {
    const i = parse(id);
    return i !== undefined && i < size && idOf(i) === id ? i : undefined;
  });
}

// ---- the world --------------------------------------------------------------------------------

interface Plan {
  seed: number;
  accounts: number;
  regions: readonly string[];
  disabled: readonly string[];
  scale: number;
  counts: Partial<Record<keyof typeof SHARE, number>>;
}

export function generateWorld(options: GenerateOptions): World {
  const { accounts, scale, seed } = options;
  if (!Number.isInteger(accounts) || accounts < 1 || accounts > 999_999)
    throw new RangeError("accounts must be an integer in 1..999999");
  if (!Number.isFinite(scale) || scale < 0) throw new RangeError("scale must be a number >= 0");
  const regions =
    typeof options.regions === "number" ? REGION_POOL.slice(0, options.regions) : [...options.regions];
  if (
    typeof options.regions === "number" &&
    (!Number.isInteger(options.regions) || options.regions < 1 || options.regions > REGION_POOL.length)
  )
    throw new RangeError(`regions must be an integer in 1..${REGION_POOL.length}`);
  if (regions.length === 0) throw new RangeError("at least one region is needed");
  const disabled = (options.disabledRegions ?? ["ap-east-1"]).filter((r) => !regions.includes(r));
  const plan: Plan = {
    seed: mix32((seed >>> 0) ^ 0x5eed),
    accounts,
    regions,
    disabled,
    scale,
    counts: options.counts ?? {},
  };
  return {
    managementAccountId: MANAGEMENT_ACCOUNT_ID,
    allRegions: [...new Set([...AWS_REGIONS, ...regions, ...disabled])].sort(),
    accounts: lazy(
      accounts,
      (i) => account(plan, i),
      (i) => accountId(plan, i),
      (id) => accountIndex(plan, id),
    ),
    faults: options.faults ?? {},
    aggregators: [
      { Name: "org-aggregator", AccountId: MANAGEMENT_ACCOUNT_ID, Region: regions[0] ?? "us-east-1" },
    ],
    seed,
  };
}

/** Total resources in a world: a sum of collection sizes, O(accounts × regions). */
export function countResources(world: World): number {
  let total = 0;
  for (const { collection } of worldCollections(world)) total += collection.size;
  return total;
}

function accountId(plan: Plan, i: number): string {
  if (i === 0) return MANAGEMENT_ACCOUNT_ID;
  // Six keyed digits, then the index offset by a seeded amount (so ids do not count up visibly).
  let head = 100_000 + (h(plan.seed, i) % 900_000);
  if (head === 111_111) head = 222_222; // never collide with the management account
  return `${head}${String((i + accountOffset(plan)) % 1_000_000).padStart(6, "0")}`;
}
function accountIndex(plan: Plan, id: string): number | undefined {
  if (id === MANAGEMENT_ACCOUNT_ID) return 0;
  return /^\d{12}$/.test(id)
    ? (Number(id.slice(6)) - accountOffset(plan) + 1_000_000) % 1_000_000
    : undefined;
}
const accountOffset = (plan: Plan): number => h(plan.seed, 0xacc) % 1_000_000;

function account(plan: Plan, ai: number): SimAccount {
  const id = accountId(plan, ai);
  const x = h(h(plan.seed, TYPE.account), ai);
  const name = ai === 0 ? "management" : `${pick(WORDS, x)}-${pick(ENVS, x >>> 8)}-${ai}`;
  return {
    Id: id,
    Name: name,
    Email: `aws+${id}@example.com`,
    Status: "ACTIVE",
    enabledRegions: [...plan.regions],
    disabledRegions: [...plan.disabled],
    roles: [{ Name: AUDIT_ROLE_NAME, TrustedAccounts: [MANAGEMENT_ACCOUNT_ID] }],
    global: globalResources(plan, ai, id),
    region: (regionName: string) => {
      const ri = plan.regions.indexOf(regionName);
      return ri < 0 ? undefined : regionResources(regionCtx(plan, ai, id, ri));
    },
  };
}

/** Collection size: the share of `scale`, jittered ±20% per (account, region, type) so worlds look uneven. */
function size(plan: Plan, type: keyof typeof SHARE, x: number, regionsFactor = 1): number {
  const exact = plan.counts[type];
  if (exact !== undefined) return exact;
  const jitter = 0.8 + (x % 401) / 1000;
  return Math.round(plan.scale * SHARE[type] * regionsFactor * jitter);
}

interface RegionCtx {
  plan: Plan;
  ai: number;
  account: string;
  ri: number;
  region: string;
  base: number; // hash of (seed, account, region)
  keys: number;
  volumes: number;
  rdsInstances: number;
  rdsClusters: number;
}

function regionCtx(plan: Plan, ai: number, account: string, ri: number): RegionCtx {
  const base = h(h(h(plan.seed, TYPE.region), ai), ri);
  const keys = plan.scale > 0 ? Math.max(AWS_MANAGED.length, size(plan, "kmsKeys", h(base, TYPE.kmsKey))) : 0;
  return {
    plan,
    ai,
    account,
    ri,
    region: plan.regions[ri] ?? "us-east-1",
    base,
    keys,
    volumes: size(plan, "volumes", h(base, TYPE.volume)),
    rdsInstances: size(plan, "rdsInstances", h(base, TYPE.rdsInstance)),
    rdsClusters: size(plan, "rdsClusters", h(base, TYPE.rdsCluster)),
  };
}

function regionResources(c: RegionCtx): RegionResources {
  const n = (type: number, share: keyof typeof SHARE): number => size(c.plan, share, h(c.base, type));
  const seeded = (type: number) => (i: number) => h(h(c.base, type + 100), i);
  const vx = seeded(TYPE.volume);
  const sx = seeded(TYPE.snapshot);
  const kx = seeded(TYPE.kmsKey);
  const [vm, sm, km] = [mask(c, TYPE.volume), mask(c, TYPE.snapshot), mask(c, TYPE.kmsKey)];
  const name = (type: number, i: number): string => rdsName(c, type, i);
  const trails = c.plan.scale > 0 ? (c.ri === 0 ? 1 : 0) + (h(c.base, TYPE.trail) % 4 === 0 ? 1 : 0) : 0;
  return {
    // About one region in five has encryption by default off, as in estates that missed one.
    ebsEncryptionByDefault: h(c.base, 7) % 5 !== 0,
    ebsDefaultKmsKeyId: "alias/aws/ebs",
    volumes: lazy(
      c.volumes,
      (i) => volume(c, i),
      (i) => ec2Id("vol-", vx(i), i, vm),
      (id) => ec2Index("vol-", id, vm),
    ),
    snapshots: lazy(
      n(TYPE.snapshot, "snapshots"),
      (i) => snapshot(c, i),
      (i) => ec2Id("snap-", sx(i), i, sm),
      (id) => ec2Index("snap-", id, sm),
    ),
    kmsKeys: lazy(
      c.keys,
      (i) => kmsKey(c, i),
      (i) => uuidId(kx(i), i, km),
      (id) => uuidIndex(id, km),
    ),
    rdsInstances: lazy(
      c.rdsInstances,
      (i) => rdsInstance(c, i),
      (i) => name(TYPE.rdsInstance, i),
      nameIndex,
    ),
    rdsClusters: lazy(
      c.rdsClusters,
      (i) => rdsCluster(c, i),
      (i) => name(TYPE.rdsCluster, i),
      nameIndex,
    ),
    rdsSnapshots: lazy(
      n(TYPE.rdsSnapshot, "rdsSnapshots"),
      (i) => rdsSnapshot(c, i, false),
      (i) => rdsSnapshotId(c, i, false),
      nameIndex,
    ),
    rdsClusterSnapshots: lazy(
      n(TYPE.rdsClusterSnapshot, "rdsClusterSnapshots"),
      (i) => rdsSnapshot(c, i, true),
      (i) => rdsSnapshotId(c, i, true),
      nameIndex,
    ),
    // Only the implicit default.<family> groups: every instance and cluster uses its family's.
    rdsParameterGroups: emptyCollection(),
    rdsClusterParameterGroups: emptyCollection(),
    // About one region in eight runs a CloudHSM cluster (they are expensive and rare).
    cloudHsmClusters: lazy(
      c.plan.scale > 0 && h(c.base, TYPE.cloudHsm) % 8 === 0 ? 1 : 0,
      () => cloudHsmCluster(c),
      () => cloudHsmId(c),
      (id) => (id === cloudHsmId(c) ? 0 : undefined),
    ),
    dynamodbTables: lazy(
      n(TYPE.table, "dynamodbTables"),
      (i) => table(c, i),
      (i) => tableName(c, i),
      nameIndex,
    ),
    secrets: lazy(
      n(TYPE.secret, "secrets"),
      (i) => secret(c, i),
      (i) => secretName(c, i),
      nameIndex,
    ),
    trails: lazy(
      trails,
      (i) => trail(c, i),
      (i) => trailName(c, i),
      nameIndex,
    ),
    ...elbResources(c, n(TYPE.loadBalancer, "loadBalancers")),
  };
}

// ---- regional resources -----------------------------------------------------------------------

const itemHash = (c: RegionCtx, type: number, i: number): number => h(h(c.base, type + 100), i);
const mask = (c: RegionCtx, type: number): number => h(c.base, type + 200) & IDX_MASK;

type KeyKind =
  | "aws"
  | "rotating"
  | "notRotating"
  | "pendingDeletion"
  | "rsa"
  | "hmac"
  | "external"
  | "public"
  | "callerAccount"
  | "crossAccount"
  | "malformed"
  | "disabled";

/** Roughly 25% of customer keys are non-compliant in some way; the kind alone decides usability. */
function keyKind(c: RegionCtx, j: number): KeyKind {
  if (j < AWS_MANAGED.length) return "aws";
  const p = pct(h(itemHash(c, TYPE.kmsKey, j), 1));
  if (p < 58) return "rotating";
  if (p < 70) return "notRotating";
  if (p < 75) return "pendingDeletion";
  if (p < 78) return "rsa";
  if (p < 80) return "hmac";
  if (p < 82) return "external";
  if (p < 85) return "public";
  if (p < 89) return "callerAccount";
  if (p < 93) return "crossAccount";
  if (p < 95) return "malformed";
  return "disabled";
}

const keyId = (c: RegionCtx, j: number): string =>
  uuidId(itemHash(c, TYPE.kmsKey, j), j, mask(c, TYPE.kmsKey));

/** A symmetric key in this region for a resource to use — sometimes one PendingDeletion or disabled. */
function pickKey(c: RegionCtx, x: number, service: AwsService): string {
  const managed = AWS_MANAGED.indexOf(service);
  let j = x % Math.max(1, c.keys);
  const kind = keyKind(c, j);
  if (kind === "rsa" || kind === "hmac" || (kind === "aws" && j !== managed)) j = managed;
  return keyArn(c.region, c.account, keyId(c, j));
}

function kmsKey(c: RegionCtx, j: number): SimKmsKey {
  const x = itemHash(c, TYPE.kmsKey, j);
  const kind = keyKind(c, j);
  const id = keyId(c, j);
  const service = AWS_MANAGED[j];
  const word = pick(WORDS, h(x, 4));
  const customer = kind !== "aws";
  const other = accountId(c.plan, (c.ai + 1) % c.plan.accounts);
  let policy = service ? awsManagedKeyPolicy(c.account, c.region, service) : defaultKeyPolicy(c.account);
  if (kind === "public") policy = publicKeyPolicy(c.account);
  if (kind === "callerAccount") policy = callerAccountKeyPolicy(c.account, c.region);
  if (kind === "crossAccount")
    policy = crossAccountKeyPolicy(c.account, `arn:aws:iam::${other}:role/${word}-reader`);
  if (kind === "malformed") policy = defaultKeyPolicy(c.account).slice(0, -3); // truncated JSON
  const spec = kind === "rsa" ? "RSA_2048" : kind === "hmac" ? "HMAC_256" : "SYMMETRIC_DEFAULT";
  const state = kind === "pendingDeletion" ? "PendingDeletion" : kind === "disabled" ? "Disabled" : "Enabled";
  const rotating =
    kind === "aws" ||
    kind === "rotating" ||
    kind === "public" ||
    kind === "callerAccount" ||
    kind === "crossAccount" ||
    kind === "malformed";
  return {
    KeyId: id,
    Description: service
      ? `Default key that protects my ${service.toUpperCase()} resources when no other key is defined`
      : `${word} data key ${j}`,
    KeyManager: customer ? "CUSTOMER" : "AWS",
    KeySpec: spec,
    KeyUsage: kind === "rsa" ? "SIGN_VERIFY" : kind === "hmac" ? "GENERATE_VERIFY_MAC" : "ENCRYPT_DECRYPT",
    Origin: kind === "external" ? "EXTERNAL" : "AWS_KMS",
    KeyState: state,
    Enabled: state === "Enabled",
    CreationDate: date(h(x, 5)),
    ...(kind === "pendingDeletion"
      ? {
          DeletionDate: new Date(NOW + (1 + (h(x, 6) % 29)) * DAY).toISOString(),
          PendingDeletionWindowInDays: 30,
        }
      : {}),
    MultiRegion: false,
    RotationEnabled: rotating,
    ...(rotating ? { RotationPeriodInDays: 365 } : {}),
    Policy: policy,
    Aliases: service ? [`alias/aws/${service}`] : h(x, 7) % 4 === 0 ? [] : [`alias/${word}-${j}`],
    Tags: customer ? [{ TagKey: "team", TagValue: word }] : [],
  };
}

function nameTag(x: number, fallback: string): Tag[] {
  // About one resource in a thousand carries a hostile string, so reports are tested for escaping at scale.
  return [{ Key: "Name", Value: x % 1000 === 7 ? pick(HOSTILE, x >>> 10) : fallback }];
}

function volume(c: RegionCtx, i: number): SimVolume {
  const x = itemHash(c, TYPE.volume, i);
  const encrypted = pct(h(x, 1)) >= 15;
  const inUse = pct(h(x, 2)) < 70;
  const word = pick(WORDS, h(x, 3));
  return {
    VolumeId: ec2Id("vol-", x, i, mask(c, TYPE.volume)),
    Size: pick([8, 8, 20, 30, 50, 100, 200, 500, 1000], h(x, 4)),
    Encrypted: encrypted,
    ...(encrypted ? { KmsKeyId: pickKey(c, h(x, 5), "ebs") } : {}),
    State: inUse ? "in-use" : "available",
    AvailabilityZone: `${c.region}${pick(["a", "b", "c"], h(x, 6))}`,
    CreateTime: date(h(x, 7)),
    VolumeType: pick(["gp3", "gp3", "gp3", "gp2", "gp2", "io2", "st1"], h(x, 8)),
    Attachments: inUse
      ? [{ InstanceId: ec2Id("i-", h(x, 9), h(x, 10), 0), Device: "/dev/xvda", State: "attached" }]
      : [],
    Tags: nameTag(h(x, 11), `${word}-${i}`),
  };
}

function snapshot(c: RegionCtx, i: number): SimSnapshot {
  const x = itemHash(c, TYPE.snapshot, i);
  const source = c.volumes > 0 ? volume(c, h(x, 1) % c.volumes) : undefined;
  const encrypted = source?.Encrypted ?? false;
  const share = pct(h(x, 2));
  // AWS cannot share an encrypted snapshot publicly: only unencrypted ones become public (~1.5%).
  const sharedWith =
    !encrypted && share < 10
      ? ["all"]
      : share >= 95 && c.plan.accounts > 1
        ? [accountId(c.plan, (c.ai + 1) % c.plan.accounts)]
        : [];
  return {
    SnapshotId: ec2Id("snap-", x, i, mask(c, TYPE.snapshot)),
    VolumeId: source?.VolumeId ?? "vol-ffffffff",
    VolumeSize: source?.Size ?? 8,
    Encrypted: encrypted,
    ...(source?.KmsKeyId ? { KmsKeyId: source.KmsKeyId } : {}),
    State: "completed",
    StartTime: date(h(x, 3)),
    Description: `backup of ${source?.VolumeId ?? "unknown"}`,
    OwnerId: c.account,
    Tags: nameTag(h(x, 4), `snapshot-${i}`),
    SharedWith: sharedWith,
  };
}

function rdsName(c: RegionCtx, type: number, i: number): string {
  const x = itemHash(c, type, i);
  return `${pick(WORDS, x)}-${type === TYPE.rdsCluster ? "aurora" : "db"}-${hex8(h(x, 1)).slice(0, 4)}-${i}`;
}

const ENGINES = ["postgres", "postgres", "mysql", "mysql", "mariadb", "oracle-ee", "sqlserver-se"];
/** The key of an encrypted instance or cluster: half pick a key of the region, half aws/rds (slot 1). */
const rdsKey = (c: RegionCtx, x: number): string =>
  h(x, 5) % 2 ? pickKey(c, h(x, 6), "rds") : keyArn(c.region, c.account, keyId(c, 1));

function rdsInstance(c: RegionCtx, i: number): SimRdsInstance {
  const x = itemHash(c, TYPE.rdsInstance, i);
  const id = rdsName(c, TYPE.rdsInstance, i);
  const engine = pick(ENGINES, h(x, 2));
  const encrypted = pct(h(x, 3)) >= 12;
  return {
    DBInstanceIdentifier: id,
    DbiResourceId: `db-${alnumFrom(`${c.account}/${c.region}/${id}`, 26)}`,
    Engine: engine,
    EngineVersion: engineVersionFor(engine),
    DBInstanceClass: pick(["db.t3.medium", "db.m6g.large", "db.r6g.xlarge", "db.t4g.micro"], h(x, 4)),
    DBInstanceStatus: "available",
    StorageEncrypted: encrypted,
    ...(encrypted ? { KmsKeyId: rdsKey(c, x) } : {}),
    AllocatedStorage: pick([20, 50, 100, 500, 1000], h(x, 7)),
    PubliclyAccessible: pct(h(x, 8)) < 5,
    InstanceCreateTime: date(h(x, 9)),
    DBParameterGroups: [
      {
        DBParameterGroupName: `default.${rdsFamily(engine, engineVersionFor(engine))}`,
        ParameterApplyStatus: pct(h(x, 11)) < 5 ? "pending-reboot" : "in-sync",
      },
    ],
    Tags: nameTag(h(x, 10), id),
  };
}

function rdsCluster(c: RegionCtx, i: number): SimRdsCluster {
  const x = itemHash(c, TYPE.rdsCluster, i);
  const id = rdsName(c, TYPE.rdsCluster, i);
  const engine = h(x, 2) % 2 ? "aurora-postgresql" : "aurora-mysql";
  const encrypted = pct(h(x, 3)) >= 10;
  return {
    DBClusterIdentifier: id,
    DbClusterResourceId: `cluster-${alnumFrom(`${c.account}/${c.region}/${id}`, 26)}`,
    Engine: engine,
    EngineVersion: engineVersionFor(engine),
    Status: "available",
    StorageEncrypted: encrypted,
    ...(encrypted ? { KmsKeyId: rdsKey(c, x) } : {}),
    ClusterCreateTime: date(h(x, 9)),
    DBClusterParameterGroup: `default.${rdsFamily(engine, engineVersionFor(engine))}`,
    Members: [],
    Tags: nameTag(h(x, 10), id),
  };
}

function rdsSnapshotId(c: RegionCtx, i: number, cluster: boolean): string {
  const x = itemHash(c, cluster ? TYPE.rdsClusterSnapshot : TYPE.rdsSnapshot, i);
  const automated = pct(h(x, 1)) < 70;
  return `${automated ? "rds:" : ""}${pick(WORDS, h(x, 2))}-${automated ? "auto" : "manual"}-${hex8(h(x, 3)).slice(0, 4)}-${i}`;
}

function rdsSnapshot(c: RegionCtx, i: number, cluster: boolean): SimRdsSnapshot {
  const x = itemHash(c, cluster ? TYPE.rdsClusterSnapshot : TYPE.rdsSnapshot, i);
  const sources = cluster ? c.rdsClusters : c.rdsInstances;
  const si = sources > 0 ? h(x, 4) % sources : -1;
  const source = si < 0 ? undefined : cluster ? rdsCluster(c, si) : rdsInstance(c, si);
  const sourceId = si < 0 ? "deleted-db" : rdsName(c, cluster ? TYPE.rdsCluster : TYPE.rdsInstance, si);
  const encrypted = source?.StorageEncrypted ?? false;
  const id = rdsSnapshotId(c, i, cluster);
  const manual = !id.startsWith("rds:");
  // Only unencrypted manual snapshots can be public (AWS refuses encrypted ones).
  const share = pct(h(x, 5));
  const sharedWith =
    manual && !encrypted && share < 20
      ? ["all"]
      : manual && share >= 90 && c.plan.accounts > 1
        ? [accountId(c.plan, (c.ai + 1) % c.plan.accounts)]
        : [];
  return {
    Identifier: id,
    SourceIdentifier: sourceId,
    SnapshotType: manual ? "manual" : "automated",
    Engine: source?.Engine ?? (cluster ? "aurora-postgresql" : "postgres"),
    Status: "available",
    Encrypted: encrypted,
    ...(source?.KmsKeyId ? { KmsKeyId: source.KmsKeyId } : {}),
    SnapshotCreateTime: date(h(x, 6), 60),
    SharedWith: sharedWith,
    Tags: [],
  };
}

/** CloudHSM's id alphabet is [2-7a-z]: 11 keyed characters. */
function cloudHsmId(c: RegionCtx, prefix = "cluster", salt = 0): string {
  let x = h(itemHash(c, TYPE.cloudHsm, 0), salt);
  let out = "";
  for (let k = 0; k < 11; k++, x = h(x, k)) out += "234567abcdefghijklmnopqrstuvwxyz"[x % 32];
  return `${prefix}-${out}`;
}

/** One to three HSMs: a third of clusters keep a single HSM, some put two in one zone. */
function cloudHsmCluster(c: RegionCtx): SimCloudHsmCluster {
  const x = itemHash(c, TYPE.cloudHsm, 0);
  const count = 1 + (h(x, 1) % 3);
  const zones = Array.from({ length: count }, (_, i) => `${c.region}${pick(["a", "b", "c"], h(x, 2 + i))}`);
  const subnet = (az: string): string => `subnet-0${hex8(h(x, az.charCodeAt(az.length - 1)))}${hex8(x)}`;
  return {
    ClusterId: cloudHsmId(c),
    State: "ACTIVE",
    HsmType: "hsm1.medium",
    VpcId: `vpc-0${hex8(h(x, 9))}${hex8(x)}`,
    SecurityGroup: `sg-0${hex8(h(x, 10))}${hex8(x)}`,
    SubnetMapping: Object.fromEntries(zones.map((az) => [az, subnet(az)])),
    Hsms: zones.map((az, i) => ({
      HsmId: cloudHsmId(c, "hsm", i + 1),
      AvailabilityZone: az,
      SubnetId: subnet(az),
      EniId: `eni-0${hex8(h(x, 20 + i))}${hex8(x)}`,
      EniIp: `10.0.${i}.${10 + (h(x, 30 + i) % 200)}`,
      State: "ACTIVE",
    })),
    CreateTimestamp: date(h(x, 11)),
    BackupRetentionDays: 90,
    ...(h(x, 12) % 2
      ? {
          CustomKeyStore: {
            CustomKeyStoreId: `cks-0${hex8(h(x, 13))}${hex8(x)}`,
            CustomKeyStoreName: `${pick(WORDS, h(x, 14))}-hsm-store`,
            ConnectionState: "CONNECTED",
          },
        }
      : {}),
    Tags: nameTag(h(x, 15), `${pick(WORDS, h(x, 16))}-hsm`),
  };
}

function tableName(c: RegionCtx, i: number): string {
  const x = itemHash(c, TYPE.table, i);
  return `${pick(WORDS, x)}-${pick(["items", "events", "state", "locks", "profiles"], h(x, 1))}-${i}`;
}

function table(c: RegionCtx, i: number): SimDynamoTable {
  const x = itemHash(c, TYPE.table, i);
  const name = tableName(c, i);
  const cmk = pct(h(x, 2)) < 45;
  return {
    TableName: name,
    TableId: uuidId(h(x, 3), i, mask(c, TYPE.table)),
    TableStatus: "ACTIVE",
    CreationDateTime: date(h(x, 4)),
    ItemCount: h(x, 5) % 10_000_000,
    SSE: cmk ? { SSEType: "KMS", KMSMasterKeyArn: pickKey(c, h(x, 6), "dynamodb"), Status: "ENABLED" } : null,
    Tags: nameTag(h(x, 7), name),
  };
}

function secretName(c: RegionCtx, i: number): string {
  const x = itemHash(c, TYPE.secret, i);
  return `${pick(ENVS, x)}/${pick(WORDS, h(x, 1))}/${pick(["db-credentials", "api-key", "oauth-client", "signing-secret"], h(x, 2))}-${i}`;
}

function secret(c: RegionCtx, i: number): SimSecret {
  const x = itemHash(c, TYPE.secret, i);
  const rotation = pct(h(x, 3)) < 65;
  // Of the rotating ones, 15% have not rotated for more than 90 days (failing rotation).
  const stale = pct(h(x, 4)) < 15;
  const rotated = rotation
    ? new Date(NOW - (stale ? 91 + (h(x, 5) % 400) : 1 + (h(x, 5) % 60)) * DAY).toISOString()
    : undefined;
  const created = date(h(x, 6));
  return {
    Name: secretName(c, i),
    Suffix: alnumFrom(`${c.account}/${c.region}/${i}`, 6),
    Description: h(x, 7) % 1000 === 7 ? pick(HOSTILE, x) : "application secret",
    ...(pct(h(x, 8)) < 50 ? { KmsKeyId: pickKey(c, h(x, 9), "secretsmanager") } : {}),
    RotationEnabled: rotation,
    ...(rotation
      ? {
          RotationLambdaARN: `arn:aws:lambda:${c.region}:${c.account}:function:SecretsManagerRotation`,
          RotationRules: { AutomaticallyAfterDays: 30 },
          LastRotatedDate: rotated,
        }
      : {}),
    LastChangedDate: rotated ?? created,
    CreatedDate: created,
    Tags: [],
  };
}

function trailName(c: RegionCtx, i: number): string {
  return c.ri === 0 && i === 0 ? "management-events-0" : `local-trail-${c.region}-${i}`;
}

function trail(c: RegionCtx, i: number): SimTrail {
  const x = itemHash(c, TYPE.trail, i);
  const main = c.ri === 0 && i === 0;
  const kms = main && pct(h(x, 1)) < 70;
  return {
    Name: trailName(c, i),
    HomeRegion: c.region,
    S3BucketName: bucketName(c.plan, c.ai, c.account, 0),
    ...(kms ? { KmsKeyId: pickKey(c, h(x, 2), "s3") } : {}),
    IsMultiRegionTrail: main,
    IsOrganizationTrail: main && c.ai === 0,
    LogFileValidationEnabled: main,
    IncludeGlobalServiceEvents: main,
    IsLogging: true,
    Tags: [],
  };
}

// ---- load balancers ---------------------------------------------------------------------------

/**
 * Load balancers come in rows of ten: six application (an HTTP and an HTTPS listener), three
 * network (one TLS or TCP listener), one gateway (GENEVE). The listener count of a row is fixed, so
 * the flat listener collection maps to (load balancer, listener) by arithmetic.
 */
const LB_ROW: readonly SimLoadBalancer["Type"][] = [
  ...Array<"application">(6).fill("application"),
  ...Array<"network">(3).fill("network"),
  "gateway",
];
const LISTENER_SLOTS = LB_ROW.map((t) => (t === "application" ? 2 : 1));
/** LISTENER_START[s]: listeners before slot s in a row; the last entry is the row's total. */
const LISTENER_START = LISTENER_SLOTS.reduce<number[]>((acc, n) => [...acc, (acc.at(-1) ?? 0) + n], [0]);
const ROW_LISTENERS = LISTENER_START.at(-1) ?? 0;

const listenersBefore = (lbs: number): number =>
  Math.floor(lbs / LB_ROW.length) * ROW_LISTENERS + (LISTENER_START[lbs % LB_ROW.length] ?? 0);

/** Listener r of a row -> [slot, listener index within the slot's load balancer]. */
const SLOT_OF = LISTENER_SLOTS.flatMap((n, s) =>
  Array.from({ length: n }, (_, k): [number, number] => [s, k]),
);

/** Flat listener index j -> [load balancer index, listener index within it]. */
function listenerSlot(j: number): [number, number] {
  const [s, k] = SLOT_OF[j % ROW_LISTENERS] ?? [0, 0];
  return [Math.floor(j / ROW_LISTENERS) * LB_ROW.length + s, k];
}

type ElbResources = Pick<RegionResources, "loadBalancers" | "listeners" | "sslPolicies">;

function elbResources(c: RegionCtx, lbs: number): ElbResources {
  const listenerAt = (j: number): SimListener => {
    const [i, k] = listenerSlot(j);
    return loadBalancer(c, i).Listeners[k] as SimListener;
  };
  return {
    loadBalancers: lazy(
      lbs,
      (i) => loadBalancer(c, i),
      (i) => lbName(c, i),
      nameIndex,
    ),
    listeners: lazy(
      listenersBefore(lbs),
      listenerAt,
      (j) => listenerAt(j).ListenerArn,
      (arn) => {
        // listener/<type>/<lb name>/<lb id>/<listener id>
        const i = nameIndex(arn.split("/")[2] ?? "");
        if (i === undefined || i >= lbs) return undefined;
        const k = loadBalancer(c, i).Listeners.findIndex((l) => l.ListenerArn === arn);
        return k < 0 ? undefined : listenersBefore(i) + k;
      },
    ),
    sslPolicies: [],
  };
}

function lbName(c: RegionCtx, i: number): string {
  const x = itemHash(c, TYPE.loadBalancer, i);
  return `${pick(WORDS, x)}-${pick(ENVS, x >>> 8)}-${i}`;
}

/** Policies of generated listeners, drawn evenly: half still allow TLS 1.0 or 1.1. */
const GENERATED_POLICIES = [
  ...["2016-08", "2016-08", "2016-08", "FS-1-1-2019-08", "TLS13-1-0-2021-06", "TLS13-1-2-2021-06"],
  ...["TLS13-1-2-2021-06", "TLS13-1-2-Res-2021-06", "TLS-1-2-Ext-2018-06", "FS-1-2-Res-2020-10"],
].map((p) => `ELBSecurityPolicy-${p}`);
/** Port and protocol of a generated listener, per load balancer type: plain, or terminating TLS. */
type PortProtocol = [number, string];
const GENERATED_LISTENERS: Record<SimLoadBalancer["Type"], { plain: PortProtocol; tls: PortProtocol }> = {
  application: { plain: [80, "HTTP"], tls: [443, "HTTPS"] },
  network: { plain: [5432, "TCP"], tls: [443, "TLS"] },
  gateway: { plain: [6081, "GENEVE"], tls: [6081, "GENEVE"] },
};

function loadBalancer(c: RegionCtx, i: number): SimLoadBalancer {
  const x = itemHash(c, TYPE.loadBalancer, i);
  const type = LB_ROW[i % LB_ROW.length] ?? "application";
  const name = lbName(c, i);
  const id = loadBalancerIdentity(c.account, c.region, name, type, hexFrom(`${x}/${i}`, 16));
  const listener = (k: number): SimListener => {
    const y = h(x, 20 + k);
    const tls = type === "application" ? k === 1 : type === "network" && pct(y) < 60;
    const [port, protocol] = GENERATED_LISTENERS[type][tls ? "tls" : "plain"];
    const arn = listenerArn(id.LoadBalancerArn, hexFrom(`listener/${id.LoadBalancerArn}/${port}`, 16));
    return {
      ListenerArn: arn,
      LoadBalancerArn: id.LoadBalancerArn,
      Port: port,
      Protocol: protocol,
      ...(tls ? { SslPolicy: pick(GENERATED_POLICIES, h(y, 1)) } : {}),
      Certificates: tls
        ? [{ CertificateArn: `arn:aws:acm:${c.region}:${c.account}:certificate/${hexFrom(arn, 32)}` }]
        : [],
      DefaultActions: [protocol === "HTTP" ? httpAction(c, name, h(y, 2)) : forward(c, name, port, y)],
      Tags: [],
    };
  };
  return {
    LoadBalancerName: name,
    ...id,
    Type: type,
    Scheme: pct(h(x, 1)) < 60 ? "internet-facing" : "internal",
    CreatedTime: date(h(x, 2)),
    State: "active",
    IpAddressType: "ipv4",
    SecurityGroups: type === "application" ? [ec2Id("sg-", h(x, 3), i, 0)] : [],
    Listeners: Array.from({ length: LISTENER_SLOTS[i % LB_ROW.length] ?? 1 }, (_, k) => listener(k)),
    Tags: nameTag(h(x, 4), name),
  };
}

/** Plain HTTP listeners mostly redirect to HTTPS; some forward, some keep the protocol (#{protocol}). */
function httpAction(c: RegionCtx, lb: string, y: number): SimListenerAction {
  if (pct(y) >= 70) return forward(c, lb, 80, y);
  const to = pct(y) < 55 ? { Protocol: "HTTPS", Port: "443" } : {};
  return { Type: "redirect", RedirectConfig: { ...REDIRECT_KEEPS, ...to, StatusCode: "HTTP_301" } };
}

function forward(c: RegionCtx, lb: string, port: number, y: number): SimListenerAction {
  const group = `${lb}-${port}`.slice(0, 32).replace(/-+$/, "");
  const id = hexFrom(`tg/${lb}/${port}/${y}`, 16);
  return {
    Type: "forward",
    TargetGroupArn: `arn:aws:elasticloadbalancing:${c.region}:${c.account}:targetgroup/${group}/${id}`,
  };
}

// ---- account-wide resources -------------------------------------------------------------------

function globalResources(plan: Plan, ai: number, account: string): GlobalResources {
  const base = h(h(plan.seed, TYPE.bucket), ai);
  const n = (type: number, share: keyof typeof SHARE): number =>
    size(plan, share, h(base, type), plan.regions.length);
  const counts = { policies: n(TYPE.policy, "iamPolicies"), groups: n(TYPE.group, "iamGroups") };
  const g: GlobalCtx = { plan, ai, account, base, ...counts };
  return {
    buckets: lazy(
      Math.max(plan.scale > 0 ? 1 : 0, n(TYPE.bucket, "buckets")),
      (i) => bucket(g, i),
      (i) => bucketName(plan, ai, account, i),
      nameIndex,
    ),
    iamPolicies: lazy(
      counts.policies,
      (i) => iamPolicy(g, i),
      (i) => iamName(g, TYPE.policy, i),
      nameIndex,
    ),
    iamUsers: lazy(
      n(TYPE.user, "iamUsers"),
      (i) => iamPrincipal(g, TYPE.user, i),
      (i) => iamName(g, TYPE.user, i),
      nameIndex,
    ),
    // Slot 0 is the dpscan-audit role every account has; the rest are workload roles.
    iamRoles: lazy(
      1 + n(TYPE.role, "iamRoles"),
      (i) => iamPrincipal(g, TYPE.role, i),
      (i) => iamName(g, TYPE.role, i),
      (id) => (id === AUDIT_ROLE_NAME ? 0 : nameIndex(id)),
    ),
    iamGroups: lazy(
      counts.groups,
      (i) => iamPrincipal(g, TYPE.group, i),
      (i) => iamName(g, TYPE.group, i),
      nameIndex,
    ),
  };
}

interface GlobalCtx {
  plan: Plan;
  ai: number;
  account: string;
  base: number;
  policies: number;
  groups: number;
}

function bucketName(plan: Plan, ai: number, account: string, i: number): string {
  if (i === 0) return `trail-logs-${account}-0`;
  const x = h(h(h(plan.seed, TYPE.bucket), ai), i + 1_000_000);
  return `${pick(WORDS, x)}-${pick(ENVS, h(x, 1))}-${account}-${i}`;
}

function bucket(g: GlobalCtx, i: number): SimBucket {
  const x = h(h(g.base, TYPE.bucket + 100), i);
  const name = bucketName(g.plan, g.ai, g.account, i);
  const ri = h(x, 1) % g.plan.regions.length;
  const c = regionCtx(g.plan, g.ai, g.account, ri);
  const arn = `arn:aws:s3:::${name}`;
  const p = i === 0 ? 0 : pct(h(x, 2));
  let policy: string | null;
  if (p < 40) policy = secureTransportPolicy(name);
  else if (p < 65) policy = null;
  else if (p < 70) policy = transportPolicy("Allow", arn, "true", { AWS: `arn:aws:iam::${g.account}:root` });
  else if (p < 75) policy = secureTransportPolicy(name, [`${arn}/*`]);
  else if (p < 85) policy = transportPolicy("Deny", arn, false, "*");
  else if (p < 90) policy = transportPolicy("Deny", arn, "false", "*", "*");
  else
    policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${g.account}:root` },
          Action: "s3:GetObject",
          Resource: `${arn}/*`,
        },
      ],
    });
  const e = pct(h(x, 3));
  const encryption: SimBucket["Encryption"] =
    e < 40
      ? { SSEAlgorithm: "aws:kms", KMSMasterKeyID: pickKey(c, h(x, 4), "s3"), BucketKeyEnabled: true }
      : e < 50
        ? { SSEAlgorithm: "aws:kms", KMSMasterKeyID: pickKey(c, h(x, 4), "s3"), BucketKeyEnabled: false }
        : { SSEAlgorithm: "AES256", BucketKeyEnabled: false };
  const blocked = pct(h(x, 5)) >= 8;
  return {
    Name: name,
    Region: c.region,
    CreationDate: date(h(x, 6)),
    Policy: policy,
    Encryption: encryption,
    PublicAccessBlock: blocked
      ? {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: true,
        }
      : null,
    Tags: nameTag(h(x, 7), name),
  };
}

function transportPolicy(
  effect: string,
  arn: string,
  value: string | boolean,
  principal: unknown,
  action: string = "s3:*",
): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: effect,
        Principal: principal,
        Action: action,
        Resource: [arn, `${arn}/*`],
        Condition: { Bool: { "aws:SecureTransport": value } },
      },
    ],
  });
}

function iamName(g: GlobalCtx, type: number, i: number): string {
  if (type === TYPE.role && i === 0) return AUDIT_ROLE_NAME;
  const x = h(h(g.base, type + 100), i);
  const kind =
    type === TYPE.policy ? "policy" : type === TYPE.user ? "user" : type === TYPE.role ? "role" : "group";
  return `${pick(WORDS, x)}-${kind}-${i}`;
}

const POLICY_KINDS = {
  benign: (x: number) => ({
    Effect: "Allow",
    Action: ["s3:GetObject", "s3:ListBucket"],
    Resource: `arn:aws:s3:::${pick(WORDS, x)}-data/*`,
  }),
  kmsAll: () => ({ Effect: "Allow", Action: "kms:*", Resource: "*" }),
  kmsDecrypt: () => ({ Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: "*" }),
  notAction: () => ({ Effect: "Allow", NotAction: ["iam:*", "organizations:*"], Resource: "*" }),
  viaService: (x: number) => ({
    Effect: "Allow",
    Action: "kms:Decrypt",
    Resource: "*",
    Condition: { StringEquals: { "kms:ViaService": `s3.${pick(REGION_POOL, x)}.amazonaws.com` } },
  }),
  deny: () => ({ Effect: "Deny", Action: "kms:ScheduleKeyDeletion", Resource: "*" }),
};

function policyStatement(x: number): unknown {
  const p = pct(x);
  if (p < 70) return POLICY_KINDS.benign(x);
  if (p < 80) return POLICY_KINDS.kmsAll();
  if (p < 88) return POLICY_KINDS.kmsDecrypt();
  if (p < 92) return POLICY_KINDS.notAction();
  if (p < 96) return POLICY_KINDS.viaService(x);
  return POLICY_KINDS.deny();
}

const policyDocument = (...statements: unknown[]): string =>
  JSON.stringify({ Version: "2012-10-17", Statement: statements });

function iamPolicy(g: GlobalCtx, i: number): SimIamManagedPolicy {
  const x = h(h(g.base, TYPE.policy + 100), i);
  const created = date(h(x, 1));
  const name = iamName(g, TYPE.policy, i);
  const twoVersions = h(x, 2) % 5 === 0;
  const current = policyDocument(policyStatement(h(x, 3)));
  return {
    PolicyName: name,
    PolicyId: `ANPA${alnumFrom(`policy/${g.account}/${name}`, 17)}`,
    Path: "/",
    Scope: "Local",
    // Approximate: attachments are drawn independently by principals.
    AttachmentCount: h(x, 4) % 4,
    CreateDate: created,
    UpdateDate: created,
    Versions: twoVersions
      ? [
          {
            VersionId: "v1",
            IsDefaultVersion: false,
            CreateDate: created,
            Document: policyDocument(POLICY_KINDS.kmsAll()),
          },
          { VersionId: "v2", IsDefaultVersion: true, CreateDate: created, Document: current },
        ]
      : [{ VersionId: "v1", IsDefaultVersion: true, CreateDate: created, Document: current }],
  };
}

function iamPrincipal(g: GlobalCtx, type: number, i: number): SimIamPrincipal {
  const name = iamName(g, type, i);
  const prefix = type === TYPE.user ? "AIDA" : type === TYPE.role ? "AROA" : "AGPA";
  const id = `${prefix}${alnumFrom(`${type}/${g.account}/${name}`, 17)}`;
  if (type === TYPE.role && i === 0) {
    return {
      Name: name,
      Id: id,
      Path: "/",
      CreateDate: date(g.base),
      InlinePolicies: [],
      AttachedPolicyArns: [
        "arn:aws:iam::aws:policy/SecurityAudit",
        "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
      ],
      AssumeRolePolicyDocument: trustPolicy([MANAGEMENT_ACCOUNT_ID]),
      Tags: [{ Key: "purpose", Value: "dpscan read-only audit" }],
    };
  }
  const x = h(h(g.base, type + 100), i);
  const inline = pct(h(x, 1)) < (type === TYPE.group ? 10 : 30);
  const attached =
    g.policies > 0 && pct(h(x, 2)) < 60
      ? [policyArn(g.account, "/", iamName(g, TYPE.policy, h(x, 3) % g.policies))]
      : [];
  return {
    Name: name,
    Id: id,
    Path: "/",
    CreateDate: date(h(x, 4)),
    InlinePolicies: inline
      ? [{ PolicyName: `${name}-inline`, Document: policyDocument(policyStatement(h(x, 5))) }]
      : [],
    AttachedPolicyArns: attached,
    ...(type === TYPE.role
      ? {
          AssumeRolePolicyDocument: policyDocument({
            Effect: "Allow",
            Principal: {
              Service: pick(
                [
                  "ec2.amazonaws.com",
                  "lambda.amazonaws.com",
                  "glue.amazonaws.com",
                  "ecs-tasks.amazonaws.com",
                ],
                h(x, 6),
              ),
            },
            Action: "sts:AssumeRole",
          }),
        }
      : {}),
    ...(type === TYPE.user
      ? { Groups: g.groups > 0 ? [iamName(g, TYPE.group, h(x, 7) % g.groups)] : [] }
      : {}),
    Tags: type === TYPE.group ? [] : nameTag(h(x, 8), name),
  };
}
