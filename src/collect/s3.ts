// Amazon S3 buckets: one listing per account (ListBuckets, paginated, with each bucket's region),
// then per bucket — in the bucket's own region, as S3 requires — its policy, default encryption,
// public access block and tags. Records are shaped as AWS Config records AWS::S3::Bucket
// (src/sim/services/config-items.ts), and are stored in the bucket's region, as Config does.
import {
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetPublicAccessBlockCommand,
  paginateListBuckets,
  type Bucket,
  type Owner,
  type ServerSideEncryptionConfiguration,
} from "@aws-sdk/client-s3";
import type { JsonObject } from "../model/resource.js";
import { RESOURCE_TYPES } from "../model/resource-types.js";
import { COLLECTOR_MANIFESTS } from "./manifests.js";
import type { Collector, CollectorContext, DetailResult, EmittedResource } from "./types.js";

/** ListBuckets' largest page (MaxBuckets accepts 1..10000). */
export const LIST_BUCKETS_PAGE_SIZE = 10_000;

/** Per-bucket "has none" answers: the fact is then null (or, for the public access block, absent). */
const NO_POLICY = ["NoSuchBucketPolicy"];
const NO_ENCRYPTION = ["ServerSideEncryptionConfigurationNotFoundError"];
const NO_PUBLIC_ACCESS_BLOCK = ["NoSuchPublicAccessBlockConfiguration"];
const NO_TAGS = ["NoSuchTagSet"];

/** GetBucketLocation's LocationConstraint as a region: empty is us-east-1, the legacy "EU" is eu-west-1. */
export function regionFromLocationConstraint(constraint: string | null | undefined): string {
  if (constraint === undefined || constraint === null || constraint === "") return "us-east-1";
  if (constraint === "EU") return "eu-west-1";
  return constraint;
}

/** The bucket's default-encryption rules as AWS Config records them (ServerSideEncryptionConfiguration). */
export function encryptionConfiguration(c: ServerSideEncryptionConfiguration | undefined): JsonObject {
  return {
    rules: (c?.Rules ?? []).map((r) => ({
      applyServerSideEncryptionByDefault: r.ApplyServerSideEncryptionByDefault
        ? {
            sseAlgorithm: r.ApplyServerSideEncryptionByDefault.SSEAlgorithm ?? null,
            kmsMasterKeyID: r.ApplyServerSideEncryptionByDefault.KMSMasterKeyID ?? null,
          }
        : null,
      bucketKeyEnabled: r.BucketKeyEnabled ?? false,
    })),
  };
}

const factOf = <T>(r: DetailResult<T | null>, shape: (v: T | null) => unknown): unknown =>
  r.ok ? shape(r.value) : r.marker;

export interface S3CollectorOptions {
  /** MaxBuckets per ListBuckets page (tests use small pages to exercise pagination). */
  pageSize?: number;
}

/** Builds the S3 collector; `s3Collector` is the one the scanner uses. */
export function createS3Collector(opts: S3CollectorOptions = {}): Collector {
  const pageSize = opts.pageSize ?? LIST_BUCKETS_PAGE_SIZE;
  return {
    ...COLLECTOR_MANIFESTS.s3,
    async collect(ctx) {
      await ctx.list("s3", "ListBuckets", {
        pages: paginateListBuckets({ client: ctx.client("s3"), pageSize }, {}),
        items: (page) => page.Buckets,
        // Every page carries the owner.
        readRecord: async (b, page) =>
          b.Name ? readBucket(ctx, { ...b, Name: b.Name }, page.Owner) : undefined,
      });
    },
  };
}

export const s3Collector: Collector = createS3Collector();

async function bucketRegion(
  ctx: CollectorContext,
  b: Bucket & { Name: string },
): Promise<{ ok: true; region: string } | { ok: false; marker: JsonObject }> {
  if (b.BucketRegion) return { ok: true, region: b.BucketRegion };
  // Older S3-compatible endpoints: ask per bucket (answers from any region).
  const loc = await ctx.detail("s3", "GetBucketLocation", async () => {
    const out = await ctx.client("s3").send(new GetBucketLocationCommand({ Bucket: b.Name }));
    return out.LocationConstraint ?? "";
  });
  return loc.ok
    ? { ok: true, region: regionFromLocationConstraint(loc.value) }
    : { ok: false, marker: loc.marker };
}

