import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadDemoWorld } from "../../src/sim/world/demo.js";
import { Store } from "../../src/store/store.js";
import { withSim, runWithSimEnv } from "../helpers/scan.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();
const SHARED_KEY = "caa49f9e-0a7b-4480-a4db-557b682f0ba2";
const SCOPE = ["--role-name", "dpscan-audit", "--external-id", "dpscan-demo", "--regions", "us-east-1"];
const COMMON = ["--quiet", "--no-config", "--services", "kms,iam"];

function crossAccountMessage(db: string): string {
  const s = new Store(db);
  try {
    const scan = s.latestCompleteScan();
    if (!scan) throw new Error("no complete scan");
    const f = s
      .queryFindings(scan.id, { ruleIds: ["kms-key-policy-cross-account"] })
      .find((x) => x.resourceId === SHARED_KEY);
    if (!f) throw new Error("no finding for the shared key");
    return `${f.status} ${f.message}`;
  } finally {
    s.close();
  }
}

describe("kms-key-policy-cross-account trusts the organisation the scan knows", () => {
  it("--org records the organisation's accounts and trusts them; a scan of listed accounts does not", async () => {
    await withSim(loadDemoWorld(), async (sim) => {
      const dir = tmp();
      const orgDb = join(dir, "org.db");
      const listedDb = join(dir, "listed.db");
      const org = await runWithSimEnv(sim, [
        "--db",
        orgDb,
        "scan",
        "--org",
        ...SCOPE,
        ...COMMON,
        "--endpoint-url",
        sim.endpoint,
      ]);
      expect(org.stderr).toBe("");
      const listed = await runWithSimEnv(sim, [
        "--db",
        listedDb,
        "scan",
        "--accounts",
        "111111111111,222222222222,333333333333",
        ...SCOPE,
        ...COMMON,
        "--endpoint-url",
        sim.endpoint,
      ]);
      expect(listed.stderr).toBe("");

      // Inside the organisation: only the vendor outside it is reported.
      const inOrg = crossAccountMessage(orgDb);
      expect(inOrg).toMatch(/^FAIL .*444455556666/);
      expect(inOrg).not.toMatch(/333333333333/);
      // Without --org the scan does not know the organisation: the sibling account is reported too.
      expect(crossAccountMessage(listedDb)).toMatch(/^FAIL .*333333333333/);

      const s = new Store(orgDb);
      try {
        const scan = s.latestCompleteScan();
        if (!scan) throw new Error("no scan");
        const counts = s.countResources(scan.id);
        expect(counts.find((c) => c.resourceType === "AWS::Organizations::Account")?.count).toBe(3);
        const unit = s.coverage(scan.id).find((c) => c.service === "organizations");
        expect(unit).toMatchObject({
          accountId: "111111111111",
          region: "global",
          operation: "ListAccounts",
          status: "ok",
          resourceCount: 3,
        });
      } finally {
        s.close();
      }
    });
  });
});
