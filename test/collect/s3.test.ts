import type { S3Client } from "@aws-sdk/client-s3";
import type { InitializeHandler, InitializeHandlerArguments, HandlerExecutionContext } from "@smithy/types";
import { describe, expect, it } from "vitest";
import { createS3Collector, regionFromLocationConstraint, s3Collector } from "../../src/collect/s3.js";
import type { Collector } from "../../src/collect/types.js";
import { asUnreadable, type ResourceRecord } from "../../src/model/resource.js";
import { RESOURCE_TYPES } from "../../src/model/resource-types.js";
import { arrayCollection } from "../../src/sim/world/collection.js";
import { RECORDED_TYPES } from "../../src/sim/services/config-items.js";
import type { SimBucket, World } from "../../src/sim/world/types.js";
import { collectFromWorld, type CollectResult } from "../helpers/collect.js";
import { configTags } from "../helpers/config-items.js";
import { useTmpDir } from "../helpers/tmp.js";
import { mgmtOnlyWorld } from "../helpers/world.js";
import { HOSTILE, MGMT } from "../helpers/sim.js";

const tmp = useTmpDir();

/** The IAM action behind each S3 operation the collector calls. */
const S3_ACTIONS: Record<string, string> = {
  ListBuckets: "s3:ListAllMyBuckets",
  GetBucketLocation: "s3:GetBucketLocation",
  GetBucketPolicy: "s3:GetBucketPolicy",
  GetBucketEncryption: "s3:GetEncryptionConfiguration",
  GetPublicAccessBlock: "s3:GetBucketPublicAccessBlock",
  GetBucketTagging: "s3:GetBucketTagging",
};

const POLICY = (name: string): string =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: HOSTILE,
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [`arn:aws:s3:::${name}`, `arn:aws:s3:::${name}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  });

const bucket = (name: string, region: string, over: Partial<SimBucket> = {}): SimBucket => ({
  Name: name,
  Region: region,
  CreationDate: "2024-02-01T10:00:00.000Z",
  Policy: null,
  Encryption: null,
  PublicAccessBlock: null,
  Tags: [],
  ...over,
});

/** Buckets in three regions covering every shape: none of anything; everything; a malformed policy. */
const BUCKETS: SimBucket[] = [
  bucket("plain-use1", "us-east-1"),
  bucket("full-euw1", "eu-west-1", {
    Policy: POLICY("full-euw1"),
    Encryption: {
      SSEAlgorithm: "aws:kms",
      KMSMasterKeyID: `arn:aws:kms:eu-west-1:${MGMT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
      BucketKeyEnabled: true,
    },
    PublicAccessBlock: {
      BlockPublicAcls: true,
      IgnorePublicAcls: false,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: false,
    },
    Tags: [
      { Key: HOSTILE, Value: HOSTILE },
      { Key: "env", Value: "prod" },
    ],
  }),
  bucket("odd-usw2", "us-west-2", {
    Policy: `{"Statement": [ not json ${HOSTILE}`,
    Encryption: { SSEAlgorithm: "AES256", BucketKeyEnabled: false },
  }),
];

const worldWith = (buckets: SimBucket[], faults: World["faults"] = {}): World =>
  mgmtOnlyWorld({ global: { buckets: arrayCollection(buckets, (b) => b.Name) } }, { faults });

async function collect(world: World, collector: Collector = s3Collector): Promise<CollectResult> {
  return collectFromWorld(world, [collector], { dir: tmp(), regions: ["us-east-1"] });
}

const s3Records = (r: CollectResult): ResourceRecord[] =>
  r.records.filter((x) => x.resourceType === RESOURCE_TYPES.s3Bucket);

/** The configuration item the simulator's AWS Config builds for bucket i of the world's account. */
function configItem(world: World, i: number): Record<string, unknown> {
  const type = RECORDED_TYPES.find((t) => t.type === RESOURCE_TYPES.s3Bucket);
  const account = world.accounts.at(0);
  const item = type?.item(account, "us-east-1", i);
  if (!item) throw new Error("no config item");
  return item;
}

/** Every S3 operation the simulator answered maps to one of the collector's declared actions. */
function expectOperationsDeclared(r: CollectResult, collector: Collector): void {
  const ops = r.sim.counters
    .snapshot()
    .rows.filter((row) => row.service === "s3")
    .map((row) => row.operation);
  expect(ops.length).toBeGreaterThan(0);
  for (const op of ops) {
    expect(S3_ACTIONS[op], `operation ${op}`).toBeDefined();
    expect(collector.actions).toContain(S3_ACTIONS[op]);
  }
}

