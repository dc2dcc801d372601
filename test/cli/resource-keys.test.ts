// Two records with different ARNs are two resources, whatever their resourceId; a true duplicate
// within a scan is judged once and reported, never dropped without a trace.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { worldFromDocument } from "../../src/sim/world/file.js";
import { Store } from "../../src/store/store.js";
import { EXIT } from "../../src/util/errors.js";
import { runCli } from "../helpers/cli.js";
import { runWithSimEnv, withSim } from "../helpers/scan.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();
const ACCOUNT = "111111111111";

describe("resource keys", () => {
  it("an endpoint giving every RDS instance the same DbiResourceId loses none of them", async () => {
    const instances = Array.from({ length: 12 }, (_, i) => ({
      DBInstanceIdentifier: `db-${i}`,
      DbiResourceId: "db-SAMEFOREVERYINSTANCE000000",
      StorageEncrypted: i % 3 !== 0,
    }));
    const world = worldFromDocument(
      { accounts: [{ Id: ACCOUNT, regions: { "us-east-1": { rdsInstances: instances } } }] },
      "same-dbi",
    );
    const db = join(tmp(), "rds.db");
    await withSim(world, async (sim) => {
      const r = await runWithSimEnv(sim, [
        "--db",
        db,
        "scan",
        "--services",
        "rds",
        "--regions",
        "us-east-1",
        "--quiet",
        "--no-config",
        "--endpoint-url",
        sim.endpoint,
      ]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(EXIT.ok);
    });
    const s = new Store(db);
    try {
      const scan = s.latestCompleteScan()!;
      expect(s.countResources(scan.id)).toEqual([{ resourceType: "AWS::RDS::DBInstance", count: 12 }]);
      const fails = s.queryFindings(scan.id, { statuses: ["FAIL"], ruleIds: ["rds-instance-unencrypted"] });
      expect(fails.map((f) => f.arn).sort()).toEqual(
        [0, 3, 6, 9].map((i) => `arn:aws:rds:us-east-1:${ACCOUNT}:db:db-${i}`).sort(),
      );
      expect(scan.summary).toMatchObject({ duplicates: { resources: 0, copies: 0 } });
    } finally {
      s.close();
    }
  });

  it("a record received twice is judged once on its newest capture, counted and named", async () => {
    const dir = tmp();
    const volume = (encrypted: boolean, captured: string) => ({
      resourceType: "AWS::EC2::Volume",
      resourceId: "vol-0dup",
      arn: `arn:aws:ec2:us-east-1:${ACCOUNT}:volume/vol-0dup`,
      awsAccountId: ACCOUNT,
      awsRegion: "us-east-1",
      configurationItemCaptureTime: captured,
      configuration: { encrypted, size: 8 },
    });
    const input = join(dir, "dup.json");
    writeFileSync(
      input,
      JSON.stringify([
        volume(false, "2026-11-02T00:00:00.000Z"),
        volume(true, "2026-10-01T00:00:00.000Z"), // older: does not replace the newer record
        {
          ...volume(true, "2026-11-01T00:00:00.000Z"),
          arn: `arn:aws:ec2:eu-west-1:${ACCOUNT}:volume/vol-0dup`,
        },
      ]),
    );
    const db = join(dir, "dup.db");
    const r = await runCli(["--db", db, "evaluate", "--input", input]);
    expect(r.code).toBe(EXIT.ok);
    // An input file holds captures over time: the older one is superseded, and said so (never silently).
    expect(r.stdout).toContain(
      "Superseded: 1 older or repeated item(s) of resources given more than once; each resource is judged on its newest capture.",
    );
    const s = new Store(db);
    try {
      const scan = s.latestCompleteScan()!;
      // Two ARNs are two resources; the duplicate of the first is one resource, judged FAIL (newest).
      expect(s.countResources(scan.id)).toEqual([{ resourceType: "AWS::EC2::Volume", count: 2 }]);
      const results = s
        .queryFindings(scan.id, { ruleIds: ["ebs-volume-unencrypted"] })
        .map((f) => `${f.status} ${f.arn}`)
        .sort();
      expect(results).toEqual([
        `FAIL arn:aws:ec2:us-east-1:${ACCOUNT}:volume/vol-0dup`,
        `PASS arn:aws:ec2:eu-west-1:${ACCOUNT}:volume/vol-0dup`,
      ]);
      expect(scan.summary).toMatchObject({ duplicates: { resources: 0, copies: 0 }, superseded: 1 });
    } finally {
      s.close();
    }
  });
});
