import { DescribeSnapshotAttributeCommand, DescribeVolumesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { DescribeDBInstancesCommand, RDSClient } from "@aws-sdk/client-rds";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { describe, expect, it } from "vitest";
import {
  TokenBuckets,
  authError,
  drawLatency,
  meanLatency,
  prng,
  protocolOf,
  throttleError,
  throttleScope,
} from "../../src/sim/behaviour/faults.js";
import { AWS_QUOTAS } from "../../src/model/quotas.js";
import type { Simulator } from "../../src/sim/wire/server.js";
import type { FaultSpec } from "../../src/sim/world/types.js";
import { withSimulator } from "./harness.js";
import { MGMT, PROD, sdkConfig, sdkError, testWorld } from "../helpers/sim.js";

const withSim = (faults: FaultSpec, fn: (sim: Simulator) => Promise<void>): Promise<void> =>
  withSimulator({ world: testWorld({ faults }) }, fn);

const tiny = (capacity: number, refillPerSecond = 0.0001) => ({ capacity, refillPerSecond });

describe("throttling", () => {
  it("EC2 answers RequestLimitExceeded (503) once the per-API bucket is empty", () =>
    withSim({ throttling: { enabled: true, overrides: { "ec2:DescribeVolumes": tiny(2) } } }, async (sim) => {
      const ec2 = new EC2Client(sdkConfig(sim, "us-east-1", sim.credentials, { maxAttempts: 1 }));
      await ec2.send(new DescribeVolumesCommand({ MaxResults: 5 }));
      await ec2.send(new DescribeVolumesCommand({ MaxResults: 5 }));
      const err = await sdkError(ec2.send(new DescribeVolumesCommand({ MaxResults: 5 })));
      expect(err).toMatchObject({ name: "RequestLimitExceeded", status: 503, attempts: 1 });
      // EC2 models no errors, so the SDK sets no $retryable: it classifies the code as throttling.
      expect(err.retryable).toBeUndefined();
      expect(sim.counters.throttles({ service: "ec2", operation: "DescribeVolumes" })).toBe(1);
      expect(sim.counters.calls({ service: "ec2", operation: "DescribeVolumes" })).toBe(3);
      // Another API has its own bucket.
      const other = await ec2.send(
        new DescribeSnapshotAttributeCommand({
          SnapshotId: "snap-11110000000000001",
          Attribute: "createVolumePermission",
        }),
      );
      expect(other.SnapshotId).toBe("snap-11110000000000001");
    }));

  it("buckets are per account and region", () =>
    withSim({ throttling: { enabled: true, overrides: { "ec2:DescribeVolumes": tiny(1) } } }, async (sim) => {
      const client = (region: string, creds = sim.credentials) =>
        new EC2Client(sdkConfig(sim, region, creds, { maxAttempts: 1 }));
      await client("us-east-1").send(new DescribeVolumesCommand({}));
      expect(await sdkError(client("us-east-1").send(new DescribeVolumesCommand({})))).toMatchObject({
        name: "RequestLimitExceeded",
      });
      await client("us-west-2").send(new DescribeVolumesCommand({}));
      await client("us-east-1", sim.credentialsFor(PROD)).send(new DescribeVolumesCommand({}));
    }));

  it("the SDK retries throttled calls and succeeds once tokens refill", () =>
    withSim(
      // One token, refilled every 500 ms: the second call is throttled, a backed-off retry gets through.
      { throttling: { enabled: true, overrides: { ec2: { capacity: 1, refillPerSecond: 2 } } } },
      async (sim) => {
        const ec2 = new EC2Client(sdkConfig(sim, "us-east-1", sim.credentials, { maxAttempts: 10 }));
        let maxAttempts = 1;
        for (let i = 0; i < 3; i++) {
          const out = await ec2.send(new DescribeVolumesCommand({ MaxResults: 5 }));
          maxAttempts = Math.max(maxAttempts, out.$metadata.attempts ?? 1);
        }
        expect(sim.counters.throttles({ service: "ec2" })).toBeGreaterThan(0);
        expect(maxAttempts).toBeGreaterThan(1);
        expect(sim.counters.errorCode("RequestLimitExceeded")).toBe(sim.counters.totalThrottles);
      },
    ));

  it("unfiltered unpaginated DescribeVolumes spends its own, smaller bucket", () =>
    withSim(
      { throttling: { enabled: true, overrides: { "ec2:DescribeVolumes:unpaginated": tiny(1) } } },
      async (sim) => {
        const ec2 = new EC2Client(sdkConfig(sim, "us-east-1", sim.credentials, { maxAttempts: 1 }));
        await ec2.send(new DescribeVolumesCommand({}));
        expect(await sdkError(ec2.send(new DescribeVolumesCommand({})))).toMatchObject({
          name: "RequestLimitExceeded",
        });
        await ec2.send(new DescribeVolumesCommand({ MaxResults: 5 }));
        await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: "encrypted", Values: ["true"] }] }));
      },
    ));

  it("RDS and STS answer Throttling (400); RDS shares one bucket across its APIs", () =>
    withSim({ throttling: { enabled: true, overrides: { rds: tiny(1), sts: tiny(1) } } }, async (sim) => {
      const rds = new RDSClient(sdkConfig(sim, "us-east-1", sim.credentials, { maxAttempts: 1 }));
      await rds.send(new DescribeDBInstancesCommand({}));
      const err = await sdkError(rds.send(new DescribeDBInstancesCommand({})));
      expect(err).toMatchObject({ name: "Throttling", status: 400 });
      const sts = new STSClient(sdkConfig(sim, "us-east-1", sim.credentials, { maxAttempts: 1 }));
      await sts.send(new GetCallerIdentityCommand({}));
      expect(await sdkError(sts.send(new GetCallerIdentityCommand({})))).toMatchObject({
        name: "Throttling",
        status: 400,
      });
    }));

  it("is off unless enabled", () =>
    withSim({ throttling: { enabled: false, overrides: { ec2: tiny(0) } } }, async (sim) => {
      const ec2 = new EC2Client(sdkConfig(sim, "us-east-1", sim.credentials, { maxAttempts: 1 }));
      for (let i = 0; i < 3; i++) await ec2.send(new DescribeVolumesCommand({}));
      expect(sim.counters.totalThrottles).toBe(0);
    }));
});

