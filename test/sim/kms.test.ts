// KMS through the real @aws-sdk/client-kms against the simulator on 127.0.0.1.
import { beforeAll, describe, expect, it } from "vitest";
import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ListAliasesCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  paginateListAliases,
  paginateListKeys,
} from "@aws-sdk/client-kms";
import { kmsService } from "../../src/sim/services/kms.js";
import { worldFromDocument } from "../../src/sim/world/file.js";
import { useSimulator, withSimulator } from "./harness.js";
import { HOSTILE as SHARED_HOSTILE, pagesOf, sdkError, testWorld } from "../helpers/sim.js";

const A = "111111111111";
const B = "222222222222";
const R = "us-east-1";
const MALFORMED = '{"Version": "2012-10-17", "Statement": [ {"Effect": "Allow", <script>';
const HOSTILE = `<script>alert("x")</script> & 'quotes' — ünïcødé 🔑`;
const FILLER = 250;
const uuid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;

const world = worldFromDocument({
  managementAccountId: A,
  accounts: [
    {
      Id: A,
      regions: {
        [R]: {
          kmsKeys: [
            {
              KeyId: "aaaaaaaa-0000-4000-8000-000000000001",
              Description: HOSTILE,
              RotationEnabled: true,
              RotationPeriodInDays: 180,
              Aliases: ["alias/app", "alias/app-2"],
              Tags: [{ TagKey: HOSTILE, TagValue: `"${HOSTILE}"` }],
            },
            { KeyId: "aaaaaaaa-0000-4000-8000-000000000002", Policy: MALFORMED },
            { KeyId: "aaaaaaaa-0000-4000-8000-000000000003", KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY" },
            { KeyId: "aaaaaaaa-0000-4000-8000-000000000004", KeySpec: "HMAC_256" },
            { KeyId: "aaaaaaaa-0000-4000-8000-000000000005", Origin: "EXTERNAL" },
            {
              KeyId: "aaaaaaaa-0000-4000-8000-000000000006",
              KeyState: "PendingDeletion",
              RotationEnabled: true,
              DeletionDate: "2030-01-01T00:00:00Z",
            },
            { KeyId: "aaaaaaaa-0000-4000-8000-000000000007", KeyManager: "AWS", Aliases: ["alias/aws/ebs"] },
            ...Array.from({ length: FILLER }, (_, i) => ({ KeyId: uuid(i), Aliases: [`alias/filler-${i}`] })),
          ],
        },
        "eu-west-1": { kmsKeys: [{ KeyId: "bbbbbbbb-0000-4000-8000-000000000001" }] },
      },
    },
    { Id: B, regions: { [R]: { kmsKeys: [{ KeyId: "cccccccc-0000-4000-8000-000000000001" }] } } },
  ],
});

const sim = useSimulator({ world, services: [kmsService] });
let kms: KMSClient;
const K1 = "aaaaaaaa-0000-4000-8000-000000000001";
beforeAll(() => {
  kms = sim.client(KMSClient, R);
});

describe("KMS ListKeys", () => {
  it("pages through every key with the SDK paginator (Limit 100 -> 3 pages)", async () => {
    const pages = await pagesOf(paginateListKeys({ client: kms, pageSize: 100 }, {}), (p) => p.Keys);
    const keys = pages.flat();
    expect(pages).toHaveLength(3);
    expect(keys).toHaveLength(FILLER + 7);
    expect(new Set(keys.map((k) => k.KeyId)).size).toBe(FILLER + 7);
    expect(keys[0]).toEqual({ KeyId: K1, KeyArn: `arn:aws:kms:${R}:${A}:key/${K1}` });
  });

  it("defaults to 100 and reports Truncated/NextMarker", async () => {
    const first = await kms.send(new ListKeysCommand({}));
    expect(first.Keys).toHaveLength(100);
    expect(first.Truncated).toBe(true);
    expect(first.NextMarker).toBeTruthy();
  });

  it("rejects Limit out of 1..1000 and a foreign marker", async () => {
    expect((await sdkError(kms.send(new ListKeysCommand({ Limit: 1001 })))).name).toBe("ValidationException");
    expect((await sdkError(kms.send(new ListKeysCommand({ Marker: "garbage" })))).name).toBe(
      "InvalidMarkerException",
    );
  });

  it("lists only the signing region's keys", async () => {
    const out = await sim.client(KMSClient, "eu-west-1").send(new ListKeysCommand({}));
    expect(out.Keys?.map((k) => k.KeyId)).toEqual(["bbbbbbbb-0000-4000-8000-000000000001"]);
  });
});

describe("KMS DescribeKey", () => {
  it("resolves a key id, key ARN, alias name and alias ARN to the same key", async () => {
    const refs = [K1, `arn:aws:kms:${R}:${A}:key/${K1}`, "alias/app", `arn:aws:kms:${R}:${A}:alias/app-2`];
    for (const KeyId of refs) {
      const out = await kms.send(new DescribeKeyCommand({ KeyId }));
      expect(out.KeyMetadata?.KeyId).toBe(K1);
    }
  });

  it("returns the metadata shape with dates as Date and hostile text intact", async () => {
    const m = (await kms.send(new DescribeKeyCommand({ KeyId: K1 }))).KeyMetadata;
    expect(m).toMatchObject({
      AWSAccountId: A,
      Arn: `arn:aws:kms:${R}:${A}:key/${K1}`,
      Description: HOSTILE,
      Enabled: true,
      KeyManager: "CUSTOMER",
      KeySpec: "SYMMETRIC_DEFAULT",
      KeyUsage: "ENCRYPT_DECRYPT",
      KeyState: "Enabled",
      Origin: "AWS_KMS",
      EncryptionAlgorithms: ["SYMMETRIC_DEFAULT"],
      MultiRegion: false,
    });
    expect(m?.CreationDate).toBeInstanceOf(Date);
  });

  it("reports pending deletion with DeletionDate", async () => {
    const m = (await kms.send(new DescribeKeyCommand({ KeyId: "aaaaaaaa-0000-4000-8000-000000000006" })))
      .KeyMetadata;
    expect(m?.KeyState).toBe("PendingDeletion");
    expect(m?.DeletionDate?.toISOString()).toBe("2030-01-01T00:00:00.000Z");
    expect(m?.PendingDeletionWindowInDays).toBe(30);
  });

  it("answers NotFoundException for unknown keys, aliases and other regions", async () => {
    for (const KeyId of [
      "ffffffff-0000-4000-8000-000000000000",
      "alias/nope",
      "alias/aws/dynamodb", // predefined, but no key behind it yet
      `arn:aws:kms:eu-west-1:${A}:key/${K1}`,
    ]) {
      const e = await sdkError(kms.send(new DescribeKeyCommand({ KeyId })));
      expect(e.name).toBe("NotFoundException");
      expect(e.status).toBe(400);
    }
  });

  it("denies another account's key by ARN", async () => {
    const KeyId = `arn:aws:kms:${R}:${B}:key/cccccccc-0000-4000-8000-000000000001`;
    expect((await sdkError(kms.send(new DescribeKeyCommand({ KeyId })))).name).toBe("AccessDeniedException");
  });
});

describe("KMS GetKeyPolicy", () => {
  it("serves a malformed policy verbatim", async () => {
    const out = await kms.send(new GetKeyPolicyCommand({ KeyId: "aaaaaaaa-0000-4000-8000-000000000002" }));
    expect(out.Policy).toBe(MALFORMED);
    expect(out.PolicyName).toBe("default");
  });

  it("serves the default policy as JSON and refuses other policy names", async () => {
    const out = await kms.send(new GetKeyPolicyCommand({ KeyId: K1, PolicyName: "default" }));
    expect(() => JSON.parse(out.Policy ?? "") as unknown).not.toThrow();
    const e = await sdkError(kms.send(new GetKeyPolicyCommand({ KeyId: K1, PolicyName: "other" })));
    expect(e.name).toBe("NotFoundException");
  });
});

describe("KMS GetKeyRotationStatus", () => {
  it("reports enabled rotation with its period", async () => {
    const out = await kms.send(new GetKeyRotationStatusCommand({ KeyId: K1 }));
    expect(out).toMatchObject({
      KeyRotationEnabled: true,
      RotationPeriodInDays: 180,
      KeyId: `arn:aws:kms:${R}:${A}:key/${K1}`,
    });
  });

  it("reports disabled rotation, and false for a key pending deletion", async () => {
    const off = await kms.send(
      new GetKeyRotationStatusCommand({ KeyId: "aaaaaaaa-0000-4000-8000-000000000002" }),
    );
    expect(off.KeyRotationEnabled).toBe(false);
    const pending = await kms.send(
      new GetKeyRotationStatusCommand({ KeyId: "aaaaaaaa-0000-4000-8000-000000000006" }),
    );
    expect(pending.KeyRotationEnabled).toBe(false);
  });

  it("reports AWS-managed keys as always rotating", async () => {
    const out = await kms.send(new GetKeyRotationStatusCommand({ KeyId: "alias/aws/ebs" }));
    expect(out).toMatchObject({ KeyRotationEnabled: true, RotationPeriodInDays: 365 });
  });

  it("answers UnsupportedOperationException for asymmetric, HMAC and imported keys", async () => {
    for (const n of [3, 4, 5]) {
      const e = await sdkError(
        kms.send(new GetKeyRotationStatusCommand({ KeyId: `aaaaaaaa-0000-4000-8000-00000000000${n}` })),
      );
      expect(e.name).toBe("UnsupportedOperationException");
    }
  });
});

describe("KMS ListAliases", () => {
  it("pages through key aliases and the predefined AWS aliases", async () => {
    const pages = await pagesOf(paginateListAliases({ client: kms, pageSize: 100 }, {}), (p) => p.Aliases);
    const aliases = pages.flat();
    const names = aliases.map((a) => a.AliasName);
    expect(new Set(names).size).toBe(names.length);
    expect(pages).toHaveLength(3);
    expect(names).toContain("alias/app");
    expect(names).toContain("alias/filler-249");
    const ebs = aliases.find((a) => a.AliasName === "alias/aws/ebs");
    expect(ebs?.TargetKeyId).toBe("aaaaaaaa-0000-4000-8000-000000000007");
    const dynamo = aliases.find((a) => a.AliasName === "alias/aws/dynamodb");
    expect(dynamo).toBeDefined();
    expect(dynamo?.TargetKeyId).toBeUndefined();
    expect(dynamo?.AliasArn).toBe(`arn:aws:kms:${R}:${A}:alias/aws/dynamodb`);
    // 2 + 1 + 250 key aliases, plus 13 predefined aliases without a key (alias/aws/ebs has one).
    expect(aliases).toHaveLength(253 + 13);
  });

  it("filters by KeyId", async () => {
    const out = await kms.send(
      new ListAliasesCommand({ KeyId: `arn:aws:kms:${R}:${A}:key/${K1}`, Limit: 1 }),
    );
    expect(out.Aliases?.map((a) => a.AliasName)).toEqual(["alias/app"]);
    expect(out.Truncated).toBe(true);
    const rest = await kms.send(new ListAliasesCommand({ KeyId: K1, Marker: out.NextMarker }));
    expect(rest.Aliases?.map((a) => a.AliasName)).toEqual(["alias/app-2"]);
    expect(rest.Truncated).toBe(false);
  });
});

describe("KMS ListResourceTags", () => {
  it("round-trips hostile tags", async () => {
    const out = await kms.send(new ListResourceTagsCommand({ KeyId: K1 }));
    expect(out.Tags).toEqual([{ TagKey: HOSTILE, TagValue: `"${HOSTILE}"` }]);
    expect(out.Truncated).toBe(false);
  });

  it("answers NotFoundException for an unknown key", async () => {
    const e = await sdkError(
      kms.send(new ListResourceTagsCommand({ KeyId: "ffffffff-0000-4000-8000-000000000000" })),
    );
    expect(e.name).toBe("NotFoundException");
  });
});

describe("KMS AccessDenied on one key", () => {
  it("denies GetKeyPolicy for one key only (resourceId is the KeyId)", async () => {
    const denied = worldFromDocument({
      accounts: [{ Id: A, regions: { [R]: { kmsKeys: [{ KeyId: K1 }, { KeyId: uuid(1) }] } } }],
      faults: { accessDenied: [{ service: "kms", operation: "GetKeyPolicy", resourceId: K1 }] },
    });
    await withSimulator({ world: denied, services: [kmsService] }, async (_sim, client) => {
      const c = client(KMSClient, R);
      const e = await sdkError(c.send(new GetKeyPolicyCommand({ KeyId: `arn:aws:kms:${R}:${A}:key/${K1}` })));
      expect(e.name).toBe("AccessDeniedException");
      await expect(c.send(new GetKeyPolicyCommand({ KeyId: uuid(1) }))).resolves.toBeDefined();
      await expect(c.send(new DescribeKeyCommand({ KeyId: K1 }))).resolves.toBeDefined();
    });
  });
});

describe("KMS with the shared test world", () => {
  it("round-trips the shared HOSTILE string and serves every key kind", async () => {
    await withSimulator({ world: testWorld(), services: [kmsService] }, async (_sim, client) => {
      const c = client(KMSClient);
      const keys = (await c.send(new ListKeysCommand({}))).Keys ?? [];
      expect(keys).toHaveLength(4);
      const first = keys[0]?.KeyId ?? "";
      expect((await c.send(new DescribeKeyCommand({ KeyId: first }))).KeyMetadata?.Description).toBe(
        SHARED_HOSTILE,
      );
      expect((await c.send(new ListResourceTagsCommand({ KeyId: first }))).Tags).toEqual([
        { TagKey: SHARED_HOSTILE, TagValue: SHARED_HOSTILE },
      ]);
      // Key 1 is pending deletion (rotation false), key 2 is RSA (unsupported), key 3 AWS-managed.
      const rotation = await Promise.all(
        keys.map((k) =>
          c.send(new GetKeyRotationStatusCommand({ KeyId: k.KeyId })).then(
            (r) => r.KeyRotationEnabled,
            (e: Error) => e.name,
          ),
        ),
      );
      expect(rotation).toEqual([true, false, "UnsupportedOperationException", true]);
    });
  });
});
