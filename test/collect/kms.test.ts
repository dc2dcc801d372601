// The KMS collector through the real SDK clients against the simulator: keys with policy, rotation,
// aliases and tags; pagination; denied listings and details; hostile strings; Config parity.
import { describe, expect, it } from "vitest";
import { kmsCollector } from "../../src/collect/kms.js";
import { RESOURCE_TYPES } from "../../src/model/resource-types.js";
import { asUnreadable, type ResourceRecord } from "../../src/model/resource.js";
import { arrayCollection } from "../../src/sim/world/collection.js";
import { RECORDED_TYPES } from "../../src/sim/services/config-items.js";
import type { SimAccount, SimKmsKey, World } from "../../src/sim/world/types.js";
import { calledActions, collectFromWorld } from "../helpers/collect.js";
import { configTags } from "../helpers/config-items.js";
import { useTmpDir } from "../helpers/tmp.js";
import { mgmtOnlyWorld } from "../helpers/world.js";
import { HOSTILE, MGMT, makeRegion } from "../helpers/sim.js";

const tmp = useTmpDir();
const REGION = "us-east-1";

const keys = (records: ResourceRecord[], region = REGION): ResourceRecord[] =>
  records.filter((r) => r.resourceType === RESOURCE_TYPES.kmsKey && r.awsRegion === region);

const mgmt = (world: World): SimAccount => world.accounts.get(MGMT)!;
const simKeys = (world: World): SimKmsKey[] => {
  const c = mgmt(world).region(REGION)!.kmsKeys;
  return Array.from({ length: c.size }, (_, i) => c.at(i));
};

/**
 * The generated keys (0: customer, rotating, hostile description and tags; 1: pending deletion;
 * 2: RSA signing; 3: AWS-managed) plus: 4 customer symmetric with rotation off, 5 imported
 * material (EXTERNAL) with a malformed policy, 6 a customer key with two aliases.
 */
function keyWorld(partial: Partial<World> = {}): World {
  const base = makeRegion(MGMT, REGION, { kmsKeys: 4 });
  const generated = Array.from({ length: base.kmsKeys.size }, (_, i) => base.kmsKeys.at(i));
  const template = generated[0]!;
  const extra: SimKmsKey[] = [
    {
      ...template,
      KeyId: `00000004-0000-4000-8000-${MGMT}`,
      Description: "rotation off",
      RotationEnabled: false,
      RotationPeriodInDays: undefined,
      Aliases: [],
      Tags: [{ TagKey: "team", TagValue: "payments" }],
    },
    {
      ...template,
      KeyId: `00000005-0000-4000-8000-${MGMT}`,
      Description: "imported",
      Origin: "EXTERNAL",
      RotationEnabled: false,
      RotationPeriodInDays: undefined,
      Policy: '{"Version": "2012-10-17", "Statement": [ {"Effect": "Allow",, ',
      Aliases: ["alias/imported"],
      Tags: [],
    },
    {
      ...template,
      KeyId: `00000006-0000-4000-8000-${MGMT}`,
      Description: "two aliases",
      Aliases: ["alias/one", "alias/two"],
      Tags: [],
    },
  ];
  const kmsKeys = arrayCollection([...generated, ...extra], (k) => k.KeyId);
  return mgmtOnlyWorld({ enabledRegions: [REGION], regions: { [REGION]: { ...base, kmsKeys } } }, partial);
}

const collect = (world: World) => collectFromWorld(world, [kmsCollector], { dir: tmp(), regions: [REGION] });

