// Calls no selected rule reads are not made: with --rule ebs-volume-unencrypted, no snapshot
// attributes, bucket policies or key rotation statuses are asked, and the fields say NotCollected.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { demoWorldPath } from "../../src/sim/world/demo.js";
import { loadWorldFile } from "../../src/sim/world/file.js";
import { asUnreadable } from "../../src/model/resource.js";
import { Store } from "../../src/store/store.js";
import { EXIT } from "../../src/util/errors.js";
import { demoOrgScan, runWithSimEnv, withSim } from "../helpers/scan.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();
const SKIPPED = [
  "DescribeSnapshotAttribute",
  "GetBucketPolicy",
  "GetPublicAccessBlock",
  "GetKeyRotationStatus",
];

async function scan(db: string, ...more: string[]): Promise<Record<string, number>> {
  return withSim(loadWorldFile(demoWorldPath()), async (sim) => {
    const r = await runWithSimEnv(sim, demoOrgScan(db, sim, "--quiet", ...more));
    expect(r.stderr).toBe("");
    expect([EXIT.ok, EXIT.incompleteCoverage, 3]).toContain(r.code);
    return Object.fromEntries(SKIPPED.map((operation) => [operation, sim.counters.calls({ operation })]));
  });
}

describe("facts no selected rule reads", () => {
  it("are not collected: no call, a NotCollected marker, and no coverage gap", async () => {
    const all = await scan(join(tmp(), "all.db"));
    for (const op of SKIPPED.filter((o) => o !== "GetPublicAccessBlock"))
      expect(all[op], op).toBeGreaterThan(0);
    // No shipped rule reads the public access block: it is never asked by default.
    expect(all.GetPublicAccessBlock).toBe(0);

    const db = join(tmp(), "one.db");
    const one = await scan(db, "--rule", "ebs-volume-unencrypted");
    for (const op of SKIPPED) expect(one[op], op).toBe(0);
    const s = new Store(db);
    try {
      const id = s.latestCompleteScan()!.id;
      const snapshot = [...s.iterateResources(id)].find(
        (r) => r.record.resourceType === "AWS::EC2::Snapshot",
      );
      expect(asUnreadable(snapshot!.record.supplementaryConfiguration.CreateVolumePermissions)).toMatchObject(
        {
          errorCode: "NotCollected",
        },
      );
      expect(s.coverage(id).filter((c) => SKIPPED.includes(c.operation))).toEqual([]);
    } finally {
      s.close();
    }
  });
});
