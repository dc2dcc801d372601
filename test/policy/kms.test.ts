import { describe, expect, it } from "vitest";
import { analyzeKeyPolicyWildcardGrants, worstClass } from "../../src/policy/index.js";
import { policy } from "./helpers.js";

const ACCOUNT = "111122223333";
const OTHER = "444455556666";
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;

const defaultStatement = {
  Sid: "Enable IAM User Permissions",
  Effect: "Allow",
  Principal: { AWS: ROOT },
  Action: "kms:*",
  Resource: "*",
};

const analyze = (doc: unknown, account = ACCOUNT) => analyzeKeyPolicyWildcardGrants(policy(doc), account);

describe("analyzeKeyPolicyWildcardGrants: no finding", () => {
  it("accepts the AWS default key policy", () => {
    const result = analyze({ Version: "2012-10-17", Id: "key-default-1", Statement: [defaultStatement] });
    expect(result).toEqual({ grants: [] });
  });

  it("accepts the default statement written with a bare account id or another partition", () => {
    expect(analyze({ Statement: { ...defaultStatement, Principal: { AWS: ACCOUNT } } }).grants).toEqual([]);
    const gov = { ...defaultStatement, Principal: { AWS: `arn:aws-us-gov:iam::${ACCOUNT}:root` } };
    expect(analyze({ Statement: gov }).grants).toEqual([]);
  });

  it("accepts the CDK default key policy (account root, kms:*)", () => {
    const cdk = {
      Statement: [
        { Action: "kms:*", Effect: "Allow", Principal: { AWS: ROOT }, Resource: "*" },
        {
          Action: ["kms:Decrypt", "kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/AppRole` },
          Resource: "*",
        },
      ],
      Version: "2012-10-17",
    };
    expect(analyze(cdk).grants).toEqual([]);
  });

  it("accepts the key policy the CloudTrail console creates", () => {
    const cloudtrail = {
      Version: "2012-10-17",
      Id: "Key policy created by CloudTrail",
      Statement: [
        {
          Sid: "Enable IAM User Permissions",
          Effect: "Allow",
          Principal: { AWS: [ROOT, `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/admin-user`] },
          Action: "kms:*",
          Resource: "*",
        },
        {
          Sid: "Allow CloudTrail to encrypt logs",
          Effect: "Allow",
          Principal: { Service: "cloudtrail.amazonaws.com" },
          Action: "kms:GenerateDataKey*",
          Resource: "*",
          Condition: {
            StringEquals: { "aws:SourceArn": `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/management` },
            StringLike: {
              "kms:EncryptionContext:aws:cloudtrail:arn": `arn:aws:cloudtrail:*:${ACCOUNT}:trail/*`,
            },
          },
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
            StringEquals: { "kms:CallerAccount": ACCOUNT },
            StringLike: {
              "kms:EncryptionContext:aws:cloudtrail:arn": `arn:aws:cloudtrail:*:${ACCOUNT}:trail/*`,
            },
          },
        },
        {
          Sid: "Allow alias creation during setup",
          Effect: "Allow",
          Principal: { AWS: "*" },
          Action: "kms:CreateAlias",
          Resource: "*",
          Condition: {
            StringEquals: { "kms:ViaService": "ec2.us-east-1.amazonaws.com", "kms:CallerAccount": ACCOUNT },
          },
        },
      ],
    };
    const result = analyze(cloudtrail);
    // Only the console user's session gets kms:*; AWS * statements grant a few actions, not all.
    expect(result.grants).toHaveLength(1);
    expect(result.grants[0]).toMatchObject({
      sid: "Enable IAM User Permissions",
      index: 0,
      principals: [{ type: "AWS", value: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/admin-user` }],
      public: false,
      crossAccount: false,
      class: "same-account-principal",
    });
  });

  it("does not flag narrow action lists even when public", () => {
    const doc = {
      Statement: { Effect: "Allow", Principal: "*", Action: ["kms:*crypt*", "kms:Create*"], Resource: "*" },
    };
    expect(analyze(doc).grants).toEqual([]);
  });
});

describe("analyzeKeyPolicyWildcardGrants: findings", () => {
  it.each([["*"], [{ AWS: "*" }], [{ AWS: ["*"] }]])(
    "flags kms:* to principal %j as public-unrestricted",
    (principal) => {
      const result = analyze({
        Statement: [
          defaultStatement,
          { Sid: "Open", Effect: "Allow", Principal: principal, Action: "kms:*", Resource: "*" },
        ],
      });
      expect(result.worst).toBe("public-unrestricted");
      expect(result.grants).toEqual([
        expect.objectContaining({
          sid: "Open",
          index: 1,
          public: true,
          restricted: false,
          class: "public-unrestricted",
        }),
      ]);
    },
  );

  it("classifies a wildcard grant with kms:CallerAccount as public-restricted", () => {
    // Shape CDK and AWS-managed keys use to open a key to their account via a service.
    const doc = {
      Statement: [
        defaultStatement,
        {
          Sid: "Allow access through any service for principals in the account",
          Effect: "Allow",
          Principal: { AWS: "*" },
          Action: "kms:*",
          Resource: "*",
          Condition: {
            StringEquals: { "kms:CallerAccount": ACCOUNT, "kms:ViaService": "s3.us-east-1.amazonaws.com" },
          },
        },
      ],
    };
    const result = analyze(doc);
    expect(result.worst).toBe("public-restricted");
    expect(result.grants[0]).toMatchObject({
      public: true,
      restricted: true,
      restrictingConditions: [
        { operator: "StringEquals", key: "kms:CallerAccount", values: [ACCOUNT] },
        { operator: "StringEquals", key: "kms:ViaService", values: ["s3.us-east-1.amazonaws.com"] },
      ],
    });
  });

  it("does not count a non-restricting condition as a restriction", () => {
    const doc = {
      Statement: {
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: "kms:*",
        Resource: "*",
        Condition: { Bool: { "aws:SecureTransport": "true" } },
      },
    };
    expect(analyze(doc).grants[0]).toMatchObject({ restricted: false, class: "public-unrestricted" });
  });

  it("flags another account's root as cross-account", () => {
    const doc = {
      Statement: {
        Sid: "X",
        Effect: "Allow",
        Principal: { AWS: [ROOT, OTHER] },
        Action: "kms:*",
        Resource: "*",
      },
    };
    const result = analyze(doc);
    expect(result.worst).toBe("cross-account");
    expect(result.grants[0]).toMatchObject({
      principals: [{ type: "AWS", value: OTHER }],
      crossAccount: true,
      accounts: [OTHER],
      public: false,
    });
  });

  it("flags a service principal given every kms action", () => {
    const doc = {
      Statement: {
        Effect: "Allow",
        Principal: { Service: "logs.amazonaws.com" },
        Action: "*",
        Resource: "*",
      },
    };
    expect(analyze(doc).worst).toBe("service");
  });

  it("flags kms:* through equivalent wildcards and NotAction", () => {
    const role = { AWS: `arn:aws:iam::${ACCOUNT}:role/Admin` };
    for (const actions of [
      { Action: "*" },
      { Action: "*:*" },
      { Action: "k*" },
      { Action: "KMS:*" },
      { NotAction: "s3:*" },
    ]) {
      const result = analyze({ Statement: { Effect: "Allow", Principal: role, ...actions, Resource: "*" } });
      expect(result.worst).toBe("same-account-principal");
    }
    const notDecrypt = analyze({
      Statement: { Effect: "Allow", Principal: role, NotAction: "kms:Decrypt", Resource: "*" },
    });
    expect(notDecrypt.grants).toEqual([]);
  });

  it("treats Allow with NotPrincipal as public", () => {
    const doc = {
      Statement: { Effect: "Allow", NotPrincipal: { AWS: ROOT }, Action: "kms:*", Resource: "*" },
    };
    const result = analyze(doc);
    expect(result.worst).toBe("public-unrestricted");
    expect(result.grants[0]).toMatchObject({
      notPrincipal: true,
      public: true,
      principals: [{ type: "AWS", value: ROOT }],
    });
  });

  it("reports the worst class across statements", () => {
    const doc = {
      Statement: [
        { Effect: "Allow", Principal: { AWS: OTHER }, Action: "kms:*", Resource: "*" },
        {
          Effect: "Allow",
          Principal: "*",
          Action: "kms:*",
          Resource: "*",
          Condition: { StringEquals: { "aws:PrincipalOrgID": "o-abc" } },
        },
      ],
    };
    const result = analyze(doc);
    expect(result.grants.map((g) => g.class)).toEqual(["cross-account", "public-restricted"]);
    expect(result.worst).toBe("public-restricted");
    expect(worstClass([])).toBeUndefined();
  });
});

describe("analyzeKeyPolicyWildcardGrants: Deny overrides Allow", () => {
  const open = { Sid: "Open", Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:*", Resource: "*" };

  it("cancels a public grant with an unconditioned Deny on everyone", () => {
    const doc = {
      Statement: [defaultStatement, open, { Effect: "Deny", Principal: "*", Action: "kms:*", Resource: "*" }],
    };
    expect(analyze(doc)).toEqual({ grants: [] });
  });

  it("keeps the grant when the Deny is conditioned", () => {
    const deny = {
      Effect: "Deny",
      Principal: "*",
      Action: "kms:*",
      Resource: "*",
      Condition: { StringNotEquals: { "kms:CallerAccount": ACCOUNT } },
    };
    expect(analyze({ Statement: [open, deny] }).worst).toBe("public-unrestricted");
  });

  it("keeps the grant when the Deny covers only some actions", () => {
    const deny = { Effect: "Deny", Principal: "*", Action: "kms:Decrypt", Resource: "*" };
    expect(analyze({ Statement: [open, deny] }).worst).toBe("public-unrestricted");
  });

  it("removes only the principals the Deny names", () => {
    const allow = {
      Effect: "Allow",
      Principal: { AWS: [OTHER, "999988887777"] },
      Action: "kms:*",
      Resource: "*",
    };
    const deny = {
      Effect: "Deny",
      Principal: { AWS: `arn:aws:iam::${OTHER}:root` },
      NotAction: "s3:*",
      Resource: "*",
    };
    const result = analyze({ Statement: [allow, deny] });
    expect(result.grants[0]?.principals).toEqual([{ type: "AWS", value: "999988887777" }]);
  });

  it("does not let a Deny on one account cancel a public grant", () => {
    const deny = { Effect: "Deny", Principal: { AWS: OTHER }, Action: "kms:*", Resource: "*" };
    expect(analyze({ Statement: [open, deny] }).worst).toBe("public-unrestricted");
  });
});

describe("analyzeKeyPolicyWildcardGrants: findings that must not hide", () => {
  const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  const publicAll = { Effect: "Allow", Principal: "*", Action: "kms:*", Resource: "*" };

  it("finds kms:* among many patterns that make an exhaustive search large", () => {
    const infixes = [
      "crypt",
      "Key",
      "Grant",
      "Alias",
      "Tag",
      "Policy",
      "Rotation",
      "Describe",
      "List",
      "Get",
      "Put",
      "Enable",
      "Disable",
      "Schedule",
    ];
    const actions = [...infixes.map((i) => `kms:*${i}*`), "kms:*"];
    expect(analyze({ Statement: [{ ...publicAll, Action: actions }] }).worst).toBe("public-unrestricted");
  });

  it("a Deny on another key, or with NotResource *, does not cancel the grant", () => {
    const denyOther = {
      Effect: "Deny",
      Principal: "*",
      Action: "kms:*",
      Resource: "arn:aws:kms:us-east-1:111122223333:key/other",
    };
    const denyNothing = { Effect: "Deny", Principal: "*", Action: "kms:*", NotResource: "*" };
    for (const deny of [denyOther, denyNothing]) {
      expect(
        analyzeKeyPolicyWildcardGrants(policy({ Statement: [publicAll, deny] }), ACCOUNT, KEY).worst,
      ).toBe("public-unrestricted");
    }
    const denyThis = { ...denyOther, Resource: KEY };
    expect(
      analyzeKeyPolicyWildcardGrants(policy({ Statement: [publicAll, denyThis] }), ACCOUNT, KEY).grants,
    ).toEqual([]);
    // Without the key's ARN only Resource "*" is known to apply.
    expect(analyze({ Statement: [publicAll, denyThis] }).worst).toBe("public-unrestricted");
    expect(analyze({ Statement: [publicAll, { ...denyOther, Resource: "*" }] }).grants).toEqual([]);
  });
});
