// What the simulator saw: calls per (service, operation, account, region), throttles and errors
// sent, as a JSON snapshot for tests and benchmarks; and `lowerBoundSeconds(world)`, the fastest a
// full scan of a world could possibly finish given its quotas and latency.
import { GLOBAL_SERVICES, meanLatency, throttleScope } from "./faults.js";
import type { Quota } from "./faults.js";
import type { RegionResources, SimAccount, World } from "../world/types.js";

export interface CounterRow {
  service: string;
  operation: string;
  account: string;
  region: string;
  calls: number;
  throttles: number;
  errors: number;
}

export interface CountersSnapshot {
  totals: { calls: number; throttles: number; errors: number };
  /** Error responses by code (throttles included, under their own code). */
  errorCodes: Record<string, number>;
  rows: CounterRow[];
}

const SEP = "\u0000";

export class SimCounters {
  // Compact: one small array per key ([calls, throttles, errors]); keys are joined strings.
  private readonly rows = new Map<string, [number, number, number]>();
  private readonly codes = new Map<string, number>();
  private totals = { calls: 0, throttles: 0, errors: 0 };

  private row(service: string, operation: string, account: string, region: string): [number, number, number] {
    const key = service + SEP + operation + SEP + account + SEP + region;
    let r = this.rows.get(key);
    if (!r) {
      r = [0, 0, 0];
      this.rows.set(key, r);
    }
    return r;
  }

  /** A request that reached a service (authenticated). */
  call(service: string, operation: string, account: string, region: string): void {
    this.row(service, operation, account, region)[0]++;
    this.totals.calls++;
  }

  throttle(service: string, operation: string, account: string, region: string, code: string): void {
    this.row(service, operation, account, region)[1]++;
    this.totals.throttles++;
    this.codes.set(code, (this.codes.get(code) ?? 0) + 1);
  }

  /** Any other error response, authentication failures included. */
  error(service: string, operation: string, account: string, region: string, code: string): void {
    this.row(service, operation, account, region)[2]++;
    this.totals.errors++;
    this.codes.set(code, (this.codes.get(code) ?? 0) + 1);
  }

  get totalCalls(): number {
    return this.totals.calls;
  }
  get totalThrottles(): number {
    return this.totals.throttles;
  }
  get totalErrors(): number {
    return this.totals.errors;
  }

  /** Sum of calls matching a partial key. */
  calls(match: Partial<Pick<CounterRow, "service" | "operation" | "account" | "region">> = {}): number {
    return this.sum(match, 0);
  }
  throttles(match: Partial<Pick<CounterRow, "service" | "operation" | "account" | "region">> = {}): number {
    return this.sum(match, 1);
  }
  errors(match: Partial<Pick<CounterRow, "service" | "operation" | "account" | "region">> = {}): number {
    return this.sum(match, 2);
  }
  errorCode(code: string): number {
    return this.codes.get(code) ?? 0;
  }

  private sum(
    match: Partial<Pick<CounterRow, "service" | "operation" | "account" | "region">>,
    i: 0 | 1 | 2,
  ): number {
    let n = 0;
    for (const [key, r] of this.rows) {
      const [service, operation, account, region] = key.split(SEP);
      if (match.service !== undefined && match.service !== service) continue;
      if (match.operation !== undefined && match.operation !== operation) continue;
      if (match.account !== undefined && match.account !== account) continue;
      if (match.region !== undefined && match.region !== region) continue;
      n += r[i];
    }
    return n;
  }

  reset(): void {
    this.rows.clear();
    this.codes.clear();
    this.totals = { calls: 0, throttles: 0, errors: 0 };
  }

  snapshot(): CountersSnapshot {
    const rows: CounterRow[] = [];
    for (const [key, r] of this.rows) {
      const [service = "", operation = "", account = "", region = ""] = key.split(SEP);
      rows.push({ service, operation, account, region, calls: r[0], throttles: r[1], errors: r[2] });
    }
    rows.sort(
      (a, b) =>
        a.service.localeCompare(b.service) ||
        a.operation.localeCompare(b.operation) ||
        a.account.localeCompare(b.account) ||
        a.region.localeCompare(b.region),
    );
    return { totals: { ...this.totals }, errorCodes: Object.fromEntries([...this.codes].sort()), rows };
  }

