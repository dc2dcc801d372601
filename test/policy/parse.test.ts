import { describe, expect, it } from "vitest";
import { MAX_POLICY_BYTES, locateJsonError, parsePolicy } from "../../src/policy/index.js";
import { decodePolicyValue } from "../../src/policy/json.js";
import { repeatedKeyTexts } from "../helpers/repeated-keys.js";
import { parseError, policy } from "./helpers.js";

const ACCOUNT = "111122223333";

const simple = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "A",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: "kms:*",
      Resource: "*",
    },
  ],
};

describe("parsePolicy: input forms", () => {
  it("accepts an object", () => {
    const p = policy(simple);
    expect(p.version).toBe("2012-10-17");
    expect(p.statements).toHaveLength(1);
    expect(p.statements[0]).toMatchObject({
      index: 0,
      sid: "A",
      effect: "Allow",
      action: ["kms:*"],
      resource: ["*"],
    });
  });

  it("accepts JSON text, with surrounding whitespace", () => {
    expect(policy(`\n  ${JSON.stringify(simple)}  \n`)).toEqual(policy(simple));
  });

  it("accepts URL-encoded JSON as IAM and AWS Config return it", () => {
    const encoded = encodeURIComponent(JSON.stringify(simple));
    expect(encoded.startsWith("%7B%22Version%22")).toBe(true);
    expect(policy(encoded)).toEqual(policy(simple));
  });

  it("keeps + as a plus sign in URL-encoded policies", () => {
    const doc = {
      Statement: {
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: "arn:aws:s3:::b/a+b",
        Condition: { StringEquals: { "aws:username": "a+b c" } },
      },
    };
    const p = policy(encodeURIComponent(JSON.stringify(doc)));
    expect(p.statements[0]?.resource).toEqual(["arn:aws:s3:::b/a+b"]);
    expect(p.statements[0]?.condition["StringEquals"]?.["aws:username"]).toEqual(["a+b c"]);
  });

  it("accepts double URL-encoded JSON", () => {
    const twice = encodeURIComponent(encodeURIComponent(JSON.stringify(simple)));
    expect(twice.startsWith("%257B")).toBe(true);
    expect(policy(twice)).toEqual(policy(simple));
  });

  it("accepts JSON text inside a JSON string (stringified twice)", () => {
    expect(policy(JSON.stringify(JSON.stringify(simple)))).toEqual(policy(simple));
  });

  it("accepts a JSON string holding URL-encoded JSON", () => {
    expect(policy(JSON.stringify(encodeURIComponent(JSON.stringify(simple))))).toEqual(policy(simple));
  });

  it("gives up on text encoded too many times", () => {
    let text = JSON.stringify(simple);
    for (let i = 0; i < 5; i++) text = encodeURIComponent(text);
    expect(parseError(text)).toBe("policy is encoded too many times");
  });

  it("rejects a broken %-escape without throwing", () => {
    expect(parseError("%7B%22Version%22%3A%ZZ")).toMatch(/invalid %-escape/);
  });

  it.each([
    [undefined, "policy is missing"],
    [null, "policy is missing"],
    ["", "policy is empty"],
    ["   ", "policy is empty"],
    ["Version=2012-10-17", "policy text is neither JSON nor URL-encoded JSON"],
    [42, "policy must be a JSON object, got a number"],
    ["[1,2]", "policy must be a JSON object, got an array"],
  ])("rejects %j with a clear message", (input, message) => {
    expect(parseError(input)).toBe(message);
  });
});

