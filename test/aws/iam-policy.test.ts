import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { iamActionFor } from "../helpers/iam-actions.js";
import { parse } from "yaml";
import { NEVER_ACTIONS, scanPolicy } from "../../src/aws/scan-policy.js";
import { renderTemplate } from "../../src/cli/iam-policy.js";
import { scannerActions } from "../../src/collect/registry.js";
import { loadDemoWorld } from "../../src/sim/world/demo.js";
import { runWithSimEnv, withSim } from "../helpers/scan.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();

interface Statement {
  Effect: string;
  Action: string[];
}

const shipped = JSON.parse(readFileSync("deploy/dpscan-readonly-policy.json", "utf8")) as {
  Statement: Statement[];
};
const allowed = new Set(shipped.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => s.Action));

// Actions a demo scan need not reach: fallbacks for older APIs or partial answers (a cluster
// parameter group that reports no value for its TLS parameter: its family's engine defaults).
const CONDITIONAL = new Set([
  "s3:GetBucketLocation",
  "rds:DescribeDBClusterParameterGroups",
  "rds:DescribeEngineDefaultClusterParameters",
  // Asked only when a selected rule reads the fact (no shipped rule does; custom rules may).
  "rds:DescribeDBSnapshotAttributes",
  "rds:DescribeDBClusterSnapshotAttributes",
  "s3:GetBucketPublicAccessBlock",
]);

describe("the shipped read-only IAM policy", () => {
  it("is exactly what the collectors declare (regenerate with `dpscan iam-policy`)", () => {
    expect(shipped).toEqual(scanPolicy(scannerActions()));
    expect([...allowed].sort()).toEqual(scannerActions());
  });

  it("matches the shipped CloudFormation scan role (regenerate with `dpscan iam-policy --cloudformation`)", () => {
    expect(readFileSync("deploy/dpscan-scan-role.yaml", "utf8")).toBe(renderTemplate());
  });

  it("allows every call a full scan makes (API and Config sources), and each allowed action is used", async () => {
    const called = await withSim(loadDemoWorld(), async (sim) => {
      const common = [
        "--role-name",
        "dpscan-audit",
        "--external-id",
        "dpscan-demo",
        "--quiet",
        "--no-config",
        "--endpoint-url",
        sim.endpoint,
      ];
      const api = await runWithSimEnv(sim, [
        "--db",
        join(tmp(), "p.db"),
        "scan",
        "--org",
        "--regions",
        "us-east-1,eu-west-1",
        ...common,
      ]);
      expect(api.code).toBe(0);
      const viaConfig = await runWithSimEnv(sim, [
        "--db",
        join(tmp(), "c.db"),
        "scan",
        "--source",
        "config",
        "--aggregator",
        "org-aggregator",
        "--enrich",
        ...common,
      ]);
      expect(viaConfig.stderr).toBe("");
      expect(viaConfig.code).toBe(0);
      return new Set(sim.counters.snapshot().rows.map((row) => iamActionFor(row.service, row.operation)));
    });
    expect([...called].filter((a) => !allowed.has(a))).toEqual([]);
    expect([...allowed].filter((a) => !called.has(a) && !CONDITIONAL.has(a))).toEqual([]);
    expect(called.has("secretsmanager:GetSecretValue")).toBe(false);
  });
});

/** IAM's action matching: case-insensitive, `*` any run, `?` one character. */
const matches = (pattern: string, action: string): boolean =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    "i",
  ).test(action);

