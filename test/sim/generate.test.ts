import { describe, expect, it } from "vitest";
import { GLOBAL_COLLECTIONS, REGIONAL_COLLECTIONS } from "../../src/sim/world/collection.js";
import type { GlobalCollection, RegionalCollection } from "../../src/sim/world/collection.js";
import { MANAGEMENT_ACCOUNT_ID, countResources, generateWorld } from "../../src/sim/world/generate.js";
import type { Collection, RegionResources, SimAccount, SimKmsKey, World } from "../../src/sim/world/types.js";

const all = <T>(c: Collection<T>): T[] => Array.from({ length: c.size }, (_, i) => c.at(i));

/** The id `get` looks a resource up by, per collection. */
const ID: Record<RegionalCollection | GlobalCollection, (r: never) => string> = {
  volumes: (r: { VolumeId: string }) => r.VolumeId,
  snapshots: (r: { SnapshotId: string }) => r.SnapshotId,
  kmsKeys: (r: { KeyId: string }) => r.KeyId,
  rdsInstances: (r: { DBInstanceIdentifier: string }) => r.DBInstanceIdentifier,
  rdsClusters: (r: { DBClusterIdentifier: string }) => r.DBClusterIdentifier,
  rdsSnapshots: (r: { Identifier: string }) => r.Identifier,
  rdsClusterSnapshots: (r: { Identifier: string }) => r.Identifier,
  rdsParameterGroups: (r: { Name: string }) => r.Name,
  rdsClusterParameterGroups: (r: { Name: string }) => r.Name,
  cloudHsmClusters: (r: { ClusterId: string }) => r.ClusterId,
  dynamodbTables: (r: { TableName: string }) => r.TableName,
  secrets: (r: { Name: string }) => r.Name,
  trails: (r: { Name: string }) => r.Name,
  loadBalancers: (r: { LoadBalancerName: string }) => r.LoadBalancerName,
  listeners: (r: { ListenerArn: string }) => r.ListenerArn,
  buckets: (r: { Name: string }) => r.Name,
  iamPolicies: (r: { PolicyName: string }) => r.PolicyName,
  iamUsers: (r: { Name: string }) => r.Name,
  iamRoles: (r: { Name: string }) => r.Name,
  iamGroups: (r: { Name: string }) => r.Name,
};

function* places(world: World): Generator<{ account: SimAccount; region: string; r: RegionResources }> {
  for (const account of all(world.accounts)) {
    for (const region of account.enabledRegions) {
      const r = account.region(region);
      if (r) yield { account, region, r };
    }
  }
}

/** Every resource of a world as JSON, in order. */
function dump(world: World): string {
  const parts: string[] = [];
  for (const account of all(world.accounts)) {
    parts.push(JSON.stringify({ ...account, global: undefined, region: undefined }));
    for (const type of GLOBAL_COLLECTIONS)
      parts.push(JSON.stringify(all(account.global[type] as Collection<unknown>)));
  }
  for (const { r } of places(world)) {
    parts.push(JSON.stringify([r.ebsEncryptionByDefault, r.ebsDefaultKmsKeyId]));
    for (const type of REGIONAL_COLLECTIONS) parts.push(JSON.stringify(all(r[type] as Collection<unknown>)));
  }
  return parts.join("\n");
}

const small = { accounts: 4, regions: 2, scale: 300, seed: 42 };