describe("quotas", () => {
  const world = testWorld();
  it("uses the documented defaults and scopes", () => {
    expect(throttleScope(world, "ec2", "DescribeVolumes")).toEqual({
      key: "ec2:DescribeVolumes",
      quota: { capacity: 100, refillPerSecond: 20 },
    });
    expect(throttleScope(world, "ec2", "DescribeVolumes", "unpaginated")).toEqual({
      key: "ec2:DescribeVolumes:unpaginated",
      quota: { capacity: 50, refillPerSecond: 10 },
    });
    expect(throttleScope(world, "rds", "DescribeDBInstances")).toEqual({
      key: "rds",
      quota: { capacity: 300, refillPerSecond: 12 },
    });
    expect(throttleScope(world, "rds", "DescribeDBClusters").key).toBe("rds");
    expect(throttleScope(world, "kms", "DescribeKey").quota.refillPerSecond).toBe(2000);
    expect(throttleScope(world, "kms", "GetKeyPolicy").quota.refillPerSecond).toBe(1000);
    expect(throttleScope(world, "kms", "ListKeys").quota.refillPerSecond).toBe(500);
    expect(throttleScope(world, "sts", "AssumeRole")).toEqual({
      key: "sts",
      quota: { capacity: 600, refillPerSecond: 600 },
    });
    expect(throttleScope(world, "iam", "GetAccountAuthorizationDetails").key).toBe("iam");
    expect(Object.keys(AWS_QUOTAS)).toContain("config:SelectResourceConfig");
  });

  it("lets overrides win, per service or per operation", () => {
    const w = testWorld({
      faults: { throttling: { enabled: true, overrides: { ec2: tiny(7), "kms:DescribeKey": tiny(3) } } },
    });
    expect(throttleScope(w, "ec2", "DescribeSnapshots")).toEqual({
      key: "ec2:DescribeSnapshots",
      quota: tiny(7),
    });
    expect(throttleScope(w, "kms", "DescribeKey").quota).toEqual(tiny(3));
  });

  it("token buckets refill continuously up to capacity", () => {
    let t = 0;
    const b = new TokenBuckets(() => t);
    const q = { capacity: 2, refillPerSecond: 1 };
    expect([b.take("k", q), b.take("k", q), b.take("k", q)]).toEqual([true, true, false]);
    t += 500;
    expect(b.take("k", q)).toBe(false);
    t += 500;
    expect(b.take("k", q)).toBe(true);
    t += 60_000;
    expect([b.take("k", q), b.take("k", q), b.take("k", q)]).toEqual([true, true, false]);
    expect(b.take("other", q)).toBe(true);
  });
});

