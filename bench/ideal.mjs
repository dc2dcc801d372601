// The ideal collector: plain AWS SDK v3 calls making dpscan's call mix (same listings, page sizes
// and per-resource reads) with no pacing, no storage, no normalisation and no rules — the yardstick
// `npm run bench` divides dpscan's wall and CPU by. One global cap on calls in flight, as dpscan has.
//
//   node bench/ideal.mjs '{"endpoint":"http://127.0.0.1:PORT","regions":["us-east-1"],"roleName":"dpscan-audit","concurrency":64}'
// Credentials come from the environment; prints one JSON line: {seconds, calls, errors, cpuMs, workCpuMs}.
import { performance } from "node:perf_hooks";
import { Agent } from "node:http";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import pLimit from "p-limit";
import { STSClient, AssumeRoleCommand } from "@aws-sdk/client-sts";
import { OrganizationsClient, ListAccountsCommand } from "@aws-sdk/client-organizations";
import * as ec2 from "@aws-sdk/client-ec2";
import * as kms from "@aws-sdk/client-kms";
import * as rds from "@aws-sdk/client-rds";
import * as s3 from "@aws-sdk/client-s3";
import * as iam from "@aws-sdk/client-iam";
import * as ddb from "@aws-sdk/client-dynamodb";
import * as sm from "@aws-sdk/client-secrets-manager";
import * as ct from "@aws-sdk/client-cloudtrail";
import * as elb from "@aws-sdk/client-elastic-load-balancing-v2";
import * as hsm from "@aws-sdk/client-cloudhsm-v2";

const cfg = JSON.parse(process.argv[2] ?? "{}");
const started = performance.now();
const cpuAtStart = process.cpuUsage(); // after the imports: the calls' own CPU is measured from here
const limit = pLimit(cfg.concurrency ?? 64);
const requestHandler = new NodeHttpHandler({
  httpAgent: new Agent({ keepAlive: true, maxSockets: cfg.concurrency ?? 64 }),
});
const base = { endpoint: cfg.endpoint, requestHandler };
let calls = 0;
let errors = 0;

/** One call under the global cap; an error is counted and yields undefined (no retries of ours). */
async function send(client, command) {
  calls++;
  try {
    return await limit(() => client.send(command));
  } catch {
    errors++;
    return undefined;
  }
}
/** Every page of a listing: `next(out)` gives the next request's token fields or undefined. */
async function pages(client, Command, input, next, onPage) {
  let req = input;
  for (;;) {
    const out = await send(client, new Command(req));
    if (!out) return;
    await onPage(out);
    const more = next(out);
    if (!more) return;
    req = { ...input, ...more };
  }
}
const all = (items, fn) => Promise.all((items ?? []).map(fn));

async function region(creds, r) {
  const c = { ...base, region: r, credentials: creds };
  const e = new ec2.EC2Client(c);
  const k = new kms.KMSClient(c);
  const d = new rds.RDSClient(c);
  const t = new ddb.DynamoDBClient(c);
  const s = new sm.SecretsManagerClient(c);
  const trail = new ct.CloudTrailClient(c);
  const lb = new elb.ElasticLoadBalancingV2Client(c);
  const h = new hsm.CloudHSMV2Client(c);
  const token =
    (field, as = field) =>
    (o) =>
      o[field] ? { [as]: o[field] } : undefined;
  await Promise.all([
    send(e, new ec2.GetEbsEncryptionByDefaultCommand({})),
    send(e, new ec2.GetEbsDefaultKmsKeyIdCommand({})),
    pages(e, ec2.DescribeVolumesCommand, { MaxResults: 500 }, token("NextToken"), () => {}),
    pages(
      e,
      ec2.DescribeSnapshotsCommand,
      { OwnerIds: ["self"], MaxResults: 1000 },
      token("NextToken"),
      (o) =>
        all(o.Snapshots, (x) =>
          send(
            e,
            new ec2.DescribeSnapshotAttributeCommand({
              SnapshotId: x.SnapshotId,
              Attribute: "createVolumePermission",
            }),
          ),
        ),
    ),
    pages(k, kms.ListAliasesCommand, { Limit: 100 }, token("NextMarker", "Marker"), () => {}),
    pages(k, kms.ListKeysCommand, { Limit: 1000 }, token("NextMarker", "Marker"), (o) =>
      all(o.Keys, async (key) => {
        const [dk] = await Promise.all([
          send(k, new kms.DescribeKeyCommand({ KeyId: key.KeyId })),
          send(k, new kms.GetKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: "default" })),
        ]);
        const m = dk?.KeyMetadata;
        if (m?.KeyManager !== "CUSTOMER") return;
        const rotatable =
          m.KeySpec === "SYMMETRIC_DEFAULT" && m.Origin === "AWS_KMS" && m.KeyState === "Enabled";
        await Promise.all([
          rotatable ? send(k, new kms.GetKeyRotationStatusCommand({ KeyId: key.KeyId })) : undefined,
          send(k, new kms.ListResourceTagsCommand({ KeyId: key.KeyId, Limit: 50 })),
        ]);
      }),
    ),
    pages(d, rds.DescribeDBInstancesCommand, { MaxRecords: 100 }, token("Marker"), () => {}),
    pages(d, rds.DescribeDBClustersCommand, { MaxRecords: 100 }, token("Marker"), () => {}),
    // Snapshot attributes and the public access block: read by no shipped rule, so dpscan skips them.
    pages(d, rds.DescribeDBSnapshotsCommand, { MaxRecords: 100 }, token("Marker"), () => {}),
    pages(d, rds.DescribeDBClusterSnapshotsCommand, { MaxRecords: 100 }, token("Marker"), () => {}),
    pages(
      t,
      ddb.ListTablesCommand,
      { Limit: 100 },
      token("LastEvaluatedTableName", "ExclusiveStartTableName"),
      (o) =>
        all(o.TableNames, async (name) => {
          const out = await send(t, new ddb.DescribeTableCommand({ TableName: name }));
          if (out?.Table?.TableArn)
            await send(t, new ddb.ListTagsOfResourceCommand({ ResourceArn: out.Table.TableArn }));
        }),
    ),
    pages(
      s,
      sm.ListSecretsCommand,
      { MaxResults: 100, IncludePlannedDeletion: true },
      token("NextToken"),
      () => {},
    ),
    send(trail, new ct.DescribeTrailsCommand({ includeShadowTrails: false })).then((o) =>
      all(
        o?.trailList?.filter((x) => x.HomeRegion === r),
        (x) => send(trail, new ct.GetTrailStatusCommand({ Name: x.TrailARN })),
      ),
    ),
    pages(lb, elb.DescribeLoadBalancersCommand, { PageSize: 400 }, token("NextMarker", "Marker"), (o) =>
      all(o.LoadBalancers, (x) =>
        send(lb, new elb.DescribeListenersCommand({ LoadBalancerArn: x.LoadBalancerArn, PageSize: 400 })),
      ),
    ),
    pages(h, hsm.DescribeClustersCommand, { MaxResults: 25 }, token("NextToken"), (o) =>
      all(o.Clusters, (x) => send(h, new hsm.ListTagsCommand({ ResourceId: x.ClusterId, MaxResults: 100 }))),
    ),
  ]);
}