  toJSON(): CountersSnapshot {
    return this.snapshot();
  }
}

// ---------------------------------------------------------------------------------------------
// The lower bound of a full scan's wall time.
//
// Model (every term is a lower bound on its own, so their maximum is one too):
//
// 1. Quotas. Calls that spend the same token bucket (same throttling scope, account, region) cannot
//    go faster than the bucket allows: the first `capacity` calls are free (the burst), every
//    further call waits for a token, and the last call still takes one latency to answer:
//        t(scope) >= max(0, calls - capacity) / refillPerSecond + latency.
//    Scopes come from `throttleScope`, exactly as the server throttles (overrides included); with
//    throttling disabled this term is 0.
// 2. Latency. Some calls cannot start before others answer: pages of one listing are sequential
//    (page n needs page n-1's token), a member account cannot be scanned before ListAccounts has
//    returned the page naming it and AssumeRole has answered, and a per-resource call needs the
//    page that named the resource. With unlimited concurrency the scan takes at least the longest
//    such chain:
//        t(account i) >= (ceil((i + 1) / 20) + [member: 1 AssumeRole] + longest chain in account) * latency.
//    Latency is the distribution's mean (fixed: value, uniform: midpoint, normal: mean): the bound
//    is on the expected time, since a normal distribution has no positive minimum.
//
// The calls a scan needs are modelled as the fewest a correct collector can make, with the largest
// page sizes AWS allows (so a real scanner can only need more):
// - Organizations ListAccounts (20 per page); STS AssumeRole per member account, spent from the
//   management account's STS bucket;
// - EC2, per enabled region: DescribeRegions (once per account), DescribeVolumes (500/page),
//   DescribeSnapshots OwnerIds=self (1000/page), DescribeSnapshotAttribute per snapshot,
//   GetEbsEncryptionByDefault, GetEbsDefaultKmsKeyId;
// - KMS: ListKeys (1000/page), DescribeKey per key, GetKeyPolicy and ListResourceTags per
//   customer-managed key, GetKeyRotationStatus per enabled customer-managed symmetric AWS_KMS key,
//   ListAliases (100/page);
// - RDS: the four Describe listings (100/page) and the TLS parameter reads (snapshot attributes
//   are read by no shipped rule, so a scan with the shipped rules does not ask them);
// - DynamoDB ListTables (100/page) + DescribeTable and ListTagsOfResource per table; Secrets
//   Manager ListSecrets (100/page); CloudTrail DescribeTrails + GetTrailStatus per trail homed in
//   the region + ListTags per 20 of them;
// - ELBv2: DescribeLoadBalancers (400/page), DescribeListeners per load balancer, DescribeTags for
//   every 20 load balancers and listeners, DescribeSSLPolicies once (400/page) where an HTTPS or
//   TLS listener is (a policy the listing lacks costs one more call, not modelled);
// - S3: ListBuckets once per account, then GetBucketEncryption, GetBucketPolicy and
//   GetBucketTagging per bucket, in the bucket's region (no shipped rule reads the public access
//   block);
// - IAM: GetAccountAuthorizationDetails (1000 items/page).
// `observed` replaces the modelled calls with the ones a scan actually made (a counters snapshot):
// then the bound is the least time those calls could have taken (the chains stay the model's).
// 3. Concurrency: with at most C calls in flight, calls × latency ÷ C.
// 4. CPU: calls × the SDK's own CPU per call (signing, serialising, parsing, measured by a plain
//    SDK collector) ÷ cores — no scanner can spend less than the SDK it is built on.

export interface LowerBound {
  seconds: number;
  /** Which term sets the bound. */
  term: "quota" | "latencyChain" | "concurrency" | "cpu";
  /** Every term: the bound is their maximum. */
  terms: { quota: number; latencyChain: number; concurrency: number; cpu: number };
  /** The largest quota term and where it comes from. */
  throttleSeconds: number;
  bottleneck?: { scope: string; account: string; region: string; calls: number; quota: Quota };
  /** The longest latency chain term. */
  latencySeconds: number;
  /** Calls the model counted (or observed). */
  calls: number;
}

const pagesOf = (n: number, pageSize: number): number => Math.max(1, Math.ceil(n / pageSize));