/** Wrap a collector so every S3 client it gets runs `mw` first (outermost), to fake SDK/endpoint behaviour. */
function withS3Middleware(
  collector: Collector,
  mw: (
    next: InitializeHandler<object, object>,
    context: HandlerExecutionContext,
  ) => (args: InitializeHandlerArguments<object>) => ReturnType<InitializeHandler<object, object>>,
): Collector {
  const patched = new WeakSet<object>();
  return {
    ...collector,
    collect: (ctx) =>
      collector.collect({
        ...ctx,
        client: ((service: "s3", region?: string) => {
          const c = ctx.client(service, region) as S3Client;
          if (!patched.has(c)) {
            patched.add(c);
            c.middlewareStack.add(mw as never, { step: "initialize", name: "testFake" });
          }
          return c;
        }) as typeof ctx.client,
      }),
  };
}

/** The S3 collector with BucketRegion removed from every ListBuckets answer: it must ask GetBucketLocation. */
const withoutBucketRegion = (): Collector =>
  withS3Middleware(s3Collector, (next, context) => async (args) => {
    const out = await next(args);
    if (context.commandName === "ListBucketsCommand") {
      for (const b of (out.output as { Buckets?: { BucketRegion?: string }[] }).Buckets ?? [])
        delete b.BucketRegion;
    }
    return out;
  });