/** The bucket's record, or undefined when it was deleted between the listing and its details. */
async function readBucket(
  ctx: CollectorContext,
  b: Bucket & { Name: string },
  owner: Owner | undefined,
): Promise<EmittedResource | undefined> {
  const name = b.Name;
  const configuration = {
    name,
    owner: owner ? { displayName: owner.DisplayName ?? null, id: owner.ID ?? null } : null,
    creationDate: b.CreationDate ? b.CreationDate.toISOString() : null,
  };
  const base = {
    resourceType: RESOURCE_TYPES.s3Bucket,
    resourceId: name,
    resourceName: name,
    arn: `arn:${ctx.partition}:s3:::${name}`,
    configuration,
  };
  const where = await bucketRegion(ctx, b);
  if (!where.ok) {
    // Without the bucket's region no per-bucket call can be addressed: every fact is unreadable.
    return {
      ...base,
      region: ctx.region,
      supplementaryConfiguration: {
        BucketPolicy: where.marker,
        ServerSideEncryptionConfiguration: where.marker,
        PublicAccessBlockConfiguration: where.marker,
        Tags: where.marker,
      },
    };
  }
  const region = where.region;
  const s3 = ctx.client("s3", region);
  const [policy, encryption, pab, tagging] = await Promise.all([
    ctx.detail(
      "s3",
      "GetBucketPolicy",
      async () => (await s3.send(new GetBucketPolicyCommand({ Bucket: name }))).Policy ?? null,
      {
        absentOn: NO_POLICY,
        fact: "BucketPolicy",
      },
    ),
    ctx.detail(
      "s3",
      "GetBucketEncryption",
      async () =>
        (await s3.send(new GetBucketEncryptionCommand({ Bucket: name }))).ServerSideEncryptionConfiguration,
      { absentOn: NO_ENCRYPTION, fact: "ServerSideEncryptionConfiguration" },
    ),
    ctx.detail(
      "s3",
      "GetPublicAccessBlock",
      async () =>
        (await s3.send(new GetPublicAccessBlockCommand({ Bucket: name }))).PublicAccessBlockConfiguration,
      { absentOn: NO_PUBLIC_ACCESS_BLOCK, fact: "PublicAccessBlockConfiguration" },
    ),
    ctx.detail(
      "s3",
      "GetBucketTagging",
      async () => (await s3.send(new GetBucketTaggingCommand({ Bucket: name }))).TagSet ?? [],
      {
        absentOn: NO_TAGS,
      },
    ),
  ]);
  // Deleted between the listing and the details: nothing left to evaluate.
  if ([policy, encryption, pab, tagging].some((r) => !r.ok && r.error.code === "NoSuchBucket"))
    return undefined;

  const supplementary: Record<string, unknown> = {
    BucketPolicy: factOf(policy, (text) => ({ policyText: text ?? null })),
    // null only when S3 says there is no configuration (buckets predating default SSE-S3).
    ServerSideEncryptionConfiguration: factOf(encryption, (c) => (c ? encryptionConfiguration(c) : null)),
  };
  // As AWS Config: the key is absent when the bucket has no bucket-level public access block.
  if (!pab.ok) supplementary.PublicAccessBlockConfiguration = pab.marker;
  else if (pab.value) {
    supplementary.PublicAccessBlockConfiguration = {
      blockPublicAcls: pab.value.BlockPublicAcls ?? false,
      ignorePublicAcls: pab.value.IgnorePublicAcls ?? false,
      blockPublicPolicy: pab.value.BlockPublicPolicy ?? false,
      restrictPublicBuckets: pab.value.RestrictPublicBuckets ?? false,
    };
  }
  // Tags live in the record's tag map, which cannot hold a marker: an unreadable tag set is noted here.
  if (!tagging.ok) supplementary.Tags = tagging.marker;
  return {
    ...base,
    region,
    supplementaryConfiguration: supplementary,
    tags: tagging.ok ? (tagging.value ?? []) : [],
  };
}