class ScopeTally {
  private readonly calls = new Map<string, { n: number; quota: Quota }>();
  total = 0;
  constructor(private readonly world: World) {}
  add(
    service: string,
    operation: string,
    account: string,
    region: string,
    n: number,
    variant?: "unpaginated",
  ): void {
    if (n <= 0) return;
    const scope = throttleScope(this.world, service, operation, variant);
    const key = `${scope.key}|${account}|${GLOBAL_SERVICES.has(service) ? "global" : region}`;
    const entry = this.calls.get(key);
    if (entry) entry.n += n;
    else this.calls.set(key, { n, quota: scope.quota });
    this.total += n;
  }
  /** The largest quota term in this tally. */
  worst(latency: number): { seconds: number; key?: string; calls: number; quota?: Quota } {
    let best: { seconds: number; key?: string; calls: number; quota?: Quota } = { seconds: 0, calls: 0 };
    for (const [key, { n, quota }] of this.calls) {
      const t = Math.max(0, n - quota.capacity) / Math.max(quota.refillPerSecond, 1e-9) + latency;
      if (t > best.seconds) best = { seconds: t, key, calls: n, quota };
    }
    return best;
  }
}

/** Regions a scan covers in an account: enabled and not disabled. */
const scanRegions = (a: SimAccount): string[] =>
  a.enabledRegions.filter((r) => !a.disabledRegions.includes(r));

/**
 * One region's RDS calls: the four listings (100 per page) and one filtered parameter read per DB parameter group and per cluster parameter group in use
 * (engine-default reads happen only when a group reports no value: not modelled).
 */
function rdsCalls(r: RegionResources): { calls: Record<string, number>; chain: number } {
  const dbGroups = new Set<string>();
  const clusterGroups = new Set<string>();
  for (let i = 0; i < r.rdsInstances.size; i++) {
    const d = r.rdsInstances.at(i);
    const cluster =
      d.DBClusterIdentifier !== undefined ? r.rdsClusters.get(d.DBClusterIdentifier) : undefined;
    if (cluster) clusterGroups.add(cluster.DBClusterParameterGroup);
    else for (const g of d.DBParameterGroups.slice(0, 1)) dbGroups.add(g.DBParameterGroupName);
  }
  const calls = {
    DescribeDBInstances: pagesOf(r.rdsInstances.size, 100),
    DescribeDBClusters: pagesOf(r.rdsClusters.size, 100),
    DescribeDBSnapshots: pagesOf(r.rdsSnapshots.size, 100),
    DescribeDBClusterSnapshots: pagesOf(r.rdsClusterSnapshots.size, 100),
    DescribeDBParameters: dbGroups.size,
    DescribeDBClusterParameters: clusterGroups.size,
  };
  const chain = Math.max(
    Math.max(calls.DescribeDBSnapshots, calls.DescribeDBClusterSnapshots),
    Math.max(calls.DescribeDBInstances, calls.DescribeDBClusters) +
      (dbGroups.size + clusterGroups.size > 0 ? 1 : 0),
  );
  return { calls, chain };
}