async function account(creds, regions) {
  const g = { ...base, region: "us-east-1", credentials: creds };
  const bucketsClient = new s3.S3Client({ ...g, forcePathStyle: true });
  const perRegion = new Map();
  const s3In = (r) => {
    if (!perRegion.has(r)) perRegion.set(r, new s3.S3Client({ ...g, region: r, forcePathStyle: true }));
    return perRegion.get(r);
  };
  const i = new iam.IAMClient(g);
  await Promise.all([
    send(new ec2.EC2Client(g), new ec2.DescribeRegionsCommand({})).then(() =>
      Promise.all(regions.map((r) => region(creds, r))),
    ),
    pages(bucketsClient, s3.ListBucketsCommand, { MaxBuckets: 1000 }, token2("ContinuationToken"), (o) =>
      all(o.Buckets, (b) => {
        const c = s3In(b.BucketRegion ?? "us-east-1");
        return Promise.all(
          [s3.GetBucketPolicyCommand, s3.GetBucketEncryptionCommand, s3.GetBucketTaggingCommand].map((C) =>
            send(c, new C({ Bucket: b.Name })),
          ),
        );
      }),
    ),
    pages(
      i,
      iam.GetAccountAuthorizationDetailsCommand,
      { MaxItems: 1000 },
      (o) => (o.IsTruncated ? { Marker: o.Marker } : undefined),
      () => {},
    ),
  ]);
}
function token2(field) {
  return (o) => (o[field] ? { [field]: o[field] } : undefined);
}

const home = { ...base, region: "us-east-1" };
const sts = new STSClient(home);
const org = new OrganizationsClient(home);
const ids = [];
await pages(
  org,
  ListAccountsCommand,
  {},
  (o) => (o.NextToken ? { NextToken: o.NextToken } : undefined),
  (o) => {
    for (const a of o.Accounts ?? []) if (a.Status === "ACTIVE") ids.push(a.Id);
  },
);
const management = cfg.managementAccountId;
await Promise.all(
  ids.map(async (id) => {
    let creds;
    if (id !== management) {
      const out = await send(
        sts,
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${id}:role/${cfg.roleName}`,
          RoleSessionName: "ideal",
        }),
      );
      if (!out?.Credentials) return;
      creds = {
        accessKeyId: out.Credentials.AccessKeyId,
        secretAccessKey: out.Credentials.SecretAccessKey,
        sessionToken: out.Credentials.SessionToken,
      };
    }
    await account(creds, cfg.regions);
  }),
);
const u = process.resourceUsage();
console.log(
  JSON.stringify({
    seconds: (performance.now() - started) / 1000,
    calls,
    errors,
    cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000,
    workCpuMs: ((c) => (c.user + c.system) / 1000)(process.cpuUsage(cpuAtStart)),
    maxRssMb: u.maxRSS / 1024,
  }),
);
