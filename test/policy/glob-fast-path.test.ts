// globIncluded answers literal queries and `prefix*` patterns without the subset search, and
// remembers what it searched: it must agree with the full search (globIncludedFully) everywhere.
import { describe, expect, it } from "vitest";
import { globIncluded, globIncludedFully } from "../../src/policy/glob.js";
import { loadRules } from "../../src/rules/loader.js";

const BUCKET = "arn:aws:s3:::payments-data";

/** Every string of the S3 rule's example policies' Action and Resource elements. */
function examplePatterns(): string[] {
  const rule = loadRules().find((r) => r.id === "s3-bucket-secure-transport-missing");
  const out = new Set<string>();
  for (const ex of rule?.examples ?? []) {
    const supp = ex.resource.supplementaryConfiguration as { BucketPolicy?: { policyText?: string | null } };
    const text = supp.BucketPolicy?.policyText;
    if (!text) continue;
    const doc = JSON.parse(text) as { Statement: Record<string, unknown>[] | Record<string, unknown> };
    for (const s of [doc.Statement].flat())
      for (const k of ["Action", "NotAction", "Resource", "NotResource"])
        for (const v of [s[k] ?? []].flat()) if (typeof v === "string") out.add(v);
  }
  return [...out];
}

const QUERIES = [
  BUCKET,
  `${BUCKET}/*`,
  `${BUCKET}/a/b.txt`,
  "arn:aws:s3:::payments-data-2/*",
  "arn:aws:s3:::PAYMENTS-DATA",
  "arn:aws:s3:::pay?ents-data/*",
  "arn:aws:s3:::*",
  "s3:*",
  "s3:GetObject",
  "S3:getobject",
  "s3:?*",
  "kms:?*",
  "*",
  "",
];

const PATTERNS = [
  BUCKET,
  `${BUCKET}/*`,
  `${BUCKET}*`,
  "arn:aws:s3:::payments-*",
  "arn:aws:s3:::payments-data/a/*",
  "arn:aws:s3:::*",
  "arn:aws:s3:::*/*",
  "arn:aws:s3:::payments?data",
  "arn:aws:s3:::payments?data/*",
  "arn:aws:s3:::*-data/*",
  "arn:aws:s3:::PAYMENTS-DATA/*",
  "s3:*",
  "S3:*",
  "s3:Get*",
  "s3:GetObject",
  "s3:*Object",
  "s3:?*",
  "*",
  "*:*",
  "?",
];

describe("globIncluded's fast path and memo", () => {
  const patterns = [...new Set([...PATTERNS, ...examplePatterns()])];
  const queries = [...new Set([...QUERIES, ...examplePatterns()])];
  // Single patterns, pairs, and the whole list, each asked twice (the second answer is the memo's).
  const sets = [
    ...patterns.map((p) => [p]),
    ...patterns.flatMap((p, i) => patterns.slice(i + 1, i + 4).map((q) => [p, q])),
    patterns,
  ];

  it("agrees with the full search on every query and pattern set, case-sensitive or not", () => {
    let compared = 0;
    for (const ic of [false, true])
      for (const q of queries)
        for (const set of sets)
          for (let round = 0; round < 2; round++) {
            expect(globIncluded(q, set, ic), `${q} in ${JSON.stringify(set)} (ignoreCase ${ic})`).toBe(
              globIncludedFully(q, set, ic),
            );
            compared++;
          }
    expect(compared).toBeGreaterThan(5000);
  });
});