/** Tally the modelled calls of one account; returns its longest sequential chain, in calls. */
function tallyAccount(world: World, a: SimAccount, t: ScopeTally): number {
  const id = a.Id;
  let chain = 0;
  const regions = scanRegions(a);
  t.add("ec2", "DescribeRegions", id, regions[0] ?? "us-east-1", 1);
  for (const region of regions) {
    const r = a.region(region);
    if (!r) continue;
    const vPages = pagesOf(r.volumes.size, 500);
    const sPages = pagesOf(r.snapshots.size, 1000);
    t.add("ec2", "DescribeVolumes", id, region, vPages);
    t.add("ec2", "DescribeSnapshots", id, region, sPages);
    t.add("ec2", "DescribeSnapshotAttribute", id, region, r.snapshots.size);
    t.add("ec2", "GetEbsEncryptionByDefault", id, region, 1);
    t.add("ec2", "GetEbsDefaultKmsKeyId", id, region, 1);

    let customer = 0;
    let rotatable = 0;
    let aliases = 0;
    for (let i = 0; i < r.kmsKeys.size; i++) {
      const k = r.kmsKeys.at(i);
      aliases += k.Aliases.length;
      if (k.KeyManager !== "CUSTOMER") continue;
      customer++;
      if (k.Enabled && k.KeySpec === "SYMMETRIC_DEFAULT" && k.Origin === "AWS_KMS") rotatable++;
    }
    const kPages = pagesOf(r.kmsKeys.size, 1000);
    t.add("kms", "ListKeys", id, region, kPages);
    t.add("kms", "DescribeKey", id, region, r.kmsKeys.size);
    t.add("kms", "GetKeyPolicy", id, region, customer);
    t.add("kms", "ListResourceTags", id, region, customer);
    t.add("kms", "GetKeyRotationStatus", id, region, rotatable);
    t.add("kms", "ListAliases", id, region, pagesOf(aliases, 100));

    const rds = rdsCalls(r);
    for (const [op, n] of Object.entries(rds.calls)) t.add("rds", op, id, region, n);
    const hsm = r.cloudHsmClusters.size;
    t.add("cloudhsm", "DescribeClusters", id, region, pagesOf(hsm, 25));
    t.add("cloudhsm", "ListTags", id, region, hsm);
    t.add("kms", "DescribeCustomKeyStores", id, region, hsm > 0 ? 1 : 0);

    const tPages = pagesOf(r.dynamodbTables.size, 100);
    t.add("dynamodb", "ListTables", id, region, tPages);
    t.add("dynamodb", "DescribeTable", id, region, r.dynamodbTables.size);
    t.add("dynamodb", "ListTagsOfResource", id, region, r.dynamodbTables.size);
    const secretPages = pagesOf(r.secrets.size, 100);
    t.add("secretsmanager", "ListSecrets", id, region, secretPages);
    let homed = 0;
    for (let i = 0; i < r.trails.size; i++) if (r.trails.at(i).HomeRegion === region) homed++;
    t.add("cloudtrail", "DescribeTrails", id, region, 1);
    t.add("cloudtrail", "GetTrailStatus", id, region, homed);
    t.add("cloudtrail", "ListTags", id, region, Math.ceil(homed / 20));
    const elbChain = tallyElb(r, id, region, t);

    chain = Math.max(
      chain,
      vPages,
      sPages + (r.snapshots.size > 0 ? 1 : 0),
      kPages + (r.kmsKeys.size > 0 ? 2 : 0), // ListKeys pages, DescribeKey, then GetKeyPolicy/rotation
      rds.chain,
      pagesOf(hsm, 25) + (hsm > 0 ? 1 : 0),
      tPages + (r.dynamodbTables.size > 0 ? 1 : 0),
      secretPages,
      1 + (homed > 0 ? 1 : 0), // DescribeTrails, then status and tags
      elbChain,
    );
  }

  const g = a.global;
  t.add("s3", "ListBuckets", id, "us-east-1", 1);
  for (let i = 0; i < g.buckets.size; i++) {
    const b = g.buckets.at(i);
    for (const op of ["GetBucketEncryption", "GetBucketPolicy", "GetBucketTagging"])
      t.add("s3", op, id, b.Region, 1);
  }
  if (g.buckets.size > 0) chain = Math.max(chain, 2);

  let awsAttached = 0;
  let local = 0;
  for (let i = 0; i < g.iamPolicies.size; i++) {
    const p = g.iamPolicies.at(i);
    if (p.Scope === "Local") local++;
    else if (p.AttachmentCount > 0) awsAttached++;
  }
  const gaadPages = pagesOf(g.iamUsers.size + g.iamGroups.size + g.iamRoles.size + local + awsAttached, 1000);
  t.add("iam", "GetAccountAuthorizationDetails", id, "us-east-1", gaadPages);
  return Math.max(chain, gaadPages);
}

/** ELBv2 calls of one region; returns their longest chain (listing pages, then listeners, then tags and policies). */
function tallyElb(r: RegionResources, id: string, region: string, t: ScopeTally): number {
  const lbPages = pagesOf(r.loadBalancers.size, 400);
  let tls = false;
  for (let i = 0; i < r.listeners.size && !tls; i++) {
    const protocol = r.listeners.at(i).Protocol;
    tls = protocol === "HTTPS" || protocol === "TLS";
  }
  const lbs = r.loadBalancers.size;
  t.add("elasticloadbalancing", "DescribeLoadBalancers", id, region, lbPages);
  t.add("elasticloadbalancing", "DescribeListeners", id, region, lbs);
  t.add("elasticloadbalancing", "DescribeTags", id, region, Math.ceil((lbs + r.listeners.size) / 20));
  t.add("elasticloadbalancing", "DescribeSSLPolicies", id, region, tls ? 1 : 0);
  return lbPages + (lbs > 0 ? 2 : 0);
}