describe("s3 collector", () => {
  it("collects every bucket with its facts, calling each bucket in its own region", async () => {
    const world = worldWith(BUCKETS);
    const r = await collect(world);
    try {
      const recs = s3Records(r);
      expect(recs.map((x) => x.resourceId).sort()).toEqual(BUCKETS.map((b) => b.Name).sort());
      const full = r.byId("full-euw1");
      expect(full?.awsRegion).toBe("eu-west-1");
      expect(full?.awsAccountId).toBe(MGMT);
      expect(full?.arn).toBe("arn:aws:s3:::full-euw1");
      expect(full?.resourceName).toBe("full-euw1");
      expect(full?.supplementaryConfiguration.BucketPolicy).toEqual({ policyText: POLICY("full-euw1") });
      expect(full?.supplementaryConfiguration.ServerSideEncryptionConfiguration).toEqual({
        rules: [
          {
            applyServerSideEncryptionByDefault: {
              sseAlgorithm: "aws:kms",
              kmsMasterKeyID: `arn:aws:kms:eu-west-1:${MGMT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
            },
            bucketKeyEnabled: true,
          },
        ],
      });
      expect(full?.supplementaryConfiguration.PublicAccessBlockConfiguration).toEqual({
        blockPublicAcls: true,
        ignorePublicAcls: false,
        blockPublicPolicy: true,
        restrictPublicBuckets: false,
      });
      expect(full?.tags).toEqual({ [HOSTILE]: HOSTILE, env: "prod" });

      const plain = r.byId("plain-use1");
      expect(plain?.awsRegion).toBe("us-east-1");
      expect(plain?.supplementaryConfiguration.BucketPolicy).toEqual({ policyText: null });
      // No explicit configuration: S3 (and Config) report the SSE-S3 default.
      expect(plain?.supplementaryConfiguration.ServerSideEncryptionConfiguration).toEqual({
        rules: [
          {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256", kmsMasterKeyID: null },
            bucketKeyEnabled: false,
          },
        ],
      });
      expect("PublicAccessBlockConfiguration" in (plain?.supplementaryConfiguration ?? {})).toBe(false);
      expect(plain?.tags).toEqual({});
      expect(r.byId("odd-usw2")?.awsRegion).toBe("us-west-2");

      // Per-bucket calls went to the bucket's region; none was redirected; ListBuckets paged once.
      for (const b of BUCKETS) {
        for (const op of [
          "GetBucketPolicy",
          "GetBucketEncryption",
          "GetPublicAccessBlock",
          "GetBucketTagging",
        ]) {
          expect(
            r.sim.counters.calls({ service: "s3", operation: op, region: b.Region }),
            `${op} ${b.Name}`,
          ).toBeGreaterThan(0);
        }
      }
      expect(r.sim.counters.calls({ service: "s3", operation: "GetBucketPolicy" })).toBe(BUCKETS.length);
      expect(r.sim.counters.errorCode("PermanentRedirect")).toBe(0);
      expect(r.sim.counters.calls({ service: "s3", operation: "ListBuckets" })).toBe(1);
      expect(r.sim.counters.calls({ service: "s3", operation: "GetBucketLocation" })).toBe(0);

      const listing = r.coverage.find((c) => c.service === "s3" && c.operation === "ListBuckets");
      expect(listing?.status).toBe("ok");
      expect(listing?.resourceCount).toBe(BUCKETS.length);
      expect(r.coverage.filter((c) => c.service === "s3").every((c) => c.status === "ok")).toBe(true);
      expectOperationsDeclared(r, s3Collector);
    } finally {
      await r.close();
    }
  });

  it("matches the AWS Config item of the same bucket (configuration and Config-recorded supplementary keys)", async () => {
    const world = worldWith(BUCKETS);
    const r = await collect(world);
    try {
      BUCKETS.forEach((b, i) => {
        const ci = configItem(world, i);
        const rec = r.byId(b.Name);
        expect(rec, b.Name).toBeDefined();
        expect(rec?.configuration).toEqual(ci.configuration);
        expect(rec?.resourceId).toBe(ci.resourceId);
        expect(rec?.resourceName).toBe(ci.resourceName);
        expect(rec?.arn).toBe(ci.arn);
        expect(rec?.awsRegion).toBe(ci.awsRegion);
        expect(rec?.tags).toEqual(configTags(ci));
        const sup = ci.supplementaryConfiguration as Record<string, unknown>;
        for (const key of [
          "BucketPolicy",
          "ServerSideEncryptionConfiguration",
          "PublicAccessBlockConfiguration",
        ]) {
          expect(rec?.supplementaryConfiguration[key], `${b.Name} ${key}`).toEqual(sup[key]);
        }
      });
    } finally {
      await r.close();
    }
  });

  it("pages through ListBuckets with MaxBuckets and the continuation token", async () => {
    const many = Array.from({ length: 7 }, (_, i) =>
      bucket(`bucket-${i}`, i % 2 ? "eu-west-1" : "us-east-1"),
    );
    const small = createS3Collector({ pageSize: 3 });
    const r = await collect(worldWith(many), small);
    try {
      expect(r.sim.counters.calls({ service: "s3", operation: "ListBuckets" })).toBe(3);
      expect(
        s3Records(r)
          .map((x) => x.resourceId)
          .sort(),
      ).toEqual(many.map((b) => b.Name).sort());
      expect(r.byId("bucket-1")?.awsRegion).toBe("eu-west-1");
      const listing = r.coverage.find((c) => c.operation === "ListBuckets");
      expect(listing?.status).toBe("ok");
      expect(listing?.resourceCount).toBe(7);
      expectOperationsDeclared(r, small);
    } finally {
      await r.close();
    }
  });

  it("a denied ListBuckets is a denied coverage row and no bucket records", async () => {
    const r = await collect(
      worldWith(BUCKETS, { accessDenied: [{ service: "s3", operation: "ListBuckets" }] }),
    );
    try {
      expect(s3Records(r)).toEqual([]);
      const listing = r.coverage.find((c) => c.service === "s3" && c.operation === "ListBuckets");
      expect(listing?.status).toBe("denied");
      expect(listing?.errorCode).toBe("AccessDenied");
      expect(r.sim.counters.calls({ service: "s3", operation: "GetBucketPolicy" })).toBe(0);
    } finally {
      await r.close();
    }
  });

  it("a denied detail stores the unreadable marker in place of that fact only", async () => {
    const denied = ["GetBucketPolicy", "GetBucketEncryption", "GetPublicAccessBlock", "GetBucketTagging"].map(
      (operation) => ({ service: "s3", operation, resourceId: "full-euw1" }),
    );
    const r = await collect(worldWith(BUCKETS, { accessDenied: denied }));
    try {
      const full = r.byId("full-euw1");
      const sup = full?.supplementaryConfiguration ?? {};
      for (const [key, op] of [
        ["BucketPolicy", "GetBucketPolicy"],
        ["ServerSideEncryptionConfiguration", "GetBucketEncryption"],
        ["PublicAccessBlockConfiguration", "GetPublicAccessBlock"],
        ["Tags", "GetBucketTagging"],
      ] as const) {
        const u = asUnreadable(sup[key]);
        expect(u, key).toBeDefined();
        expect(u?.errorCode).toBe("AccessDenied");
        expect(u?.operation).toBe(op);
      }
      expect(full?.tags).toEqual({});
      // Other buckets are unaffected.
      expect(r.byId("plain-use1")?.supplementaryConfiguration.BucketPolicy).toEqual({ policyText: null });
      expect(r.byId("odd-usw2")?.supplementaryConfiguration.Tags).toBeUndefined();
      for (const op of [
        "GetBucketPolicy",
        "GetBucketEncryption",
        "GetPublicAccessBlock",
        "GetBucketTagging",
      ]) {
        const row = r.coverage.find((c) => c.operation === op);
        expect(row?.status, op).toBe("denied");
        expect(row?.errorMessage).toContain("1 of 3 calls");
      }
      // The listing itself succeeded: every bucket is still there.
      expect(r.coverage.find((c) => c.operation === "ListBuckets")?.status).toBe("ok");
      expect(s3Records(r)).toHaveLength(3);
    } finally {
      await r.close();
    }
  });

  it("keeps hostile policy text and tags byte for byte", async () => {
    const r = await collect(worldWith(BUCKETS));
    try {
      const odd = r.byId("odd-usw2")?.supplementaryConfiguration.BucketPolicy as { policyText: string };
      expect(odd.policyText).toBe(`{"Statement": [ not json ${HOSTILE}`);
      const full = r.byId("full-euw1");
      expect((full?.supplementaryConfiguration.BucketPolicy as { policyText: string }).policyText).toContain(
        JSON.stringify(HOSTILE).slice(1, -1),
      );
      expect(full?.tags[HOSTILE]).toBe(HOSTILE);
    } finally {
      await r.close();
    }
  });

  it("falls back to GetBucketLocation when ListBuckets gives no BucketRegion", async () => {
    const noRegion = withoutBucketRegion();
    const r = await collect(worldWith(BUCKETS), noRegion);
    try {
      expect(r.sim.counters.calls({ service: "s3", operation: "GetBucketLocation" })).toBe(BUCKETS.length);
      for (const b of BUCKETS) expect(r.byId(b.Name)?.awsRegion, b.Name).toBe(b.Region);
      expect(r.byId("full-euw1")?.supplementaryConfiguration.BucketPolicy).toEqual({
        policyText: POLICY("full-euw1"),
      });
      expect(r.sim.counters.errorCode("PermanentRedirect")).toBe(0);
      expectOperationsDeclared(r, s3Collector);
    } finally {
      await r.close();
    }
  });

  it("an unreadable bucket location makes every per-bucket fact unreadable", async () => {
    const noRegion = withoutBucketRegion();
    const r = await collect(
      worldWith(BUCKETS, {
        accessDenied: [{ service: "s3", operation: "GetBucketLocation", resourceId: "full-euw1" }],
      }),
      noRegion,
    );
    try {
      const sup = r.byId("full-euw1")?.supplementaryConfiguration ?? {};
      for (const key of [
        "BucketPolicy",
        "ServerSideEncryptionConfiguration",
        "PublicAccessBlockConfiguration",
        "Tags",
      ]) {
        expect(asUnreadable(sup[key])?.operation, key).toBe("GetBucketLocation");
      }
      expect(r.sim.counters.calls({ service: "s3", operation: "GetBucketPolicy" })).toBe(BUCKETS.length - 1);
      expect(r.coverage.find((c) => c.operation === "GetBucketLocation")?.status).toBe("denied");
    } finally {
      await r.close();
    }
  });

  it("records null encryption when S3 has no configuration, and skips a bucket deleted mid-scan", async () => {
    const fake = withS3Middleware(s3Collector, (next, context) => async (args) => {
      const input = args.input as { Bucket?: string };
      const fail = (name: string, status: number): never => {
        throw Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
      };
      if (context.commandName === "GetBucketEncryptionCommand" && input.Bucket === "plain-use1")
        fail("ServerSideEncryptionConfigurationNotFoundError", 404);
      if (input.Bucket === "odd-usw2" && context.commandName !== "ListBucketsCommand")
        fail("NoSuchBucket", 404);
      return next(args);
    });
    const r = await collect(worldWith(BUCKETS), fake);
    try {
      expect(r.byId("plain-use1")?.supplementaryConfiguration.ServerSideEncryptionConfiguration).toBeNull();
      expect(r.byId("odd-usw2")).toBeUndefined();
      expect(r.byId("full-euw1")).toBeDefined();
      expect(r.coverage.find((c) => c.operation === "ListBuckets")?.status).toBe("ok");
    } finally {
      await r.close();
    }
  });

  it("maps LocationConstraint values to regions", () => {
    expect(regionFromLocationConstraint("")).toBe("us-east-1");
    expect(regionFromLocationConstraint(undefined)).toBe("us-east-1");
    expect(regionFromLocationConstraint("EU")).toBe("eu-west-1");
    expect(regionFromLocationConstraint("ap-southeast-2")).toBe("ap-southeast-2");
  });

  it("declares its shape", () => {
    expect(s3Collector.scope).toBe("global");
    expect(s3Collector.service).toBe("s3");
    expect(s3Collector.resourceTypes).toEqual([RESOURCE_TYPES.s3Bucket]);
    expect(s3Collector.listings).toEqual({ ListBuckets: [RESOURCE_TYPES.s3Bucket] });
    expect([...s3Collector.actions].sort()).toEqual([...new Set(Object.values(S3_ACTIONS))].sort());
  });
});
