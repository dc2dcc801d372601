// `--profile NAME` means exactly what AWS_PROFILE=NAME means: the profile's credentials, region
// and endpoint_url (S3 path-style included), with a temporary shared config and credentials file
// pointing at the simulator, and nothing of the kind in the environment.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadDemoWorld } from "../../src/sim/world/demo.js";
import { Store } from "../../src/store/store.js";
import { EXIT } from "../../src/util/errors.js";
import { runWithEnv as runWith, withSim } from "../helpers/scan.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();

/** Variables the SDK reads; cleared for the run, so only the files can speak. */
const AWS_ENV = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
  "AWS_PROFILE",
  "AWS_ENDPOINT_URL",
  "AWS_CONFIG_FILE",
  "AWS_SHARED_CREDENTIALS_FILE",
];
const runWithEnv = (env: Record<string, string>, args: string[]) => runWith(env, args, AWS_ENV);

describe("--profile", () => {
  it("takes the profile's credentials, region and endpoint_url, as AWS_PROFILE does", async () => {
    const dir = tmp();
    await withSim(loadDemoWorld(), async (sim) => {
      const config = join(dir, "config");
      const credentials = join(dir, "credentials");
      writeFileSync(config, `[profile sim]\nregion = eu-west-1\nendpoint_url = ${sim.endpoint}\n`);
      writeFileSync(
        credentials,
        `[sim]\naws_access_key_id = ${sim.credentials.accessKeyId}\naws_secret_access_key = ${sim.credentials.secretAccessKey}\n`,
      );
      const files = { AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials };
      for (const [name, how] of [
        ["flag", { env: files, args: ["--profile", "sim"] }],
        ["env", { env: { ...files, AWS_PROFILE: "sim" }, args: [] }],
      ] as const) {
        const db = join(dir, `${name}.db`);
        const before = sim.counters.calls();
        const r = await runWithEnv(how.env, [
          "--db",
          db,
          "scan",
          ...how.args,
          "--regions",
          "us-east-1,eu-west-1",
          "--services",
          "s3,kms",
          "--quiet",
          "--no-config",
        ]);
        expect(r.stderr, name).toBe("");
        expect(r.code, name).toBe(EXIT.ok);
        expect(sim.counters.calls() - before, name).toBeGreaterThan(0);
        const s = new Store(db);
        try {
          const scan = s.latestCompleteScan()!;
          // The home region (STS, discovery, global services) is the profile's.
          expect(scan.options.region, name).toBe("eu-west-1");
          // S3 answered through the profile's endpoint (path-style), so bucket rules judged buckets.
          expect(s.coverage(scan.id).filter((c) => c.status !== "ok" && c.status !== "skipped")).toEqual([]);
          expect(
            s.countResources(scan.id).find((t) => t.resourceType === "AWS::S3::Bucket")?.count,
          ).toBeGreaterThan(0);
        } finally {
          s.close();
        }
      }
    });
  });

  it("a profile region dpscan does not know is bad usage naming the profile", async () => {
    const dir = tmp();
    const config = join(dir, "config");
    writeFileSync(config, "[profile typo]\nregion = eu-wset-1\n");
    const r = await runWithEnv({ AWS_CONFIG_FILE: config }, [
      "--db",
      join(dir, "x.db"),
      "scan",
      "--profile",
      "typo",
      "--no-config",
    ]);
    expect(r.code).toBe(EXIT.badInput);
    expect(r.stderr).toBe(
      'dpscan: profile typo (region): unknown region "eu-wset-1" (did you mean "eu-west-1"?)\n',
    );
  });
});