describe("parsePolicy: size bound", () => {
  it("exports the 128 KiB bound", () => {
    expect(MAX_POLICY_BYTES).toBe(131072);
  });

  it("rejects a 50 MB policy string quickly, naming its size", () => {
    const prefix = '{"Statement":"';
    const suffix = '"}';
    const huge = prefix + "x".repeat(50 * 1024 * 1024 - prefix.length - suffix.length) + suffix;
    const started = performance.now();
    expect(parseError(huge)).toBe("policy is 52428800 bytes, over the 131072-byte limit");
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("counts bytes, not characters, for multi-byte text", () => {
    const text = `{"Id":"${"é".repeat(70_000)}","Statement":[]}`;
    expect(text.length).toBeLessThan(MAX_POLICY_BYTES);
    expect(parseError(text)).toMatch(/^policy is 1400\d\d bytes, over the 131072-byte limit$/);
  });

  it("accepts a policy just under the bound", () => {
    const text = `{"Id":"${"x".repeat(MAX_POLICY_BYTES - 40)}","Statement":[]}`;
    expect(parsePolicy(text).ok).toBe(true);
  });

  it("rejects an oversized in-memory object", () => {
    const doc = {
      Statement: { Effect: "Allow", Action: Array.from({ length: 20_000 }, (_, i) => `s3:Get${i}`) },
    };
    expect(parseError(doc)).toBe("policy is more than 131072 bytes, over the 131072-byte limit");
  });

  it("rejects a cyclic object instead of looping", () => {
    const doc: Record<string, unknown> = { Statement: [] };
    doc.self = doc;
    expect(parseError(doc)).toMatch(/over the 131072-byte limit/);
  });
});

describe("parsePolicy: malformed JSON", () => {
  it("reports the position of the error", () => {
    const text = '{"Statement": [ }';
    expect(text.indexOf("}")).toBe(16);
    expect(parseError(text)).toBe("invalid JSON at position 16: expected a value");
  });

  it("reports positions of common mistakes", () => {
    const text = '{"Version": "1", "Statement" []}';
    expect(parseError(text)).toBe("invalid JSON at position 29: expected ':' after property name");
    expect(parseError('{"Statement":[],"Id""x"}')).toBe(
      "invalid JSON at position 20: expected ':' after property name",
    );
    expect(parseError('{"Statement":[] , x}')).toBe(
      "invalid JSON at position 18: expected a double-quoted property name",
    );
    expect(parseError('{"Statement": [1,}')).toBe("invalid JSON at position 17: expected a value");
  });

  it("says when the position is in URL-decoded text", () => {
    expect(parseError(encodeURIComponent('{"Statement": [ }'))).toBe(
      "invalid JSON at position 16: expected a value (in the URL-decoded text)",
    );
  });

  it("reports truncated documents as ending early", () => {
    expect(parseError('{"Statement": [')).toBe("invalid JSON at position 15: unexpected end of input");
  });

  it.each([
    ['{"a":1}}', 7, "expected end of input"],
    ['{"a":1,}', 7, "expected a double-quoted property name"],
    ['{"a":"x\u0001"}', 7, "expected a valid string character or escape"],
    ['{"a":"\\q"}', 6, "expected a valid string character or escape"],
    ['{"a":tru}', 5, "expected a value"],
    ['{"a":[1 2]}', 8, "expected ',' or ']'"],
  ])("locates the error in %j", (text, position, problem) => {
    expect(parseError(text)).toBe(`invalid JSON at position ${position}: ${problem}`);
  });

  it("finds no error in valid JSON", () => {
    expect(
      locateJsonError(JSON.stringify({ a: [1, -2.5e3, true, null, "\u00e9\n\\"], b: {} })),
    ).toBeUndefined();
  });

  it("refuses a duplicate key: ambiguous (JSON.parse would keep the last; IAM rejects it)", () => {
    const doc = '{"Statement": [{"Effect": "Allow", "Effect": "Deny", "Action": "*", "Resource": "*"}]}';
    expect(parseError(doc)).toBe(
      'duplicate key "Effect" at position 35: AWS rejects such a policy, and which value counts is ambiguous',
    );
    // Escapes spell the same key; equal keys in different objects are fine.
    expect(parseError('{"Version": "1", "\u0056ersion": "2"}')).toMatch(/^duplicate key "Version"/);
    expect(
      parsePolicy('{"Statement": [{"Effect": "Deny", "Action": "*"}, {"Effect": "Allow", "Action": "*"}]}')
        .ok,
    ).toBe(true);
    // URL-encoded, as IAM returns it.
    expect(parseError(encodeURIComponent(doc))).toMatch(
      /^duplicate key "Effect" .* \(in the URL-decoded text\)$/,
    );
  });

  it("refuses exactly the repeated keys the character scan finds (generated texts)", () => {
    // The colon count clears a text first (src/json/members.ts); only texts it cannot clear are
    // scanned. Generated texts repeat keys often, spell them with escapes, hide colons in strings.
    let repeated = 0;
    for (const text of repeatedKeyTexts(77, 2000)) {
      const dup = locateJsonError(text);
      const got = decodePolicyValue(text);
      if (dup) {
        repeated++;
        expect(got, text).toEqual({
          ok: false,
          error: `${dup.problem} at position ${dup.position}: AWS rejects such a policy, and which value counts is ambiguous`,
        });
      } else expect(got, text).toEqual({ ok: true, value: JSON.parse(text) });
    }
    expect(repeated).toBeGreaterThan(500);
    // Deeper than the count goes: the scan decides, without a stack overflow.
    const deep = `{"a": ${"[".repeat(5000)}${"]".repeat(5000)}, "a": 1}`;
    expect(decodePolicyValue(deep)).toMatchObject({
      ok: false,
      error: /^duplicate key "a" at position 10007/,
    });
    expect(decodePolicyValue(`{"a": ${"[".repeat(5000)}${"]".repeat(5000)}}`).ok).toBe(true);
  });

  it("does not overflow the stack on deep nesting", () => {
    const deep = "[".repeat(40_000) + "]".repeat(39_999);
    expect(parseError(deep)).toBe(`invalid JSON at position ${deep.length}: unexpected end of input`);
  });
});

describe("parsePolicy: statements", () => {
  it("turns a single Statement object into a one-element array", () => {
    const p = policy({ Statement: { Effect: "Deny", Action: "s3:*", Resource: "*" } });
    expect(p.statements).toEqual([
      { index: 0, effect: "Deny", action: ["s3:*"], resource: ["*"], condition: {} },
    ]);
  });

  it("keeps Sid and index for evidence", () => {
    const p = policy({
      Statement: [
        { Effect: "Allow", Action: "s3:GetObject" },
        { Sid: "Second", Effect: "Deny", NotAction: ["s3:*", "kms:*"], NotResource: "arn:aws:s3:::b" },
      ],
    });
    expect(p.statements[1]).toMatchObject({
      index: 1,
      sid: "Second",
      notAction: ["s3:*", "kms:*"],
      notResource: ["arn:aws:s3:::b"],
    });
    expect(p.statements[0]?.sid).toBeUndefined();
  });

  it("treats a document without Statement as granting nothing", () => {
    expect(policy({ Version: "2012-10-17" }).statements).toEqual([]);
    expect(policy({ Statement: [] }).statements).toEqual([]);
  });

  it.each([
    [{ Statement: 3 }, "Statement must be an object or an array, got a number"],
    [{ Statement: "Allow" }, "Statement must be an object or an array, got a string"],
    [{ Statement: [{ Action: "s3:*" }] }, "Statement[0].Effect is missing"],
    [
      { Statement: [{ Effect: "Allow", Action: "*" }, {}, { Effect: "allow", Action: "*" }] },
      "Statement[1].Effect is missing",
    ],
    [
      {
        Statement: [
          { Effect: "Allow", Action: "*" },
          { Effect: "Allow", Action: "*" },
          { Effect: "Permit", Action: "*" },
        ],
      },
      "Statement[2].Effect must be Allow or Deny",
    ],
    [{ Statement: [null] }, "Statement[0] must be an object, got null"],
    [{ Statement: { Effect: "Allow" } }, "Statement[0] must have Action or NotAction"],
    [
      { Statement: { Effect: "Allow", Action: "*", NotAction: "s3:*" } },
      "Statement[0] has both Action and NotAction",
    ],
    [
      { Statement: { Effect: "Allow", Action: ["s3:GetObject", 7] } },
      "Statement[0].Action[1] must be a string, got a number",
    ],
    [
      { Statement: { Effect: "Allow", Action: "*", Resource: { arn: "x" } } },
      "Statement[0].Resource must be a string or an array of strings, got an object",
    ],
    [
      { Statement: { Effect: "Allow", Action: "*", Sid: 5 } },
      "Statement[0].Sid must be a string, got a number",
    ],
    [
      { Statement: { Effect: "Allow", Action: "*", Principal: "arn:aws:iam::111122223333:root" } },
      'Statement[0].Principal must be "*" or an object, got a string',
    ],
    [
      { Statement: { Effect: "Allow", Action: "*", Principal: { User: "bob" } } },
      "Statement[0].Principal has unknown principal type 'User'",
    ],
    [
      { Statement: { Effect: "Allow", Action: "*", Principal: {} } },
      "Statement[0].Principal names no principal",
    ],
    [
      { Statement: { Effect: "Allow", Action: "*", Principal: "*", NotPrincipal: "*" } },
      "Statement[0] has both Principal and NotPrincipal",
    ],
    [
      { Statement: { Effect: "Allow", Action: "*", Condition: { Bool: "true" } } },
      "Statement[0].Condition.Bool must be an object, got a string",
    ],
    [
      { Statement: { Effect: "Allow", Action: "*", Condition: { Bool: { "aws:SecureTransport": null } } } },
      "Statement[0].Condition.Bool.aws:SecureTransport must be a string, number or boolean, got null",
    ],
  ])("rejects wrong types: %j", (doc, message) => {
    expect(parseError(doc)).toBe(message);
  });

  it("keeps prototype-looking keys as data", () => {
    const p = policy(
      '{"Statement":{"Effect":"Allow","Action":"*","Condition":{"__proto__":{"constructor":"x"}}}}',
    );
    const condition = p.statements[0]?.condition ?? {};
    expect(Object.keys(condition)).toEqual(["__proto__"]);
    expect(condition["__proto__"]?.["constructor"]).toEqual(["x"]);
  });
});

describe("parsePolicy: principals", () => {
  const principalOf = (principal: unknown) =>
    policy({ Statement: { Effect: "Allow", Action: "*", Principal: principal } }).statements[0]?.principal;

  it('normalizes "*"', () => {
    expect(principalOf("*")).toEqual([{ type: "*", value: "*" }]);
  });

  it('normalizes {"AWS": "*"}', () => {
    expect(principalOf({ AWS: "*" })).toEqual([{ type: "AWS", value: "*" }]);
  });

  it("normalizes an account id and a list of ARNs", () => {
    expect(principalOf({ AWS: ACCOUNT })).toEqual([{ type: "AWS", value: ACCOUNT }]);
    expect(
      principalOf({ AWS: [`arn:aws:iam::${ACCOUNT}:root`, "arn:aws:iam::444455556666:role/R"] }),
    ).toEqual([
      { type: "AWS", value: `arn:aws:iam::${ACCOUNT}:root` },
      { type: "AWS", value: "arn:aws:iam::444455556666:role/R" },
    ]);
  });

  it("normalizes mixed principal types", () => {
    expect(
      principalOf({
        AWS: ["*", ACCOUNT],
        Service: ["cloudtrail.amazonaws.com", "logs.us-east-1.amazonaws.com"],
        Federated: "cognito-identity.amazonaws.com",
        CanonicalUser: "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",
      }),
    ).toEqual([
      { type: "AWS", value: "*" },
      { type: "AWS", value: ACCOUNT },
      { type: "Service", value: "cloudtrail.amazonaws.com" },
      { type: "Service", value: "logs.us-east-1.amazonaws.com" },
      { type: "Federated", value: "cognito-identity.amazonaws.com" },
      { type: "CanonicalUser", value: "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be" },
    ]);
  });

  it("normalizes NotPrincipal separately from Principal", () => {
    const s = policy({ Statement: { Effect: "Deny", Action: "*", NotPrincipal: { AWS: ACCOUNT } } })
      .statements[0];
    expect(s?.notPrincipal).toEqual([{ type: "AWS", value: ACCOUNT }]);
    expect(s?.principal).toBeUndefined();
  });
});

describe("parsePolicy: conditions", () => {
  it("stringifies values and keeps keys as written", () => {
    const s = policy({
      Statement: {
        Effect: "Deny",
        Action: "s3:*",
        Condition: {
          Bool: { "AWS:SecureTransport": false },
          NumericLessThan: { "s3:TlsVersion": 1.2 },
          "ForAnyValue:StringLike": { "aws:PrincipalOrgPaths": ["o-a/r-b/*", "o-a/r-c/*"] },
        },
      },
    }).statements[0];
    expect(s?.condition).toEqual({
      Bool: { "AWS:SecureTransport": ["false"] },
      NumericLessThan: { "s3:TlsVersion": ["1.2"] },
      "ForAnyValue:StringLike": { "aws:PrincipalOrgPaths": ["o-a/r-b/*", "o-a/r-c/*"] },
    });
  });

  it("reads policies AWS Config returns URL-encoded with conditions intact", () => {
    const text =
      "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Sid%22%3A%22AllowSSLRequestsOnly%22%2C" +
      "%22Effect%22%3A%22Deny%22%2C%22Principal%22%3A%22*%22%2C%22Action%22%3A%22s3%3A*%22%2C%22Resource%22%3A%5B" +
      "%22arn%3Aaws%3As3%3A%3A%3Adoc-bucket%22%2C%22arn%3Aaws%3As3%3A%3A%3Adoc-bucket%2F*%22%5D%2C%22Condition%22" +
      "%3A%7B%22Bool%22%3A%7B%22aws%3ASecureTransport%22%3A%22false%22%7D%7D%7D%5D%7D";
    const s = policy(text).statements[0];
    expect(s).toMatchObject({
      sid: "AllowSSLRequestsOnly",
      effect: "Deny",
      principal: [{ type: "*", value: "*" }],
      resource: ["arn:aws:s3:::doc-bucket", "arn:aws:s3:::doc-bucket/*"],
    });
    expect(s?.condition).toEqual({ Bool: { "aws:SecureTransport": ["false"] } });
  });
});