describe("error shapes per protocol", () => {
  it("maps throttling codes to AWS's statuses", () => {
    expect(throttleError("RequestLimitExceeded").status).toBe(503);
    expect(throttleError("SlowDown").status).toBe(503);
    expect(throttleError("Throttling").status).toBe(400);
    expect(throttleError("ThrottlingException").status).toBe(400);
    expect(throttleError("TooManyRequestsException").status).toBe(400);
  });

  it("maps authentication failures per protocol", () => {
    expect(protocolOf("kms")).toBe("json");
    expect([authError("unknown-key", "kms").code, authError("unknown-key", "kms").status]).toEqual([
      "UnrecognizedClientException",
      400,
    ]);
    expect(authError("bad-signature", "dynamodb").code).toBe("InvalidSignatureException");
    expect(authError("expired", "secretsmanager").code).toBe("ExpiredTokenException");
    expect([authError("expired", "s3").code, authError("bad-signature", "s3").code]).toEqual([
      "ExpiredToken",
      "SignatureDoesNotMatch",
    ]);
    expect(authError("unknown-key", "s3").code).toBe("InvalidAccessKeyId");
    expect([authError("disabled-region", "ec2").code, authError("disabled-region", "ec2").status]).toEqual([
      "AuthFailure",
      401,
    ]);
    expect(authError("disabled-region", "rds").code).toBe("InvalidClientTokenId");
  });
});

describe("AccessDenied", () => {
  it("denies matching calls with the service's code and leaves others alone", () =>
    withSim(
      {
        accessDenied: [
          { account: PROD, service: "ec2", operation: "DescribeVolumes" },
          { service: "ec2", operation: "DescribeSnapshotAttribute", resourceId: "snap-11110000000000002" },
          { service: "rds", region: "eu-west-1" },
        ],
      },
      async (sim) => {
        const ec2 = (creds = sim.credentials) =>
          new EC2Client(sdkConfig(sim, "us-east-1", creds, { maxAttempts: 1 }));
        const denied = await sdkError(ec2(sim.credentialsFor(PROD)).send(new DescribeVolumesCommand({})));
        expect(denied).toMatchObject({ name: "UnauthorizedOperation", status: 403 });
        expect(denied.message).toContain(
          `User: arn:aws:iam::${PROD}:user/dpscan-sim is not authorized to perform: ec2:DescribeVolumes`,
        );
        await ec2().send(new DescribeVolumesCommand({}));

        const attr = (id: string) =>
          ec2().send(
            new DescribeSnapshotAttributeCommand({ SnapshotId: id, Attribute: "createVolumePermission" }),
          );
        expect(await sdkError(attr("snap-11110000000000002"))).toMatchObject({
          name: "UnauthorizedOperation",
        });
        expect((await attr("snap-11110000000000001")).CreateVolumePermissions).toEqual([{ Group: "all" }]);

        const rds = (region: string) =>
          new RDSClient(sdkConfig(sim, region, sim.credentials, { maxAttempts: 1 }));
        expect(await sdkError(rds("eu-west-1").send(new DescribeDBInstancesCommand({})))).toMatchObject({
          name: "AccessDenied",
          status: 403,
        });
        await rds("us-east-1").send(new DescribeDBInstancesCommand({}));
        expect(sim.counters.errors({ account: MGMT, service: "rds" })).toBe(1);
      },
    ));
});

