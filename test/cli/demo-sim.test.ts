import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { DescribeRegionsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { worldFromFlags } from "../../src/cli/sim.js";
import { countResources } from "../../src/sim/world/generate.js";
import { UsageError } from "../../src/util/errors.js";
import { runCli } from "../helpers/cli.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();
const gen = { accounts: "3", regions: "2", scale: "10", seed: "7", port: "0" };

describe("dpscan demo", () => {
  it("scans the simulated organisation and shows findings and coverage gaps", async () => {
    const dir = tmp();
    const db = join(dir, "demo.db");
    const r = await runCli(["--db", db, "demo", "--out", join(dir, "reports")]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Simulated organisation: 3 accounts");
    expect(r.stdout).toMatch(/FAIL\s+critical\s+kms-key-policy-wildcard-grant/);
    expect(r.stdout).toMatch(/333333333333\s+us-east-1\s+secretsmanager\s+ListSecrets\s+denied/);
    expect(r.stdout).toContain("66 FAIL, 19 UNKNOWN,");
    // It ends with the four HTML compliance reports, each written where it says.
    const reports = [...r.stdout.matchAll(/^ {2}(\S+\.html) {2}\(/gm)].map((m) => m[1] as string);
    expect(reports.map((p) => basename(p)).sort()).toEqual([
      "gdpr.html",
      "hipaa.html",
      "pci-dss-4.0.html",
      "soc2.html",
    ]);
    for (const p of reports) expect(readFileSync(p, "utf8")).toMatch(/^<!doctype html>/);
    // The user's environment is left as it was.
    expect(process.env.AWS_ACCESS_KEY_ID).toBeUndefined();
    const again = await runCli(["--db", db, "findings", "--severity", "critical", "--format", "json"]);
    // The public KMS key (twice: public, and a wildcard grant to everyone), the public EBS
    // snapshot, the key pending deletion still in use, the disabled key whose dependents cannot all
    // be seen, and the two keys whose policies cannot be read (public or not: UNKNOWN).
    expect(JSON.parse(again.stdout)).toHaveLength(7);
  });
});

describe("dpscan sim", () => {
  it("builds the world it is asked for", () => {
    expect(worldFromFlags({ ...gen, demo: true }).accounts.size).toBe(3);
    const w = worldFromFlags({ ...gen, generate: true });
    expect(w.accounts.size).toBe(3);
    expect(countResources(w)).toBeGreaterThan(0);
    expect(() => worldFromFlags({ ...gen, demo: true, generate: true })).toThrow(UsageError);
    expect(() => worldFromFlags({ ...gen, generate: true, accounts: "0" })).toThrow(
      /--accounts must be a whole number/,
    );
    expect(() => worldFromFlags({ ...gen, world: "/nonexistent.yaml" })).toThrow(/nonexistent\.yaml/);
  });

  it("serves until interrupted and prints the environment to use", async () => {
    const chunks: string[] = [];
    const orig = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((c: string | Uint8Array) => {
      chunks.push(String(c));
      return true;
    }) as typeof process.stdout.write;
    let running: Promise<unknown>;
    try {
      running = runCliKeepingStdout([
        "sim",
        "--generate",
        "--accounts",
        "2",
        "--regions",
        "1",
        "--scale",
        "5",
      ]);
      while (!chunks.join("").includes("AWS_SECRET_ACCESS_KEY")) await new Promise((r) => setTimeout(r, 10));
    } finally {
      process.stdout.write = orig;
    }
    const text = chunks.join("");
    const endpoint = /AWS_ENDPOINT_URL=(\S+)/.exec(text)?.[1] ?? "";
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const client = new EC2Client({
      endpoint,
      region: "us-east-1",
      credentials: {
        accessKeyId: /AWS_ACCESS_KEY_ID=(\S+)/.exec(text)?.[1] ?? "",
        secretAccessKey: /AWS_SECRET_ACCESS_KEY=(\S+)/.exec(text)?.[1] ?? "",
      },
    });
    const regions = await client.send(new DescribeRegionsCommand({}));
    expect(regions.Regions?.length).toBeGreaterThan(0);
    client.destroy();
    process.emit("SIGINT");
    await running;
  });
});

/** runCli captures stdout itself; here the test captures it to read the endpoint while the server runs. */
async function runCliKeepingStdout(args: string[]): Promise<number> {
  const { main } = await import("../../src/cli/main.js");
  return main(["node", "dpscan", ...args]);
}
