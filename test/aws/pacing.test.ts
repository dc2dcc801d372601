// Pacing as AWS meters it: one limiter per quota bucket (per API for KMS), at a share of the
// documented quota, so a scan at the default share is not throttled where AWS would not throttle.
import { DescribeKeyCommand, GetKeyPolicyCommand } from "@aws-sdk/client-kms";
import { describe, expect, it } from "vitest";
import { ClientFactory } from "../../src/aws/clients.js";
import { AWS_QUOTAS, pacedRate, quotaScope } from "../../src/model/quotas.js";
import { generateWorld } from "../../src/sim/world/generate.js";
import { withSimulator } from "../sim/harness.js";

describe("quota table", () => {
  it("meters EC2 and KMS per API and RDS per service", () => {
    expect(quotaScope("ec2", "DescribeVolumes")).toEqual({
      key: "ec2:DescribeVolumes",
      quota: AWS_QUOTAS.ec2,
    });
    expect(quotaScope("kms", "DescribeKey").quota.refillPerSecond).toBe(2000);
    expect(quotaScope("rds", "DescribeDBSnapshotAttributes")).toEqual({ key: "rds", quota: AWS_QUOTAS.rds });
  });

  it("paces at a share of the refill and of the burst", () => {
    expect(pacedRate({ capacity: 300, refillPerSecond: 12 }, 0.5)).toEqual({ ratePerSecond: 6, burst: 150 });
    expect(pacedRate({ capacity: 1, refillPerSecond: 1 }, 0.1).burst).toBe(1);
  });
});

describe("per-operation pacing", () => {
  const tight = { capacity: 4, refillPerSecond: 10 };
  const world = () =>
    generateWorld({
      accounts: 1,
      regions: 1,
      scale: 100,
      seed: 3,
      faults: {
        throttling: { enabled: true, overrides: { "kms:DescribeKey": tight, "kms:GetKeyPolicy": tight } },
      },
    });

  async function burst(rates: ConstructorParameters<typeof ClientFactory>[0]): Promise<number> {
    const w = world();
    const keys = w.accounts.at(0).region("us-east-1")!.kmsKeys;
    return withSimulator({ world: w }, async (sim) => {
      const factory = new ClientFactory({ ...rates, endpoint: sim.endpoint });
      try {
        const creds = sim.credentials;
        const kms = factory.session(w.managementAccountId, async () => creds).client("kms", "us-east-1");
        const ids = Array.from({ length: 12 }, (_, i) => keys.at(i % keys.size).KeyId);
        await Promise.all(
          ids.flatMap((KeyId) => [
            kms.send(new DescribeKeyCommand({ KeyId })),
            kms.send(new GetKeyPolicyCommand({ KeyId, PolicyName: "default" })),
          ]),
        );
        expect(
          sim.counters.calls({ operation: "DescribeKey" }) -
            sim.counters.throttles({ operation: "DescribeKey" }),
        ).toBe(12);
        return sim.counters.totalThrottles;
      } finally {
        factory.destroy();
      }
    });
  }

  it("keeps each operation under its own quota: no throttles at a share of it", async () => {
    const paced = pacedRate(tight, 0.8);
    expect(await burst({ concurrency: 32, rates: { kms: paced } })).toBe(0);
  });

  it("a service's rate paces each of its buckets; an operation's rate that API alone", () => {
    const f = new ClientFactory({
      concurrency: 8,
      rateShare: 0.5,
      rates: {
        kms: { ratePerSecond: 40, burst: 80 },
        "rds:DescribeDBSnapshotAttributes": { ratePerSecond: 2, burst: 2 },
      },
    });
    try {
      expect(f.pacing("kms", "DescribeKey")).toEqual({
        bucket: "kms:DescribeKey",
        ratePerSecond: 40,
        burst: 80,
      });
      expect(f.pacing("kms", "GetKeyPolicy").bucket).toBe("kms:GetKeyPolicy");
      expect(f.pacing("rds", "DescribeDBSnapshots")).toEqual({ bucket: "rds", ratePerSecond: 6, burst: 150 });
      expect(f.pacing("rds", "DescribeDBSnapshotAttributes")).toEqual({
        bucket: "rds:DescribeDBSnapshotAttributes",
        ratePerSecond: 2,
        burst: 2,
      });
      expect(f.pacing("ec2", "DescribeVolumes")).toEqual({
        bucket: "ec2:DescribeVolumes",
        ratePerSecond: 10,
        burst: 50,
      });
    } finally {
      f.destroy();
    }
  });

  it("a rate above the quota is throttled by the simulator (it meters as AWS does)", async () => {
    const fast = { ratePerSecond: 1000, burst: 1000 };
    expect(await burst({ concurrency: 32, rates: { kms: fast } })).toBeGreaterThan(0);
  });
});