describe("least privilege", () => {
  const denied = shipped.Statement.filter((s) => s.Effect === "Deny").flatMap((s) => s.Action);

  it("denies every data- and secret-reading action explicitly", () => {
    for (const a of [
      "s3:GetObject",
      "s3:GetObjectVersion",
      "ssm:GetParameter",
      "ssm:GetParameters",
      "ssm:GetParametersByPath",
      "ssm:GetParameterHistory",
      "dynamodb:GetItem",
      "dynamodb:Query",
      "dynamodb:Scan",
      "dynamodb:BatchGetItem",
      "rds-data:ExecuteStatement",
      "rds-data:BatchExecuteStatement",
      "kms:Decrypt",
      "kms:GenerateDataKey",
      "kms:GenerateDataKeyPair",
      "kms:GenerateDataKeyWithoutPlaintext",
      "kms:ReEncryptFrom",
      "kms:ReEncryptTo",
      "secretsmanager:GetSecretValue",
      "secretsmanager:BatchGetSecretValue",
    ])
      expect(
        denied.some((d) => matches(d, a)),
        a,
      ).toBe(true);
    expect(denied).toEqual([...NEVER_ACTIONS]);
  });

  it("allows no action it denies (the collectors never need one)", () => {
    expect([...allowed].filter((a) => denied.some((d) => matches(d, a)))).toEqual([]);
  });

  it("scopes AssumeRole to the organisation when its ID is given", async () => {
    const { runCli } = await import("../helpers/cli.js");
    const r = await runCli(["iam-policy", "--organization-id", "o-abcd123456"]);
    const policy = JSON.parse(r.stdout) as { Statement: { Sid: string; Condition?: unknown }[] };
    expect(policy.Statement.find((s) => s.Sid === "DpscanAssumeScanRole")?.Condition).toEqual({
      StringEquals: { "aws:ResourceOrgID": "o-abcd123456" },
    });
    expect((await runCli(["iam-policy", "--organization-id", "acme"])).code).toBe(2);
  });

  it("the member role: 1-hour sessions by default, the ExternalId and organisation required when configured", () => {
    const t = parse(readFileSync("deploy/dpscan-scan-role.yaml", "utf8")) as {
      Parameters: Record<string, { Default?: unknown; NoEcho?: boolean; AllowedPattern?: string }>;
      Resources: { ScanRole: { Properties: Record<string, unknown> } };
    };
    expect(t.Parameters.MaxSessionDuration?.Default).toBe(3600);
    expect(t.Resources.ScanRole.Properties.MaxSessionDuration).toEqual({ Ref: "MaxSessionDuration" });
    expect(t.Parameters.ExternalId).toMatchObject({ NoEcho: true });
    const pattern = new RegExp(t.Parameters.ExternalId?.AllowedPattern ?? "");
    expect(["", "dpscan-demo", "a:b/c=d@e"].every((v) => pattern.test(v))).toBe(true);
    expect(["x", "has space", "x".repeat(1225)].some((v) => pattern.test(v))).toBe(false);
    const trust = t.Resources.ScanRole.Properties.AssumeRolePolicyDocument as {
      Statement: { Condition: unknown }[];
    };
    // Every combination of the two optional parameters, resolved as CloudFormation would.
    const resolve = (v: unknown, ext: boolean, org: boolean): unknown => {
      if (Array.isArray(v)) return v.map((x) => resolve(x, ext, org));
      if (v && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if ("Fn::If" in o) {
          const [cond, yes, no] = o["Fn::If"] as [string, unknown, unknown];
          return resolve((cond === "HasExternalId" ? ext : org) ? yes : no, ext, org);
        }
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, resolve(x, ext, org)]));
      }
      return v;
    };
    const cond = trust.Statement[0]?.Condition;
    expect(resolve(cond, true, false)).toEqual({ StringEquals: { "sts:ExternalId": { Ref: "ExternalId" } } });
    expect(resolve(cond, true, true)).toEqual({
      StringEquals: {
        "sts:ExternalId": { Ref: "ExternalId" },
        "aws:PrincipalOrgID": { Ref: "OrganizationId" },
      },
    });
    expect(resolve(cond, false, true)).toEqual({
      StringEquals: { "aws:PrincipalOrgID": { Ref: "OrganizationId" } },
    });
    expect(resolve(cond, false, false)).toEqual({ Ref: "AWS::NoValue" });
  });
});

describe("dpscan iam-policy", () => {
  it("prints the shipped policy, for another partition too", async () => {
    const { runCli } = await import("../helpers/cli.js");
    const def = await runCli(["iam-policy"]);
    expect(JSON.parse(def.stdout)).toEqual(shipped);
    const gov = await runCli(["iam-policy", "--partition", "aws-us-gov", "--role-name", "audit"]);
    expect(gov.stdout).toContain('"arn:aws-us-gov:iam::*:role/audit"');
    expect((await runCli(["iam-policy", "--partition", "mars"])).code).toBe(2);
  });
});