export interface LowerBoundOptions {
  /** The calls a scan made (a counters snapshot), instead of the modelled ones. */
  observed?: CountersSnapshot;
  /** Calls in flight at once (the scanner's cap): calls × latency ÷ concurrency. */
  concurrency?: number;
  /** The SDK's own CPU per call in ms (measured by a plain-SDK collector) and the cores to spread it on. */
  cpuPerCallMs?: number;
  cores?: number;
}

/** The detail behind `lowerBoundSeconds`. */
export function lowerBound(world: World, opts: LowerBoundOptions = {}): LowerBound {
  const latency = meanLatency(world.faults.latency) / 1000;
  const throttled = world.faults.throttling?.enabled === true;
  let throttle: { seconds: number; key?: string; calls: number; quota?: Quota } = { seconds: 0, calls: 0 };
  let latencySeconds = 0;
  let calls = 0;
  const consider = (t: ScopeTally, count = true): void => {
    if (count) calls += t.total;
    if (!throttled || !count) return;
    const w = t.worst(latency);
    if (w.seconds > throttle.seconds) throttle = w;
  };

  // The latency chains are the model's whatever calls were made: a page still needs the one before.
  const modelled = !opts.observed;
  const n = world.accounts.size;
  const sts = new ScopeTally(world);
  sts.add("sts", "AssumeRole", world.managementAccountId, "us-east-1", Math.max(0, n - 1));
  const orgs = new ScopeTally(world);
  orgs.add("organizations", "ListAccounts", world.managementAccountId, "us-east-1", pagesOf(n, 20));
  consider(sts, modelled);
  consider(orgs, modelled);
  for (let i = 0; i < n; i++) {
    const a = world.accounts.at(i);
    const t = new ScopeTally(world);
    const chain = tallyAccount(world, a, t);
    consider(t, modelled);
    const listed = Math.floor(i / 20) + 1;
    const assume = a.Id === world.managementAccountId ? 0 : 1;
    latencySeconds = Math.max(latencySeconds, (listed + assume + chain) * latency);
  }

  if (opts.observed) {
    // Per-account tallies keep memory proportional to one account's scopes.
    const byAccount = new Map<string, CounterRow[]>();
    for (const row of opts.observed.rows) {
      if (row.operation.startsWith("(")) continue; // authentication failures reached no service
      const list = byAccount.get(row.account) ?? [];
      list.push(row);
      byAccount.set(row.account, list);
    }
    for (const rows of byAccount.values()) {
      const t = new ScopeTally(world);
      for (const row of rows) t.add(row.service, row.operation, row.account, row.region, row.calls);
      consider(t);
    }
  }

  const terms = {
    quota: throttle.seconds,
    latencyChain: latencySeconds,
    concurrency: opts.concurrency ? (calls * latency) / opts.concurrency : 0,
    cpu: opts.cpuPerCallMs ? (calls * opts.cpuPerCallMs) / 1000 / Math.max(1, opts.cores ?? 1) : 0,
  };
  const [term, seconds] = Object.entries(terms).reduce((a, b) => (b[1] > a[1] ? b : a));
  const bottleneck = throttle.key
    ? (() => {
        const [scope = "", account = "", region = ""] = throttle.key.split("|");
        return { scope, account, region, calls: throttle.calls, quota: throttle.quota! };
      })()
    : undefined;
  return {
    seconds,
    term: term as keyof LowerBound["terms"],
    terms,
    throttleSeconds: throttle.seconds,
    ...(bottleneck ? { bottleneck } : {}),
    latencySeconds,
    calls,
  };
}

/** The least wall time, in seconds, a full scan of `world` can take (see the model above). */
export function lowerBoundSeconds(world: World, opts: LowerBoundOptions = {}): number {
  return lowerBound(world, opts).seconds;
}
