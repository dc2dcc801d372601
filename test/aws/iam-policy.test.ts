import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { iamActionFor } from "../helpers/iam-actions.js";
import { scanPolicy } from "../../src/aws/scan-policy.js";
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
