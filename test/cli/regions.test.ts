// A region dpscan does not know is bad usage with "did you mean", never a region silently
// "not enabled": on the command line, in AWS_REGION and in the settings file. Case-sensitive.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KNOWN_REGIONS, partitionOf, REGIONS_BY_PARTITION, regionProblem } from "../../src/aws/regions.js";
import { AWS_REGIONS } from "../../src/sim/world/defaults.js";
import { EXIT } from "../../src/util/errors.js";
import { runCli } from "../helpers/cli.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();

describe("region names", () => {
  it("scan --regions with an unknown or mis-cased region exits 2 before anything is stored", async () => {
    const db = join(tmp(), "r.db");
    const r = await runCli(["--db", db, "scan", "--regions", "us-east-9,US-EAST-1", "--no-config"]);
    expect(r.code).toBe(EXIT.badInput);
    expect(r.stderr).toBe('dpscan: --regions: unknown region "us-east-9" (did you mean "us-east-1"?)\n');
    const upper = await runCli(["--db", db, "scan", "--regions", "US-EAST-1", "--no-config"]);
    expect(upper.stderr).toBe('dpscan: --regions: unknown region "US-EAST-1" (did you mean "us-east-1"?)\n');
    const home = await runCli(["--db", db, "scan", "--region", "eu-westt-1", "--no-config"]);
    expect(home.stderr).toBe('dpscan: --region: unknown region "eu-westt-1" (did you mean "eu-west-1"?)\n');
    expect(existsSync(db)).toBe(false);
  });

  it("AWS_REGION is checked like the flag", async () => {
    const saved = process.env.AWS_REGION;
    process.env.AWS_REGION = "us-esat-1";
    try {
      const r = await runCli(["--db", join(tmp(), "e.db"), "scan", "--no-config"]);
      expect(r.code).toBe(EXIT.badInput);
      expect(r.stderr).toBe('dpscan: AWS_REGION: unknown region "us-esat-1" (did you mean "us-east-1"?)\n');
    } finally {
      if (saved === undefined) delete process.env.AWS_REGION;
      else process.env.AWS_REGION = saved;
    }
  });

  it("the settings file's regions are checked with file, line and column", async () => {
    const dir = tmp();
    const config = join(dir, "dpscan.config.yaml");
    writeFileSync(config, "regions: [us-east-1, eu-wset-1]\n");
    const r = await runCli(["--db", join(dir, "s.db"), "--config", config, "scan"]);
    expect(r.code).toBe(EXIT.badInput);
    expect(r.stderr).toContain(`${config}:1:22: regions[1]: "eu-wset-1" is not one of the`);
    expect(r.stderr).toContain('(did you mean "eu-west-1"?)');
  });

  it("one scan reaches one partition", async () => {
    const r = await runCli([
      "--db",
      join(tmp(), "p.db"),
      "scan",
      "--region",
      "us-east-1",
      "--regions",
      "us-east-1,us-gov-west-1",
      "--no-config",
    ]);
    expect(r.code).toBe(EXIT.badInput);
    expect(r.stderr).toContain("regions of different partitions cannot be scanned together");
  });

  it("the list is one per partition, and the simulator's regions are all in it", () => {
    expect(partitionOf("us-gov-west-1")).toBe("aws-us-gov");
    expect(partitionOf("cn-north-1")).toBe("aws-cn");
    expect(regionProblem("us-east-1")).toBe("");
    expect(new Set(KNOWN_REGIONS).size).toBe(KNOWN_REGIONS.length);
    for (const r of AWS_REGIONS) expect(REGIONS_BY_PARTITION.aws as readonly string[]).toContain(r);
  });
});