describe("kmsCollector", () => {
  it("collects every key with its policy, rotation status, aliases and tags", async () => {
    const world = keyWorld();
    const r = await collect(world);
    try {
      const sim = simKeys(world);
      const recs = keys(r.records);
      expect(recs.map((k) => k.resourceId)).toEqual(sim.map((k) => k.KeyId));
      const rec = (i: number): ResourceRecord => r.byId(sim[i]!.KeyId)!;
      const arn = (i: number): string => `arn:aws:kms:${REGION}:${MGMT}:key/${sim[i]!.KeyId}`;

      for (let i = 0; i < sim.length; i++) {
        const k = rec(i);
        expect(k.arn).toBe(arn(i));
        expect(k.configuration).toMatchObject({
          keyId: sim[i]!.KeyId,
          arn: arn(i),
          keyManager: sim[i]!.KeyManager,
          keyState: sim[i]!.KeyState,
          keySpec: sim[i]!.KeySpec,
          origin: sim[i]!.Origin,
        });
        // The policy text verbatim, for every key (AWS-managed ones included).
        expect(k.supplementaryConfiguration.KeyPolicy).toEqual({
          policyName: "default",
          policyText: sim[i]!.Policy,
        });
        expect(k.supplementaryConfiguration.Aliases).toEqual(sim[i]!.Aliases);
      }
      // Rotation: read only where it exists.
      expect(rec(0).supplementaryConfiguration.KeyRotationStatus).toEqual({
        keyRotationEnabled: true,
        rotationPeriodInDays: 365,
      });
      expect(rec(4).supplementaryConfiguration.KeyRotationStatus).toEqual({
        keyRotationEnabled: false,
        rotationPeriodInDays: null,
      });
      expect(rec(6).supplementaryConfiguration.KeyRotationStatus).toMatchObject({ keyRotationEnabled: true });
      for (const i of [1, 2, 3, 5])
        expect(rec(i).supplementaryConfiguration).not.toHaveProperty("KeyRotationStatus");
      expect(r.sim.counters.calls({ service: "kms", operation: "GetKeyRotationStatus" })).toBe(3);
      expect(r.sim.counters.errors({ service: "kms" })).toBe(0);

      // Malformed policy text is kept as it is.
      expect((rec(5).supplementaryConfiguration.KeyPolicy as { policyText: string }).policyText).toBe(
        sim[5]!.Policy,
      );
      // Two aliases on one key; the AWS-managed key's alias.
      expect(rec(6).supplementaryConfiguration.Aliases).toEqual(["alias/one", "alias/two"]);
      expect(rec(3).supplementaryConfiguration.Aliases).toEqual(["alias/aws/ebs"]);
      // Tags: customer keys only.
      expect(rec(4).tags).toEqual({ team: "payments" });
      expect(rec(3).tags).toEqual({});
      expect(r.sim.counters.calls({ service: "kms", operation: "ListResourceTags" })).toBe(
        sim.filter((k) => k.KeyManager === "CUSTOMER").length,
      );
      // Aliases come from one ListAliases listing per region, not a call per key.
      expect(r.sim.counters.calls({ service: "kms", operation: "ListAliases" })).toBe(1);
      expect(r.coverage.filter((c) => c.status !== "ok" && c.status !== "skipped")).toEqual([]);
      expect(r.coverage.find((c) => c.operation === "ListKeys")).toMatchObject({
        status: "ok",
        resourceCount: sim.length,
      });

      // Every KMS operation the simulator saw is declared, and nothing more is declared.
      expect(calledActions(r, "kms")).toEqual([...kmsCollector.actions].sort());
    } finally {
      await r.close();
    }
  });

  it("keeps hostile descriptions and tags intact", async () => {
    const world = keyWorld();
    const r = await collect(world);
    try {
      const k = r.byId(simKeys(world)[0]!.KeyId)!;
      expect(k.configuration.description).toBe(HOSTILE);
      expect(k.tags).toEqual({ [HOSTILE]: HOSTILE });
    } finally {
      await r.close();
    }
  });

  it("has the same configuration as AWS Config records for the same key", async () => {
    const world = keyWorld();
    const r = await collect(world);
    try {
      const account = mgmt(world);
      const recorded = RECORDED_TYPES.find((t) => t.type === RESOURCE_TYPES.kmsKey)!;
      const n = recorded.size(account, REGION);
      expect(n).toBe(simKeys(world).length);
      for (let i = 0; i < n; i++) {
        const ci = recorded.item(account, REGION, i)!;
        const rec = r.byId(ci.resourceId as string)!;
        expect(rec.configuration).toEqual(ci.configuration);
        expect(rec.arn).toBe(ci.arn);
        if ((rec.configuration as { keyManager: string }).keyManager === "CUSTOMER")
          expect(rec.tags).toEqual(configTags(ci));
      }
    } finally {
      await r.close();
    }
  });

  it("pages through more keys and aliases than one page holds", async () => {
    const world = mgmtOnlyWorld({ enabledRegions: [REGION], sizes: { kmsKeys: 1201 } });
    // Several calls per key: KMS pacing raised for a world of over a thousand keys.
    const r = await collectFromWorld(world, [kmsCollector], {
      dir: tmp(),
      regions: [REGION],
      rates: { kms: { ratePerSecond: 5000, burst: 5000 } },
    });
    try {
      const recs = keys(r.records);
      expect(recs).toHaveLength(1201);
      expect(new Set(recs.map((k) => k.resourceId)).size).toBe(1201);
      expect(r.sim.counters.calls({ service: "kms", operation: "ListKeys" })).toBe(2);
      // One alias per key plus the 13 predefined AWS aliases with no key yet (alias/aws/ebs has one): 100 per page.
      expect(r.sim.counters.calls({ service: "kms", operation: "ListAliases" })).toBe(
        Math.ceil((1201 + 13) / 100),
      );
      expect(r.sim.counters.calls({ service: "kms", operation: "DescribeKey" })).toBe(1201);
      const sim = simKeys(world);
      for (const i of [0, 999, 1000, 1200])
        expect(r.byId(sim[i]!.KeyId)!.supplementaryConfiguration.Aliases).toEqual(sim[i]!.Aliases);
      expect(r.coverage.find((c) => c.operation === "ListKeys")).toMatchObject({
        status: "ok",
        resourceCount: 1201,
      });
    } finally {
      await r.close();
    }
  });

  it("records a denied ListKeys as a coverage gap and emits no keys", async () => {
    const world = keyWorld({ faults: { accessDenied: [{ service: "kms", operation: "ListKeys" }] } });
    const r = await collect(world);
    try {
      expect(keys(r.records)).toEqual([]);
      expect(r.coverage.find((c) => c.operation === "ListKeys")).toMatchObject({
        service: "kms",
        region: REGION,
        status: "denied",
        errorCode: "AccessDeniedException",
      });
      expect(kmsCollector.listings.ListKeys).toEqual([RESOURCE_TYPES.kmsKey]);
    } finally {
      await r.close();
    }
  });

  it("a denied ListAliases puts the marker in every key's Aliases and still emits the keys", async () => {
    const world = keyWorld({ faults: { accessDenied: [{ service: "kms", operation: "ListAliases" }] } });
    const r = await collect(world);
    try {
      const recs = keys(r.records);
      expect(recs).toHaveLength(simKeys(world).length);
      for (const k of recs) {
        expect(asUnreadable(k.supplementaryConfiguration.Aliases)).toMatchObject({
          errorCode: "AccessDeniedException",
          operation: "ListAliases",
        });
        expect(k.supplementaryConfiguration.KeyPolicy).toHaveProperty("policyText");
      }
      expect(r.coverage.find((c) => c.operation === "ListAliases")?.status).toBe("denied");
      // Not a listing of keys: rules on keys are not blanked out by it.
      expect(kmsCollector.listings).not.toHaveProperty("ListAliases");
    } finally {
      await r.close();
    }
  });

  it("stores the marker where a denied key policy, rotation status or tag read would be", async () => {
    const base = keyWorld();
    const [k0, , , , k4] = simKeys(base);
    const world = keyWorld({
      faults: {
        accessDenied: [
          { service: "kms", operation: "GetKeyPolicy", resourceId: k0!.KeyId },
          { service: "kms", operation: "GetKeyRotationStatus", resourceId: k4!.KeyId },
          { service: "kms", operation: "ListResourceTags", resourceId: k4!.KeyId },
        ],
      },
    });
    const r = await collect(world);
    try {
      const a = r.byId(k0!.KeyId)!;
      expect(asUnreadable(a.supplementaryConfiguration.KeyPolicy)).toMatchObject({
        errorCode: "AccessDeniedException",
        operation: "GetKeyPolicy",
      });
      // The rest of that key was read.
      expect(a.supplementaryConfiguration.KeyRotationStatus).toMatchObject({ keyRotationEnabled: true });
      expect(a.configuration.keyId).toBe(k0!.KeyId);

      const b = r.byId(k4!.KeyId)!;
      expect(asUnreadable(b.supplementaryConfiguration.KeyRotationStatus)).toMatchObject({
        errorCode: "AccessDeniedException",
        operation: "GetKeyRotationStatus",
      });
      expect(asUnreadable(b.supplementaryConfiguration.Tags)?.operation).toBe("ListResourceTags");
      expect(b.tags).toEqual({});

      for (const op of ["GetKeyPolicy", "GetKeyRotationStatus", "ListResourceTags"]) {
        const row = r.coverage.find((c) => c.operation === op)!;
        expect(row.status).toBe("denied");
        expect(row.errorMessage).toMatch(/\(1 of \d+ calls\)/);
      }
      // Other keys are untouched.
      const others = keys(r.records).filter((k) => k.resourceId !== k0!.KeyId && k.resourceId !== k4!.KeyId);
      for (const k of others) {
        expect(asUnreadable(k.supplementaryConfiguration.KeyPolicy)).toBeUndefined();
        expect(k.supplementaryConfiguration).not.toHaveProperty("Tags");
      }
    } finally {
      await r.close();
    }
  });

  it("emits a key whose DescribeKey is denied with the marker as its whole configuration", async () => {
    const base = keyWorld();
    const k0 = simKeys(base)[0]!;
    const world = keyWorld({
      faults: { accessDenied: [{ service: "kms", operation: "DescribeKey", resourceId: k0.KeyId }] },
    });
    const r = await collect(world);
    try {
      const k = r.byId(k0.KeyId)!;
      expect(asUnreadable(k.configuration)).toMatchObject({
        errorCode: "AccessDeniedException",
        operation: "DescribeKey",
      });
      expect(k.arn).toBe(`arn:aws:kms:${REGION}:${MGMT}:key/${k0.KeyId}`);
      // The policy does not depend on the metadata; rotation and tags do, and are not asked.
      expect(k.supplementaryConfiguration.KeyPolicy).toEqual({
        policyName: "default",
        policyText: k0.Policy,
      });
      expect(k.supplementaryConfiguration.Aliases).toEqual(k0.Aliases);
      expect(k.supplementaryConfiguration).not.toHaveProperty("KeyRotationStatus");
      expect(r.coverage.find((c) => c.operation === "DescribeKey")?.status).toBe("denied");
      expect(keys(r.records)).toHaveLength(simKeys(world).length);
    } finally {
      await r.close();
    }
  });
});