describe("generateWorld", () => {
  it("is deterministic for a seed and different for another", () => {
    const a = dump(generateWorld(small));
    expect(dump(generateWorld(small))).toBe(a);
    const b = dump(generateWorld({ ...small, seed: 43 }));
    expect(b).not.toBe(a);
    // Same account and region, other seed: no volume id in common.
    const ids = (w: World): string[] => {
      const volumes = w.accounts.at(0).region("us-east-1")?.volumes;
      return volumes ? all(volumes).map((v) => v.VolumeId) : [];
    };
    const other = new Set(ids(generateWorld({ ...small, seed: 43 })));
    expect(ids(generateWorld(small)).filter((x) => other.has(x))).toEqual([]);
  });

  it("starts with the management account, gives every account the dpscan-audit role and the disabled opt-in region", () => {
    const w = generateWorld(small);
    expect(w.managementAccountId).toBe(MANAGEMENT_ACCOUNT_ID);
    expect(w.accounts.at(0)).toMatchObject({ Id: "111111111111", Name: "management" });
    expect(w.aggregators).toEqual([
      { Name: "org-aggregator", AccountId: MANAGEMENT_ACCOUNT_ID, Region: "us-east-1" },
    ]);
    const ids = new Set<string>();
    for (const a of all(w.accounts)) {
      expect(a.Id).toMatch(/^\d{12}$/);
      ids.add(a.Id);
      expect(a.enabledRegions).toEqual(["us-east-1", "eu-west-1"]);
      expect(a.disabledRegions).toEqual(["ap-east-1"]);
      expect(a.region("ap-east-1")).toBeUndefined();
      expect(a.region("eu-west-3")).toBeUndefined();
      expect(a.roles).toEqual([{ Name: "dpscan-audit", TrustedAccounts: [MANAGEMENT_ACCOUNT_ID] }]);
      expect(a.global.iamRoles.get("dpscan-audit")?.Name).toBe("dpscan-audit");
      expect(a.global.iamRoles.at(0).Name).toBe("dpscan-audit"); // always slot 0
      expect(JSON.parse(a.global.iamRoles.at(0).AssumeRolePolicyDocument ?? "")).toMatchObject({
        Statement: [{ Principal: { AWS: `arn:aws:iam::${MANAGEMENT_ACCOUNT_ID}:root` } }],
      });
    }
    expect(ids.size).toBe(small.accounts);
    expect(w.allRegions).toEqual(expect.arrayContaining(["us-east-1", "eu-west-1", "ap-east-1"]));
  });

  it("inverts at(i) with get(id) in every collection, accounts included", () => {
    const w = generateWorld(small);
    for (let i = 0; i < w.accounts.size; i++)
      expect(w.accounts.get(w.accounts.at(i).Id)?.Id).toBe(w.accounts.at(i).Id);
    for (const account of all(w.accounts)) {
      for (const type of GLOBAL_COLLECTIONS) {
        const c = account.global[type] as Collection<never>;
        for (let i = 0; i < c.size; i++)
          expect(ID[type](c.get(ID[type](c.at(i))) as never), `${type}[${i}]`).toBe(ID[type](c.at(i)));
      }
    }
    for (const { r } of places(w)) {
      for (const type of REGIONAL_COLLECTIONS) {
        const c = r[type] as Collection<never>;
        const seen = new Set<string>();
        for (let i = 0; i < c.size; i++) {
          const id = ID[type](c.at(i));
          expect(seen.has(id), `duplicate ${type} id ${id}`).toBe(false);
          seen.add(id);
          expect(c.get(id), `${type}[${i}] ${id}`).toEqual(c.at(i));
        }
      }
    }
  });

  it("returns undefined for bogus ids, tampered ids and ids from elsewhere", () => {
    const w = generateWorld(small);
    const a1 = w.accounts.at(1);
    const east = a1.region("us-east-1");
    const west = a1.region("eu-west-1");
    if (!east || !west) throw new Error("regions missing");
    const vol = east.volumes.at(3).VolumeId;
    const key = east.kmsKeys.at(5).KeyId;
    const flip = (id: string, pos: number) =>
      id.slice(0, pos) + (id[pos] === "a" ? "b" : "a") + id.slice(pos + 1);
    for (const bogus of [
      "",
      "vol-",
      "vol-0123456789abcdef0",
      "nonsense",
      flip(vol, 6),
      `${vol}0`,
      vol.toUpperCase(),
    ]) {
      expect(east.volumes.get(bogus), bogus).toBeUndefined();
    }
    expect(east.kmsKeys.get(flip(key, 2))).toBeUndefined();
    expect(east.kmsKeys.get("00000000-0000-4000-8000-000000000000")).toBeUndefined();
    expect(west.volumes.get(vol)).toBeUndefined(); // another region's id
    expect(w.accounts.at(2).region("us-east-1")?.volumes.get(vol)).toBeUndefined(); // another account's id
    expect(
      generateWorld({ ...small, seed: 7 })
        .accounts.at(1)
        .region("us-east-1")
        ?.volumes.get(vol),
    ).toBeUndefined();
    // An index beyond the collection: rebuild the last secret's name with a larger index.
    const lastSecret = east.secrets.at(east.secrets.size - 1).Name;
    expect(
      east.secrets.get(lastSecret.replace(/-(\d+)$/, (_, n: string) => `-${Number(n) + 1}`)),
    ).toBeUndefined();
    expect(w.accounts.get("999999999999")).toBeUndefined();
    expect(w.accounts.get("12345")).toBeUndefined();
    expect(a1.global.iamRoles.get("dpscan-audit-1")).toBeUndefined();
  });

  it("points every KMS reference at a symmetric key that exists in the same region", () => {
    const w = generateWorld(small);
    for (const { account, region, r } of places(w)) {
      const prefix = `arn:aws:kms:${region}:${account.Id}:key/`;
      const check = (arn: string | undefined, what: string) => {
        if (arn === undefined) return;
        expect(arn.startsWith(prefix), `${what}: ${arn}`).toBe(true);
        const key = r.kmsKeys.get(arn.slice(prefix.length));
        expect(key, `${what}: ${arn}`).toBeDefined();
        expect(key?.KeySpec).toBe("SYMMETRIC_DEFAULT");
      };
      for (const v of all(r.volumes)) check(v.KmsKeyId, v.VolumeId);
      for (const s of all(r.snapshots)) {
        check(s.KmsKeyId, s.SnapshotId);
        if (s.VolumeId !== "vol-ffffffff") expect(r.volumes.get(s.VolumeId)?.Encrypted).toBe(s.Encrypted);
      }
      for (const d of all(r.rdsInstances)) check(d.KmsKeyId, d.DBInstanceIdentifier);
      for (const c of all(r.rdsClusters)) check(c.KmsKeyId, c.DBClusterIdentifier);
      for (const s of all(r.rdsSnapshots)) check(s.KmsKeyId, s.Identifier);
      for (const s of all(r.rdsClusterSnapshots)) check(s.KmsKeyId, s.Identifier);
      for (const t of all(r.dynamodbTables)) check(t.SSE?.KMSMasterKeyArn, t.TableName);
      for (const s of all(r.secrets)) check(s.KmsKeyId, s.Name);
      for (const t of all(r.trails)) check(t.KmsKeyId, t.Name);
      for (const k of all(r.kmsKeys)) expect(k.KeyState === "Enabled").toBe(k.Enabled);
    }
    for (const account of all(w.accounts)) {
      for (const b of all(account.global.buckets)) {
        const arn = b.Encryption?.KMSMasterKeyID;
        if (!arn) continue;
        const key = account.region(b.Region)?.kmsKeys.get(arn.split("/").pop() ?? "");
        expect(key, `${b.Name}: ${arn}`).toBeDefined();
      }
      const policies = new Set(
        all(account.global.iamPolicies).map((p) => `arn:aws:iam::${account.Id}:policy/${p.PolicyName}`),
      );
      const groups = new Set(all(account.global.iamGroups).map((g) => g.Name));
      for (const p of [
        ...all(account.global.iamUsers),
        ...all(account.global.iamRoles),
        ...all(account.global.iamGroups),
      ]) {
        for (const arn of p.AttachedPolicyArns)
          if (!arn.startsWith("arn:aws:iam::aws:")) expect(policies.has(arn), arn).toBe(true);
        for (const g of p.Groups ?? []) expect(groups.has(g), g).toBe(true);
      }
    }
  });

  it("has realistic proportions of non-compliant resources", () => {
    const w = generateWorld({ accounts: 6, regions: 3, scale: 500, seed: 3 });
    let volumes = 0;
    let unencrypted = 0;
    let snapshots = 0;
    let publicSnapshots = 0;
    const keys: SimKmsKey[] = [];
    const pendingUsed = new Set<string>();
    let secrets = 0;
    let rotationOff = 0;
    let tables = 0;
    let defaultTables = 0;
    for (const { r } of places(w)) {
      const pending = new Set(
        all(r.kmsKeys)
          .filter((k) => k.KeyState === "PendingDeletion")
          .map((k) => k.KeyId),
      );
      for (const v of all(r.volumes)) {
        volumes++;
        if (!v.Encrypted) unencrypted++;
        const id = v.KmsKeyId?.split("/").pop();
        if (id && pending.has(id)) pendingUsed.add(id);
      }
      for (const s of all(r.snapshots)) {
        snapshots++;
        if (s.SharedWith.includes("all")) {
          publicSnapshots++;
          expect(s.Encrypted).toBe(false);
        }
      }
      for (const s of all(r.rdsClusterSnapshots))
        if (s.SharedWith.includes("all")) expect(s.Encrypted).toBe(false);
      keys.push(...all(r.kmsKeys));
      for (const s of all(r.secrets)) {
        secrets++;
        if (!s.RotationEnabled) rotationOff++;
      }
      for (const t of all(r.dynamodbTables)) {
        tables++;
        if (t.SSE === null) defaultTables++;
      }
    }
    const ratio = (n: number, d: number) => n / d;
    expect(ratio(unencrypted, volumes)).toBeGreaterThan(0.08);
    expect(ratio(unencrypted, volumes)).toBeLessThan(0.25);
    expect(publicSnapshots).toBeGreaterThan(0);
    expect(ratio(publicSnapshots, snapshots)).toBeLessThan(0.05);
    expect(pendingUsed.size).toBeGreaterThan(0);
    expect(ratio(rotationOff, secrets)).toBeGreaterThan(0.2);
    expect(ratio(rotationOff, secrets)).toBeLessThan(0.5);
    expect(ratio(defaultTables, tables)).toBeGreaterThan(0.3);

    const customer = keys.filter((k) => k.KeyManager === "CUSTOMER");
    const kinds = {
      rotationOff: customer.filter(
        (k) =>
          k.KeySpec === "SYMMETRIC_DEFAULT" &&
          k.Origin === "AWS_KMS" &&
          k.KeyState === "Enabled" &&
          !k.RotationEnabled,
      ),
      pending: customer.filter((k) => k.KeyState === "PendingDeletion"),
      asymmetric: customer.filter((k) => k.KeySpec.startsWith("RSA")),
      hmac: customer.filter((k) => k.KeySpec.startsWith("HMAC")),
      external: customer.filter((k) => k.Origin === "EXTERNAL"),
      malformed: customer.filter((k) => {
        try {
          JSON.parse(k.Policy);
          return false;
        } catch {
          return true;
        }
      }),
      public: customer.filter((k) => k.Policy.includes('"Principal":{"AWS":"*"},"Action":"kms:*"')),
      callerAccount: customer.filter((k) => k.Policy.includes("kms:CallerAccount")),
      crossAccount: customer.filter((k) => k.Policy.includes(":role/")),
    };
    for (const [kind, list] of Object.entries(kinds)) expect(list.length, kind).toBeGreaterThan(0);
    expect(ratio(kinds.rotationOff.length, customer.length)).toBeLessThan(0.25);
    expect(
      keys.filter((k) => k.KeyManager === "AWS").every((k) => k.Aliases[0]?.startsWith("alias/aws/")),
    ).toBe(true);

    const buckets = all(w.accounts).flatMap((a) => all(a.global.buckets));
    expect(buckets.filter((b) => b.Policy === null).length).toBeGreaterThan(0);
    expect(buckets.filter((b) => b.Policy?.includes('"aws:SecureTransport":"true"')).length).toBeGreaterThan(
      0,
    );
    expect(buckets.filter((b) => b.Policy?.includes('"aws:SecureTransport":false')).length).toBeGreaterThan(
      0,
    );
    expect(
      buckets.filter((b) => b.Encryption?.SSEAlgorithm === "aws:kms" && b.Encryption.BucketKeyEnabled).length,
    ).toBeGreaterThan(0);
    const docs = all(w.accounts).flatMap((a) =>
      all(a.global.iamPolicies).flatMap((p) =>
        p.Versions.filter((v) => v.IsDefaultVersion).map((v) => v.Document),
      ),
    );
    expect(docs.filter((d) => d.includes('"Action":"kms:*","Resource":"*"')).length).toBeGreaterThan(0);
    expect(docs.filter((d) => d.includes("kms:Decrypt")).length).toBeGreaterThan(0);
  });

  it("has roughly scale resources per (account, region), counted in O(accounts × regions)", () => {
    const w = generateWorld(small);
    const total = countResources(w);
    let iterated = 0;
    for (const account of all(w.accounts))
      for (const type of GLOBAL_COLLECTIONS) iterated += account.global[type].size;
    for (const { r } of places(w)) for (const type of REGIONAL_COLLECTIONS) iterated += r[type].size;
    expect(total).toBe(iterated);
    const expected = small.accounts * small.regions * small.scale;
    expect(total).toBeGreaterThan(expected * 0.85);
    expect(total).toBeLessThan(expected * 1.15);

    const big = generateWorld({ accounts: 200, regions: 4, scale: 500, seed: 1 });
    const started = performance.now();
    const n = countResources(big);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(n).toBeGreaterThan(380_000);
    expect(n).toBeLessThan(420_000);
  });

  it("accepts region names and custom disabled regions, and rejects nonsense options", () => {
    const w = generateWorld({
      accounts: 1,
      regions: ["eu-central-1"],
      scale: 10,
      seed: 1,
      disabledRegions: ["af-south-1", "me-south-1"],
    });
    expect(w.accounts.at(0).enabledRegions).toEqual(["eu-central-1"]);
    expect(w.accounts.at(0).disabledRegions).toEqual(["af-south-1", "me-south-1"]);
    expect(w.aggregators[0]?.Region).toBe("eu-central-1");
    expect(generateWorld({ ...small, faults: { transientErrorRate: 0.1 } }).faults).toEqual({
      transientErrorRate: 0.1,
    });
    expect(countResources(generateWorld({ accounts: 2, regions: 1, scale: 0, seed: 1 }))).toBe(2); // just the audit roles
    expect(() => generateWorld({ ...small, accounts: 0 })).toThrow(RangeError);
    expect(() => generateWorld({ ...small, regions: 0 })).toThrow(RangeError);
    expect(() => generateWorld({ ...small, regions: 99 })).toThrow(RangeError);
    expect(() => generateWorld({ ...small, scale: -1 })).toThrow(RangeError);
  });
});
