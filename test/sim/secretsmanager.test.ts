// Secrets Manager through the real @aws-sdk/client-secrets-manager against the simulator.
import { beforeAll, describe, expect, it } from "vitest";
import {
  BatchGetSecretValueCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  SecretsManagerClient,
  paginateListSecrets,
} from "@aws-sdk/client-secrets-manager";
import { NO_SECRET_VALUES, secretsManagerService } from "../../src/sim/services/secretsmanager.js";
import { worldFromDocument } from "../../src/sim/world/file.js";
import { useSimulator } from "./harness.js";
import { pagesOf, sdkError } from "../helpers/sim.js";

const A = "111111111111";
const R = "us-east-1";
const KEY = `arn:aws:kms:${R}:${A}:key/aaaaaaaa-0000-4000-8000-000000000001`;
const HOSTILE = `<script>alert("x")</script> & 'q' — ünïcødé 🔐`;
const FILLER = 205;

const world = worldFromDocument({
  accounts: [
    {
      Id: A,
      regions: {
        [R]: {
          kmsKeys: [{ KeyId: "aaaaaaaa-0000-4000-8000-000000000001" }],
          secrets: [
            {
              Name: "prod/db-password",
              Suffix: "AbC123",
              Description: HOSTILE,
              KmsKeyId: KEY,
              RotationEnabled: true,
              RotationLambdaARN: `arn:aws:lambda:${R}:${A}:function:rotate`,
              RotationRules: { AutomaticallyAfterDays: 30 },
              LastRotatedDate: "2026-10-01T03:00:00Z",
              Tags: [{ Key: HOSTILE, Value: `"${HOSTILE}"` }],
            },
            { Name: "never-rotated", Suffix: "XyZ789" },
            { Name: "scheduled-for-deletion", Suffix: "DeL000", DeletedDate: "2026-11-01T00:00:00Z" },
            ...Array.from({ length: FILLER }, (_, i) => ({ Name: `filler/${i}`, Suffix: "FiL000" })),
          ],
        },
      },
    },
  ],
});

const sim = useSimulator({ world, services: [secretsManagerService] });
let sm: SecretsManagerClient;
beforeAll(() => {
  sm = sim.client(SecretsManagerClient, R);
});

describe("Secrets Manager ListSecrets", () => {
  it("pages with NextToken through the SDK paginator and hides secrets pending deletion", async () => {
    const pages = await pagesOf(paginateListSecrets({ client: sm, pageSize: 100 }, {}), (p) => p.SecretList);
    const all = pages.flat();
    expect(pages).toHaveLength(3);
    expect(all).toHaveLength(FILLER + 2);
    expect(all.map((s) => s.Name)).not.toContain("scheduled-for-deletion");
  });

  it("returns rotation and key metadata, omitting RotationEnabled when rotation was never set", async () => {
    const out = await sm.send(new ListSecretsCommand({ MaxResults: 2 }));
    const [prod, plain] = out.SecretList ?? [];
    expect(prod).toMatchObject({
      ARN: `arn:aws:secretsmanager:${R}:${A}:secret:prod/db-password-AbC123`,
      Name: "prod/db-password",
      Description: HOSTILE,
      KmsKeyId: KEY,
      RotationEnabled: true,
      RotationRules: { AutomaticallyAfterDays: 30 },
      Tags: [{ Key: HOSTILE, Value: `"${HOSTILE}"` }],
    });
    expect(prod?.LastRotatedDate?.toISOString()).toBe("2026-10-01T03:00:00.000Z");
    expect(plain?.Name).toBe("never-rotated");
    expect(plain?.RotationEnabled).toBeUndefined();
    expect(plain?.KmsKeyId).toBeUndefined(); // the aws/secretsmanager key
    expect(out.NextToken).toBeTruthy();
  });

  it("includes planned deletions on request and supports name filters", async () => {
    const withDeleted = await sm.send(
      new ListSecretsCommand({
        IncludePlannedDeletion: true,
        Filters: [{ Key: "name", Values: ["scheduled"] }],
      }),
    );
    expect(withDeleted.SecretList?.map((s) => s.Name)).toEqual(["scheduled-for-deletion"]);
    expect(withDeleted.SecretList?.[0]?.DeletedDate).toBeInstanceOf(Date);
    const negated = await sm.send(
      new ListSecretsCommand({ Filters: [{ Key: "name", Values: ["!filler/"] }], MaxResults: 100 }),
    );
    expect(negated.SecretList?.map((s) => s.Name)).toEqual(["prod/db-password", "never-rotated"]);
  });

  it("rejects MaxResults > 100 and a foreign NextToken", async () => {
    expect((await sdkError(sm.send(new ListSecretsCommand({ MaxResults: 101 })))).name).toBe(
      "InvalidParameterException",
    );
    expect((await sdkError(sm.send(new ListSecretsCommand({ NextToken: "nope" })))).name).toBe(
      "InvalidNextTokenException",
    );
  });
});

describe("Secrets Manager DescribeSecret", () => {
  it("finds a secret by name, full ARN and partial ARN", async () => {
    for (const SecretId of [
      "prod/db-password",
      `arn:aws:secretsmanager:${R}:${A}:secret:prod/db-password-AbC123`,
      `arn:aws:secretsmanager:${R}:${A}:secret:prod/db-password`,
    ]) {
      const out = await sm.send(new DescribeSecretCommand({ SecretId }));
      expect(out.Name).toBe("prod/db-password");
      expect(out.RotationEnabled).toBe(true);
      expect(out.RotationLambdaARN).toBe(`arn:aws:lambda:${R}:${A}:function:rotate`);
    }
  });

  it("answers ResourceNotFoundException for unknown secrets and a wrong ARN suffix", async () => {
    for (const SecretId of ["nope", `arn:aws:secretsmanager:${R}:${A}:secret:prod/db-password-ZZZZZZ`]) {
      expect((await sdkError(sm.send(new DescribeSecretCommand({ SecretId })))).name).toBe(
        "ResourceNotFoundException",
      );
    }
  });
});

describe("Secrets Manager never serves secret values", () => {
  it("refuses GetSecretValue with AccessDeniedException, for existing and unknown secrets", async () => {
    for (const SecretId of ["prod/db-password", "never-rotated", "nope"]) {
      const e = await sdkError(sm.send(new GetSecretValueCommand({ SecretId })));
      expect(e.name).toBe("AccessDeniedException");
      expect(e.message).toBe(NO_SECRET_VALUES);
    }
  });

  it("refuses BatchGetSecretValue too", async () => {
    const e = await sdkError(sm.send(new BatchGetSecretValueCommand({ SecretIdList: ["prod/db-password"] })));
    expect(e.name).toBe("AccessDeniedException");
    expect(e.message).toBe("dpscan simulator never serves secret values");
  });

  it("holds no value anywhere in the world's secret shape", () => {
    const s = world.accounts.at(0).region(R)?.secrets.at(0);
    expect(s && Object.keys(s).some((k) => /secretstring|secretbinary|value/i.test(k))).toBe(false);
  });
});
