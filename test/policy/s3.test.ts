import { describe, expect, it } from "vitest";
import { analyzeSecureTransport } from "../../src/policy/index.js";
import { policy } from "./helpers.js";

const BUCKET = "amzn-s3-demo-bucket";
const ARN = `arn:aws:s3:::${BUCKET}`;

// AWS's documented example (S3 user guide, "Enforce encryption in transit").
const documented = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "AllowSSLRequestsOnly",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [ARN, `${ARN}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
  ],
};

type Stmt = Record<string, unknown>;
const denyWith = (changes: Stmt, remove: string[] = []): unknown => {
  const s: Stmt = { ...documented.Statement[0], ...changes };
  for (const key of remove) delete s[key];
  return { Version: "2012-10-17", Statement: [s] };
};
const check = (doc: unknown, bucket = BUCKET) => analyzeSecureTransport(policy(doc), bucket);

describe("analyzeSecureTransport: enforced", () => {
  it("passes AWS's documented example", () => {
    const result = check(documented);
    expect(result.enforced).toBe(true);
    expect(result.statement).toEqual({ sid: "AllowSSLRequestsOnly", index: 0 });
    expect(result.reason).toContain("when aws:SecureTransport is false");
  });

  it("passes the documented example in URL-encoded form", () => {
    expect(check(encodeURIComponent(JSON.stringify(documented))).enforced).toBe(true);
  });

  it.each([
    ["JSON boolean false", { Condition: { Bool: { "aws:SecureTransport": false } } }],
    ['"FALSE" in capitals', { Condition: { Bool: { "aws:SecureTransport": "FALSE" } } }],
    ["BoolIfExists", { Condition: { BoolIfExists: { "aws:SecureTransport": "false" } } }],
    ["AWS:securetransport key case", { Condition: { Bool: { "AWS:securetransport": "false" } } }],
    ['Action "*"', { Action: "*" }],
    ['Action ["s3:*"]', { Action: ["s3:*"] }],
    ["NotAction excluding no s3 action", { NotAction: "iam:*" }],
    ['Principal {"AWS": "*"}', { Principal: { AWS: "*" } }],
    ["a wildcard resource covering bucket and objects", { Resource: `${ARN}*` }],
    ['Resource "*"', { Resource: "*" }],
    ["NotResource excluding neither", { NotResource: "arn:aws:s3:::other-bucket/*" }],
  ])("passes with %s", (_label, changes) => {
    const remove = "NotAction" in changes ? ["Action"] : "NotResource" in changes ? ["Resource"] : [];
    expect(check(denyWith(changes, remove)).enforced).toBe(true);
  });

  it("finds the enforcing statement among others", () => {
    const doc = {
      Statement: [
        {
          Sid: "Read",
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::111122223333:role/R" },
          Action: "s3:GetObject",
          Resource: `${ARN}/*`,
        },
        { ...documented.Statement[0], Sid: "TLS" },
      ],
    };
    expect(check(doc).statement).toEqual({ sid: "TLS", index: 1 });
  });

  it("uses the bucket's partition", () => {
    const cn = {
      Statement: {
        ...documented.Statement[0],
        Resource: [`arn:aws-cn:s3:::${BUCKET}`, `arn:aws-cn:s3:::${BUCKET}/*`],
      },
    };
    expect(analyzeSecureTransport(policy(cn), BUCKET, { partition: "aws-cn" }).enforced).toBe(true);
    expect(analyzeSecureTransport(policy(cn), BUCKET).enforced).toBe(false);
  });
});

describe("analyzeSecureTransport: not enforced", () => {
  it("fails when the objects are not covered", () => {
    const result = check(denyWith({ Resource: ARN }));
    expect(result.enforced).toBe(false);
    expect(result.reason).toContain(`does not cover ${ARN}/*`);
    expect(result.candidates).toEqual([{ sid: "AllowSSLRequestsOnly", index: 0, problem: result.reason }]);
  });

  it("fails when the bucket itself is not covered", () => {
    expect(check(denyWith({ Resource: `${ARN}/*` })).reason).toContain(`does not cover ${ARN};`);
  });

  it("fails when only a prefix of the objects is covered", () => {
    expect(check(denyWith({ Resource: [ARN, `${ARN}/private/*`] })).enforced).toBe(false);
  });

  it("fails for another bucket's ARN", () => {
    expect(check(documented, "other-bucket").enforced).toBe(false);
  });

  it("fails when NotResource excludes the objects", () => {
    expect(check(denyWith({ NotResource: `${ARN}/public/*` }, ["Resource"])).enforced).toBe(false);
  });

  it("fails when only s3:GetObject is denied", () => {
    const result = check(denyWith({ Action: "s3:GetObject" }));
    expect(result.enforced).toBe(false);
    expect(result.reason).toContain("only for s3:GetObject");
    expect(result.reason).toContain('"Action": "s3:*"');
  });

  it("fails when NotAction excludes some s3 actions", () => {
    expect(check(denyWith({ NotAction: "s3:GetObject" }, ["Action"])).reason).toContain(
      "all actions except s3:GetObject",
    );
  });

  it("fails when the principal is limited to an account", () => {
    const result = check(denyWith({ Principal: { AWS: "arn:aws:iam::111122223333:root" } }));
    expect(result.enforced).toBe(false);
    expect(result.reason).toContain("only some principals");
  });

  it("fails with NotPrincipal", () => {
    const result = check(
      denyWith({ NotPrincipal: { AWS: "arn:aws:iam::111122223333:root" } }, ["Principal"]),
    );
    expect(result.reason).toContain("NotPrincipal");
  });

  it("fails when an extra condition narrows the Deny, and says which", () => {
    const result = check(
      denyWith({
        Condition: { Bool: { "aws:SecureTransport": "false" }, StringEquals: { "aws:SourceVpc": "vpc-1" } },
      }),
    );
    expect(result.enforced).toBe(false);
    expect(result.reason).toContain("StringEquals aws:SourceVpc");
  });

  it("fails when the condition tests true rather than false", () => {
    expect(check(denyWith({ Condition: { Bool: { "aws:SecureTransport": "true" } } })).enforced).toBe(false);
  });

  it("fails for an Allow conditioned on aws:SecureTransport true, and says why", () => {
    const doc = {
      Statement: {
        Effect: "Allow",
        Principal: "*",
        Action: "s3:GetObject",
        Resource: `${ARN}/*`,
        Condition: { Bool: { "aws:SecureTransport": "true" } },
      },
    };
    const result = check(doc);
    expect(result.enforced).toBe(false);
    expect(result.reason).toContain("an Allow does not stop other grants");
  });

  it("fails for a TLS-version-only Deny but mentions it", () => {
    const doc = {
      Statement: {
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [ARN, `${ARN}/*`],
        Condition: { NumericLessThan: { "s3:TlsVersion": 1.2 } },
      },
    };
    const result = check(doc);
    expect(result.enforced).toBe(false);
    expect(result.reason).toContain("s3:TlsVersion");
    expect(result.reason).toContain("plain HTTP");
  });

  it("fails for a policy without Statement", () => {
    const result = check({ Version: "2012-10-17" });
    expect(result).toMatchObject({ enforced: false, candidates: [] });
    expect(result.reason).toContain("no statements");
  });

  it("fails when nothing mentions transport, and tells how to fix it", () => {
    const result = check({
      Statement: { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `${ARN}/*` },
    });
    expect(result.enforced).toBe(false);
    expect(result.reason).toContain(`Add a statement that denies "s3:*" on ${ARN} and ${ARN}/*`);
  });
});
