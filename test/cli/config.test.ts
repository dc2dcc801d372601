import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SCHEMAS } from "../../src/cli/schema.js";
import { loadSettingsFile, resolveScanOptions, settingsSchema } from "../../src/cli/scan-options.js";
import { SCAN_OPTIONS } from "../../src/model/scan-options.js";
import { InputError } from "../../src/util/errors.js";
import { runCli } from "../helpers/cli.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();

function write(text: string): string {
  const f = join(tmp(), "dpscan.config.yaml");
  writeFileSync(f, text);
  return f;
}

function linesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputError) return err.lines;
    throw err;
  }
  return [];
}

describe("scan configuration", () => {
  it("the published schemas are what the code generates", () => {
    for (const [name, make] of Object.entries(SCHEMAS)) {
      expect(JSON.parse(readFileSync(`schemas/${name}.schema.json`, "utf8")), name).toEqual(
        JSON.parse(JSON.stringify(make())),
      );
    }
  });

  it("the shipped example is valid", () => {
    expect(loadSettingsFile("dpscan.config.example.yaml").org).toBe(true);
  });

  it("reports unknown options and bad values with file, line and column", () => {
    const f = write(
      "org: true\nroleName: dpscan-audit\nregoins: [us-east-1]\nconcurrency: 0\naccounts: ['12']\n",
    );
    const lines = linesOf(() => loadSettingsFile(f));
    expect(lines).toContain(`${f}:3:1: regoins: unknown option "regoins" (did you mean "regions"?)`);
    expect(lines.some((l) => l.startsWith(`${f}:4:14: concurrency: must be >= 1`))).toBe(true);
    expect(lines.some((l) => l.startsWith(`${f}:5:12: accounts[0]: must match pattern`))).toBe(true);
  });

  it("flags override the file, and inconsistent options are usage errors", () => {
    const f = write("org: true\nroleName: from-file\nconcurrency: 8\nrates: { kms: { ratePerSecond: 5 } }\n");
    const { options } = resolveScanOptions({ config: f, roleName: "from-flag", rate: ["ec2=3/6"] }, {});
    expect(options.roleName).toBe("from-flag");
    expect(options.concurrency).toBe(8);
    expect(options.rates).toEqual({
      kms: { ratePerSecond: 5, burst: 10 },
      ec2: { ratePerSecond: 3, burst: 6 },
    });
    expect(options.region).toBe("us-east-1");
    expect(() => resolveScanOptions({ config: false, org: true }, {})).toThrow(/--org needs --role-name/);
    expect(() =>
      resolveScanOptions({ config: false, org: true, roleName: "r", accounts: "111111111111" }, {}),
    ).toThrow(/either --org or --accounts/);
    expect(() => resolveScanOptions({ config: false, rate: ["nope=1"] }, {})).toThrow(
      /--rate must look like/,
    );
    expect(() => resolveScanOptions({ config: false, source: "config" }, {})).toThrow(/needs --aggregator/);
  });

  it("--rate takes a service or one of its operations; --rate-share a fraction", () => {
    const { options } = resolveScanOptions(
      { config: false, rate: ["kms:DescribeKey=500", "rds=6/100"], rateShare: "0.5" },
      {},
    );
    expect(options.rates).toEqual({
      "kms:DescribeKey": { ratePerSecond: 500, burst: 1000 },
      rds: { ratePerSecond: 6, burst: 100 },
    });
    expect(options.rateShare).toBe(0.5);
    for (const bad of ["0", "1.5", "-0.1", "1e-1", "half"])
      expect(() => resolveScanOptions({ config: false, rateShare: bad }, {}), bad).toThrow(/--rate-share/);
    expect(() => resolveScanOptions({ config: false, rate: ["kms:describeKey=5"] }, {})).toThrow(
      /--rate must look like/,
    );
  });

  it("every option's default, flag and settings key come from the one table", async () => {
    const { options } = resolveScanOptions({ config: false }, {});
    for (const [key, spec] of Object.entries(SCAN_OPTIONS)) {
      if ("default" in spec) expect(options[key as keyof typeof options], key).toEqual(spec.default);
      else expect(options, key).not.toHaveProperty(key);
    }
    expect(resolveScanOptions({ config: false }, { AWS_REGION: "eu-west-2" }).options.region).toBe(
      "eu-west-2",
    );
    const settings = settingsSchema().properties as Record<string, unknown>;
    const help = (await runCli(["scan", "--help"])).stdout;
    for (const [key, spec] of Object.entries(SCAN_OPTIONS)) {
      if ("settings" in spec && spec.settings === false) expect(settings, key).not.toHaveProperty(key);
      else expect(settings, key).toHaveProperty(key);
      if ("flag" in spec) expect(help, key).toContain(spec.flag);
    }
  });

  it("a broken config file stops `dpscan scan` with exit 2 before anything is stored", async () => {
    const f = write("roleName: [not, a, string]\n");
    const r = await runCli(["--db", join(tmp(), "x.db"), "scan", "--config", f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${f}:1:11: roleName: must be string`);
  });
});
