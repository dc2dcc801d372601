import { describe, expect, it } from "vitest";
import { statementsAllowing } from "../../src/policy/index.js";
import { policy } from "./helpers.js";

const ALL_KEYS = "arn:aws:kms:*:*:key/*";
const decryptAllKeys = { action: "kms:Decrypt", resource: ALL_KEYS };

describe("statementsAllowing", () => {
  it("finds an identity policy allowing kms:Decrypt on all keys", () => {
    const doc = {
      Statement: [
        { Sid: "S3", Effect: "Allow", Action: "s3:GetObject", Resource: "*" },
        { Sid: "Kms", Effect: "Allow", Action: ["kms:Decrypt", "kms:Encrypt"], Resource: "*" },
      ],
    };
    expect(statementsAllowing(policy(doc), decryptAllKeys)).toEqual([
      { sid: "Kms", index: 1, conditioned: false, limitedBy: [] },
    ]);
  });

  it("matches wildcard actions and key ARN wildcards", () => {
    const doc = {
      Statement: { Effect: "Allow", Action: "kms:*crypt*", Resource: "arn:aws:kms:*:111122223333:*" },
    };
    expect(
      statementsAllowing(policy(doc), {
        action: "kms:Decrypt",
        resource: "arn:aws:kms:*:111122223333:key/*",
      }),
    ).toHaveLength(1);
    expect(statementsAllowing(policy(doc), decryptAllKeys)).toEqual([]);
  });

  it("does not report grants on specific keys as all keys", () => {
    const doc = {
      Statement: {
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: "arn:aws:kms:us-east-1:111122223333:key/1234abcd",
      },
    };
    expect(statementsAllowing(policy(doc), decryptAllKeys)).toEqual([]);
    expect(
      statementsAllowing(policy(doc), {
        action: "kms:Decrypt",
        resource: "arn:aws:kms:us-east-1:111122223333:key/1234abcd",
      }),
    ).toHaveLength(1);
  });

  it("handles NotAction grants", () => {
    const doc = { Statement: { Effect: "Allow", NotAction: ["iam:*", "organizations:*"], Resource: "*" } };
    expect(statementsAllowing(policy(doc), decryptAllKeys)).toHaveLength(1);
  });

  it("drops grants cancelled by an unconditioned Deny", () => {
    const doc = {
      Statement: [
        { Effect: "Allow", Action: "kms:*", Resource: "*" },
        { Sid: "NoDecrypt", Effect: "Deny", Action: "kms:Decrypt", Resource: "*" },
      ],
    };
    expect(statementsAllowing(policy(doc), decryptAllKeys)).toEqual([]);
    expect(statementsAllowing(policy(doc), { action: "kms:Encrypt", resource: ALL_KEYS })).toHaveLength(1);
  });

  it("reports conditioned or partial Denies as limits instead", () => {
    const doc = {
      Statement: [
        {
          Effect: "Allow",
          Action: "kms:Decrypt",
          Resource: "*",
          Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
        },
        {
          Sid: "Mfa",
          Effect: "Deny",
          Action: "kms:*",
          Resource: "*",
          Condition: { Bool: { "aws:MultiFactorAuthPresent": "false" } },
        },
        {
          Sid: "OneRegion",
          Effect: "Deny",
          Action: "kms:Decrypt",
          Resource: "arn:aws:kms:eu-west-1:*:key/*",
        },
      ],
    };
    expect(statementsAllowing(policy(doc), decryptAllKeys)).toEqual([
      {
        index: 0,
        conditioned: true,
        limitedBy: [
          { sid: "Mfa", index: 1 },
          { sid: "OneRegion", index: 2 },
        ],
      },
    ]);
  });

  it("compares principals in resource policies", () => {
    const doc = {
      Statement: [
        {
          Sid: "Public",
          Effect: "Allow",
          Principal: "*",
          Action: "s3:GetObject",
          Resource: "arn:aws:s3:::b/*",
        },
        {
          Sid: "DenyOne",
          Effect: "Deny",
          Principal: { AWS: "111122223333" },
          Action: "s3:GetObject",
          Resource: "arn:aws:s3:::b/*",
        },
      ],
    };
    const result = statementsAllowing(policy(doc), {
      action: "s3:GetObject",
      resource: "arn:aws:s3:::b/secret.txt",
    });
    expect(result).toEqual([
      {
        sid: "Public",
        index: 0,
        principal: [{ type: "*", value: "*" }],
        conditioned: false,
        limitedBy: [{ sid: "DenyOne", index: 1 }],
      },
    ]);
    const allDenied = policy({ Statement: [doc.Statement[0], { ...doc.Statement[1], Principal: "*" }] });
    expect(
      statementsAllowing(allDenied, { action: "s3:GetObject", resource: "arn:aws:s3:::b/secret.txt" }),
    ).toEqual([]);
  });

  it("ignores resources when the query names none", () => {
    const doc = {
      Statement: { Effect: "Allow", Action: "kms:Decrypt", Resource: "arn:aws:kms:us-east-1:1:key/k" },
    };
    expect(statementsAllowing(policy(doc), { action: "KMS:decrypt" })).toHaveLength(1);
  });
});
