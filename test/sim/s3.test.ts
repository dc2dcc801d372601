// S3 bucket APIs through the real @aws-sdk/client-s3 (path-style) against the simulator.
import { describe, expect, it } from "vitest";
import {
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetBucketPolicyStatusCommand,
  GetBucketTaggingCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  S3Client,
  paginateListBuckets,
} from "@aws-sdk/client-s3";
import { policyIsPublic, s3Service } from "../../src/sim/services/s3.js";
import { worldFromDocument } from "../../src/sim/world/file.js";
import { useSimulator, withSimulator } from "./harness.js";
import { HOSTILE as SHARED_HOSTILE, MGMT, pagesOf, testWorld } from "../helpers/sim.js";

const A = "111111111111";
const US = "us-east-1";
const EU = "eu-west-1";
const KEY = `arn:aws:kms:${US}:${A}:key/aaaaaaaa-0000-4000-8000-000000000001`;
const HOSTILE = `<script>alert("x")</script> & 'q' — ünïcødé 🪣`;
const MALFORMED = `{"Statement": [ {"Effect": "Deny", <b>&amp;`;
const SECURE = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: ["arn:aws:s3:::b-us", "arn:aws:s3:::b-us/*"],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
  ],
});
const PUBLIC = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b-public/*" },
  ],
});
const FILLER = 25;

const world = worldFromDocument({
  accounts: [
    {
      Id: A,
      enabledRegions: [US, EU],
      regions: { [US]: { kmsKeys: [{ KeyId: "aaaaaaaa-0000-4000-8000-000000000001" }] } },
      global: {
        buckets: [
          {
            Name: "b-us",
            Region: US,
            Policy: SECURE,
            Encryption: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: KEY, BucketKeyEnabled: true },
            PublicAccessBlock: {
              BlockPublicAcls: true,
              IgnorePublicAcls: true,
              BlockPublicPolicy: true,
              RestrictPublicBuckets: false,
            },
            Tags: [
              { Key: HOSTILE, Value: `"${HOSTILE}"` },
              { Key: "multi\nline", Value: "tab\there" },
            ],
          },
          // No explicit encryption and no public access block (world defaults would set both).
          { Name: "b-eu", Region: EU, Encryption: null, PublicAccessBlock: null },
          { Name: "b-public", Region: US, Policy: PUBLIC },
          { Name: "b-malformed", Region: US, Policy: MALFORMED },
          ...Array.from({ length: FILLER }, (_, i) => ({
            Name: `filler-${String(i).padStart(2, "0")}`,
            Region: EU,
          })),
        ],
      },
    },
  ],
});

const sim = useSimulator({ world, services: [s3Service] });
const s3 = (region = US, extra: { followRegionRedirects?: boolean } = {}): S3Client =>
  sim.client(S3Client, region, undefined, extra);

interface SdkError {
  name: string;
  message: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string> };
}
async function errorOf(p: Promise<unknown>): Promise<SdkError> {
  try {
    await p;
  } catch (e) {
    return e as SdkError;
  }
  throw new Error("expected the call to fail");
}

describe("S3 ListBuckets", () => {
  it("lists every bucket of the account with its region, from any region", async () => {
    const out = await s3(EU).send(new ListBucketsCommand({}));
    expect(out.Buckets).toHaveLength(FILLER + 4);
    expect(out.Buckets?.[0]).toMatchObject({ Name: "b-us", BucketRegion: US });
    expect(out.Buckets?.[0]?.CreationDate).toBeInstanceOf(Date);
    expect(out.Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
    expect(out.ContinuationToken).toBeUndefined();
  });

  it("pages with max-buckets / continuation-token through the SDK paginator", async () => {
    const pages = await pagesOf(paginateListBuckets({ client: s3(), pageSize: 10 }, {}), (p) => p.Buckets);
    const all = pages.flat();
    expect(pages).toHaveLength(3);
    expect(all.map((b) => b.Name)).toEqual(
      (await s3().send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name),
    );
  });

  it("filters by bucket-region and prefix", async () => {
    const eu = await s3().send(new ListBucketsCommand({ BucketRegion: EU, MaxBuckets: 100 }));
    expect(eu.Buckets).toHaveLength(FILLER + 1);
    const pre = await s3().send(new ListBucketsCommand({ Prefix: "b-", MaxBuckets: 100 }));
    expect(pre.Buckets?.map((b) => b.Name)).toEqual(["b-us", "b-eu", "b-public", "b-malformed"]);
    expect(pre.Prefix).toBe("b-");
  });
});

describe("S3 region handling", () => {
  it("answers GetBucketLocation from any region (empty for us-east-1)", async () => {
    const c = s3(EU);
    expect((await c.send(new GetBucketLocationCommand({ Bucket: "b-eu" }))).LocationConstraint).toBe(EU);
    const us = (await c.send(new GetBucketLocationCommand({ Bucket: "b-us" }))).LocationConstraint;
    expect(us ?? "").toBe("");
  });

  it("answers 301 PermanentRedirect with x-amz-bucket-region for a bucket of another region", async () => {
    const e = await errorOf(s3(US).send(new GetBucketPolicyCommand({ Bucket: "b-eu" })));
    expect(e.name).toBe("PermanentRedirect");
    expect(e.$metadata?.httpStatusCode).toBe(301);
    expect(e.$response?.headers?.["x-amz-bucket-region"]).toBe(EU);
  });

  it("lets the SDK's followRegionRedirects retry in the bucket's region", async () => {
    const e = await errorOf(
      s3(US, { followRegionRedirects: true }).send(new GetBucketPolicyCommand({ Bucket: "b-eu" })),
    );
    // The redirected call reached eu-west-1 and found no policy there.
    expect(e.name).toBe("NoSuchBucketPolicy");
  });

  it("HeadBucket reports the bucket region", async () => {
    expect((await s3(US).send(new HeadBucketCommand({ Bucket: "b-us" }))).BucketRegion).toBe(US);
    const e = await errorOf(s3(US).send(new HeadBucketCommand({ Bucket: "b-eu" })));
    expect(e.$metadata?.httpStatusCode).toBe(301);
    expect(e.$response?.headers?.["x-amz-bucket-region"]).toBe(EU);
  });

  it("answers NoSuchBucket (404) for an unknown bucket", async () => {
    const e = await errorOf(s3().send(new GetBucketPolicyCommand({ Bucket: "no-such-bucket" })));
    expect(e.name).toBe("NoSuchBucket");
    expect(e.$metadata?.httpStatusCode).toBe(404);
  });
});

describe("S3 GetBucketPolicy / GetBucketPolicyStatus", () => {
  it("returns the policy document verbatim, malformed ones included", async () => {
    expect((await s3().send(new GetBucketPolicyCommand({ Bucket: "b-us" }))).Policy).toBe(SECURE);
    expect((await s3().send(new GetBucketPolicyCommand({ Bucket: "b-malformed" }))).Policy).toBe(MALFORMED);
  });

  it("answers NoSuchBucketPolicy (404) when there is none", async () => {
    const e = await errorOf(s3(EU).send(new GetBucketPolicyCommand({ Bucket: "b-eu" })));
    expect(e.name).toBe("NoSuchBucketPolicy");
    expect(e.$metadata?.httpStatusCode).toBe(404);
  });

  it("reports public policies", async () => {
    expect(
      (await s3().send(new GetBucketPolicyStatusCommand({ Bucket: "b-public" }))).PolicyStatus?.IsPublic,
    ).toBe(true);
    expect(
      (await s3().send(new GetBucketPolicyStatusCommand({ Bucket: "b-us" }))).PolicyStatus?.IsPublic,
    ).toBe(false);
    expect(
      (await s3().send(new GetBucketPolicyStatusCommand({ Bucket: "b-malformed" }))).PolicyStatus?.IsPublic,
    ).toBe(false);
  });

  it("treats wildcard Allow narrowed by a restricting condition as not public", () => {
    const narrowed = JSON.parse(PUBLIC) as { Statement: Record<string, unknown>[] };
    narrowed.Statement[0] = {
      ...narrowed.Statement[0],
      Condition: { StringEquals: { "aws:PrincipalOrgID": "o-1" } },
    };
    expect(policyIsPublic(JSON.stringify(narrowed))).toBe(false);
    expect(
      policyIsPublic(JSON.stringify({ Statement: { Effect: "Allow", Principal: { AWS: ["*"] } } })),
    ).toBe(true);
  });
});

describe("S3 GetBucketEncryption", () => {
  it("returns SSE-KMS with the key and Bucket Key setting", async () => {
    const out = await s3().send(new GetBucketEncryptionCommand({ Bucket: "b-us" }));
    expect(out.ServerSideEncryptionConfiguration?.Rules).toEqual([
      {
        ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: KEY },
        BucketKeyEnabled: true,
      },
    ]);
  });

  it("returns the SSE-S3 default for a bucket without explicit configuration (S3 since 2023)", async () => {
    const out = await s3(EU).send(new GetBucketEncryptionCommand({ Bucket: "b-eu" }));
    expect(out.ServerSideEncryptionConfiguration?.Rules).toEqual([
      { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" }, BucketKeyEnabled: false },
    ]);
  });
});

describe("S3 GetPublicAccessBlock and GetBucketTagging", () => {
  it("returns the public access block", async () => {
    const out = await s3().send(new GetPublicAccessBlockCommand({ Bucket: "b-us" }));
    expect(out.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: false,
    });
  });

  it("answers NoSuchPublicAccessBlockConfiguration (404) when unset", async () => {
    const e = await errorOf(s3(EU).send(new GetPublicAccessBlockCommand({ Bucket: "b-eu" })));
    expect(e.name).toBe("NoSuchPublicAccessBlockConfiguration");
    expect(e.$metadata?.httpStatusCode).toBe(404);
  });

  it("round-trips hostile tags", async () => {
    const out = await s3().send(new GetBucketTaggingCommand({ Bucket: "b-us" }));
    expect(out.TagSet).toEqual([
      { Key: HOSTILE, Value: `"${HOSTILE}"` },
      { Key: "multi\nline", Value: "tab\there" },
    ]);
  });

  it("answers NoSuchTagSet (404) for a bucket without tags", async () => {
    const e = await errorOf(s3(EU).send(new GetBucketTaggingCommand({ Bucket: "b-eu" })));
    expect(e.name).toBe("NoSuchTagSet");
    expect(e.$metadata?.httpStatusCode).toBe(404);
  });
});

describe("S3 faults in S3's protocol", () => {
  it("renders throttling as SlowDown (503) and AccessDenied (403) as XML errors", async () => {
    const faulty = worldFromDocument({
      accounts: [
        {
          Id: A,
          global: {
            buckets: [
              { Name: "b-x", Region: US },
              { Name: "b-denied", Region: US },
            ],
          },
        },
      ],
      faults: {
        throttling: {
          enabled: true,
          overrides: { "s3:GetBucketTagging": { capacity: 1, refillPerSecond: 0.001 } },
        },
        accessDenied: [{ service: "s3", operation: "GetBucketPolicy", resourceId: "b-denied" }],
      },
    });
    await withSimulator({ world: faulty, services: [s3Service] }, async (_sim, client) => {
      const c = client(S3Client, US);
      await errorOf(c.send(new GetBucketTaggingCommand({ Bucket: "b-x" }))); // NoSuchTagSet spends the token
      const slow = await errorOf(c.send(new GetBucketTaggingCommand({ Bucket: "b-x" })));
      expect(slow.name).toBe("SlowDown");
      expect(slow.$metadata?.httpStatusCode).toBe(503);
      const denied = await errorOf(c.send(new GetBucketPolicyCommand({ Bucket: "b-denied" })));
      expect(denied.name).toBe("AccessDenied");
      expect(denied.$metadata?.httpStatusCode).toBe(403);
      expect((await errorOf(c.send(new GetBucketPolicyCommand({ Bucket: "b-x" })))).name).toBe(
        "NoSuchBucketPolicy",
      );
    });
  });
});

describe("S3 with the shared test world", () => {
  it("round-trips the shared HOSTILE string (controls, CR/LF, U+2028, RTL override) through XML", async () => {
    await withSimulator({ world: testWorld(), services: [s3Service] }, async (_sim, client) => {
      const c = client(S3Client, EU);
      const out = await c.send(new GetBucketTaggingCommand({ Bucket: `data-${MGMT}` }));
      expect(out.TagSet).toEqual([{ Key: "x", Value: SHARED_HOSTILE }]);
      const names = (await c.send(new ListBucketsCommand({}))).Buckets?.map(
        (b) => `${b.Name}@${b.BucketRegion}`,
      );
      expect(names).toEqual([`logs-${MGMT}@us-east-1`, `data-${MGMT}@eu-west-1`]);
    });
  });
});