describe("transient errors", () => {
  it("fail every call at rate 1 with InternalError/ServiceUnavailable; the SDK marks them retryable by status", () =>
    withSim({ transientErrorRate: 1 }, async (sim) => {
      const sts = new STSClient(sdkConfig(sim, "us-east-1", sim.credentials, { maxAttempts: 1 }));
      const codes = new Set<string>();
      for (let i = 0; i < 12; i++) {
        const e = await sdkError(sts.send(new GetCallerIdentityCommand({})));
        codes.add(`${e.name}:${e.status}`);
      }
      expect([...codes].every((c) => c === "InternalError:500" || c === "ServiceUnavailable:503")).toBe(true);
      expect(codes.size).toBe(2);
      expect(sim.counters.totalErrors).toBe(12);
    }));

  it("at a partial rate are retried away by the SDK, deterministically per seed", async () => {
    const run = async (): Promise<number> => {
      let errors = 0;
      await withSim({ transientErrorRate: 0.3 }, async (sim) => {
        const ec2 = new EC2Client(sdkConfig(sim, "us-east-1", sim.credentials, { maxAttempts: 10 }));
        for (let i = 0; i < 10; i++) await ec2.send(new DescribeVolumesCommand({ MaxResults: 5 }));
        errors = sim.counters.totalErrors;
      });
      return errors;
    };
    const a = await run();
    expect(a).toBeGreaterThan(0);
    expect(await run()).toBe(a);
  });
});

describe("latency", () => {
  it("draws from fixed, uniform and normal distributions, reproducibly", () => {
    const r = prng(7);
    expect(drawLatency({ distribution: "fixed", value: 12 }, r)).toBe(12);
    for (let i = 0; i < 200; i++) {
      const u = drawLatency({ distribution: "uniform", min: 5, max: 9 }, r);
      expect(u).toBeGreaterThanOrEqual(5);
      expect(u).toBeLessThanOrEqual(9);
      expect(drawLatency({ distribution: "normal", mean: 1, stddev: 50 }, r)).toBeGreaterThanOrEqual(0);
    }
    const seq = (seed: number) => {
      const g = prng(seed);
      return Array.from({ length: 5 }, () => drawLatency({ distribution: "normal", mean: 20, stddev: 5 }, g));
    };
    expect(seq(3)).toEqual(seq(3));
    expect(seq(3)).not.toEqual(seq(4));
    expect(meanLatency({ distribution: "uniform", min: 10, max: 30 })).toBe(20);
    expect(drawLatency(undefined, r)).toBe(0);
  });

  it("delays calls without changing their results", () =>
    withSim({ latency: { distribution: "uniform", min: 1, max: 5 } }, async (sim) => {
      const ec2 = new EC2Client(sdkConfig(sim));
      expect((await ec2.send(new DescribeVolumesCommand({}))).Volumes).toHaveLength(12);
    }));
});

describe("disabled regions", () => {
  it("query services answer InvalidClientTokenId", () =>
    withSim({}, async (sim) => {
      const sts = new STSClient(sdkConfig(sim, "ap-east-1", sim.credentials, { maxAttempts: 1 }));
      expect(await sdkError(sts.send(new GetCallerIdentityCommand({})))).toMatchObject({
        name: "InvalidClientTokenId",
        status: 403,
      });
      const rds = new RDSClient(sdkConfig(sim, "af-south-1", sim.credentials, { maxAttempts: 1 }));
      expect(await sdkError(rds.send(new DescribeDBInstancesCommand({})))).toMatchObject({
        name: "InvalidClientTokenId",
      });
    }));
});
