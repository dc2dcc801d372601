import { describe, expect, it } from "vitest";
import { iamCollector } from "../../src/collect/iam.js";
import { type ResourceRecord } from "../../src/model/resource.js";
import { GLOBAL_REGION, RESOURCE_TYPES } from "../../src/model/resource-types.js";
import { decodePolicyValue } from "../../src/policy/json.js";
import type { ConfigItem } from "../../src/sim/services/config-items.js";
import { encodePolicyDocument } from "../../src/sim/services/iam.js";
import type { GlobalResources, World } from "../../src/sim/world/types.js";
import { collectFromWorld, expectCalledActionsDeclared, type CollectResult } from "../helpers/collect.js";
import { configItems, configTags } from "../helpers/config-items.js";
import { useTmpDir } from "../helpers/tmp.js";
import { mgmtOnlyWorld } from "../helpers/world.js";
import { HOSTILE, MGMT, makeGlobal } from "../helpers/sim.js";

const tmp = useTmpDir();

const IAM_TYPES = [
  RESOURCE_TYPES.iamPolicy,
  RESOURCE_TYPES.iamUser,
  RESOURCE_TYPES.iamRole,
  RESOURCE_TYPES.iamGroup,
] as const;

const worldWith = (global?: Partial<GlobalResources>, faults: World["faults"] = {}): World =>
  mgmtOnlyWorld(global ? { global } : {}, { faults });

async function collect(world: World): Promise<CollectResult> {
  return collectFromWorld(world, [iamCollector], { dir: tmp(), regions: ["us-east-1"] });
}

const ofType = (r: CollectResult, type: string): ResourceRecord[] =>
  r.records.filter((x) => x.resourceType === type);

/** The configuration items the simulator's AWS Config records for a type, by resource id. */
const configItemsById = (world: World, type: string): Map<string, ConfigItem> =>
  new Map(configItems(world, type).map((ci) => [String(ci.resourceId), ci]));

const DOC_FIELDS = new Set(["document", "policyDocument", "assumeRolePolicyDocument"]);

/**
 * Policy documents decoded to JSON values. IAM (and so the collector) escapes !'()* that
 * encodeURIComponent (the simulator's Config) leaves alone; both decode to the same document.
 */
function decodeDocs(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decodeDocs);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => {
        if (DOC_FIELDS.has(k) && typeof x === "string") {
          const d = decodePolicyValue(x);
          return [k, d.ok ? d.value : { undecodable: x }];
        }
        return [k, decodeDocs(x)];
      }),
    );
  }
  return v;
}

describe("iam collector", () => {
  it("collects users, roles, groups and customer-managed policies from GetAccountAuthorizationDetails", async () => {
    const world = worldWith();
    const r = await collect(world);
    try {
      const g = world.accounts.at(0).global;
      expect(ofType(r, RESOURCE_TYPES.iamUser)).toHaveLength(g.iamUsers.size);
      expect(ofType(r, RESOURCE_TYPES.iamRole)).toHaveLength(g.iamRoles.size);
      expect(ofType(r, RESOURCE_TYPES.iamGroup)).toHaveLength(g.iamGroups.size);
      // policy-3 is AWS-managed (AdministratorAccess): not the account's, not recorded.
      const policies = ofType(r, RESOURCE_TYPES.iamPolicy);
      expect(policies.map((p) => p.resourceName).sort()).toEqual(["policy-0", "policy-1", "policy-2"]);
      expect(r.records.every((x) => x.awsRegion === GLOBAL_REGION && x.awsAccountId === MGMT)).toBe(true);

      const p1 = policies.find((p) => p.resourceName === "policy-1");
      expect(p1?.resourceId).toBe(`ANPA${MGMT}00001`);
      expect(p1?.arn).toBe(`arn:aws:iam::${MGMT}:policy/team/policy-1`);
      const user = r.byId(`AIDA${MGMT}00000`);
      expect(user?.resourceType).toBe(RESOURCE_TYPES.iamUser);
      expect(user?.resourceName).toBe("user-0");
      expect(user?.arn).toBe(`arn:aws:iam::${MGMT}:user/user-0`);
      expect(r.byId(`AROA${MGMT}00001`)?.arn).toBe(`arn:aws:iam::${MGMT}:role/service-role/role-1`);
      expect(r.byId(`AGPA${MGMT}00000`)?.resourceName).toBe("admins");

      expect(r.sim.counters.calls({ service: "iam", operation: "GetAccountAuthorizationDetails" })).toBe(1);
      const listing = r.coverage.find((c) => c.operation === "GetAccountAuthorizationDetails");
      expect(listing?.status).toBe("ok");
      expect(listing?.resourceCount).toBe(r.records.length);
      expectCalledActionsDeclared(r, iamCollector);
    } finally {
      await r.close();
    }
  });

  it("matches the AWS Config item of each entity (configuration keys and values)", async () => {
    const world = worldWith();
    const r = await collect(world);
    try {
      for (const type of IAM_TYPES) {
        const items = configItemsById(world, type);
        const recs = ofType(r, type);
        expect(recs.map((x) => x.resourceId).sort(), type).toEqual([...items.keys()].sort());
        for (const rec of recs) {
          const ci = items.get(rec.resourceId);
          expect(ci, rec.resourceId).toBeDefined();
          expect(Object.keys(rec.configuration).sort(), `${type} keys`).toEqual(
            Object.keys(ci?.configuration as object).sort(),
          );
          expect(decodeDocs(rec.configuration), `${type} ${rec.resourceId}`).toEqual(
            decodeDocs(ci?.configuration),
          );
          expect(rec.resourceName).toBe(ci?.resourceName);
          expect(rec.arn).toBe(ci?.arn);
          expect(rec.awsRegion).toBe(ci?.awsRegion);
          expect(rec.tags).toEqual(configTags(ci));
        }
      }
    } finally {
      await r.close();
    }
  });

  it("keeps policy documents URL-encoded exactly as IAM returned them, hostile text intact", async () => {
    const world = worldWith();
    const r = await collect(world);
    try {
      const g = world.accounts.at(0).global;
      const p0 = g.iamPolicies.at(0);
      const rec = r.byId(p0.PolicyId);
      const versions = rec?.configuration.policyVersionList as { document: string; versionId: string }[];
      expect(versions.map((v) => v.versionId)).toEqual(["v1", "v2"]);
      const v2 = p0.Versions.find((v) => v.VersionId === "v2");
      expect(v2).toBeDefined();
      expect(versions[1]?.document).toBe(encodePolicyDocument(v2?.Document ?? ""));
      expect(decodeURIComponent(versions[1]?.document ?? "")).toBe(v2?.Document);
      const decoded = decodePolicyValue(versions[1]?.document);
      expect(decoded.ok && decoded.value).toEqual(JSON.parse(v2?.Document ?? "null"));
      expect(rec?.configuration.defaultVersionId).toBe("v2");

      const user0 = r.byId(g.iamUsers.at(0).Id);
      expect(user0?.tags).toEqual({ note: HOSTILE });
      expect(user0?.configuration.tags).toEqual([{ key: "note", value: HOSTILE }]);
      const inline = user0?.configuration.userPolicyList as { policyName: string; policyDocument: string }[];
      expect(inline[0]?.policyName).toBe("inline-kms");
      expect(decodeURIComponent(inline[0]?.policyDocument ?? "")).toBe(
        g.iamUsers.at(0).InlinePolicies[0]?.Document,
      );

      const role0 = r.byId(g.iamRoles.at(0).Id);
      expect(decodeURIComponent(String(role0?.configuration.assumeRolePolicyDocument))).toBe(
        g.iamRoles.at(0).AssumeRolePolicyDocument,
      );
      expect(r.byId(g.iamUsers.at(2).Id)?.configuration.groupList).toEqual(["admins"]);
      expect(r.byId(g.iamUsers.at(1).Id)?.configuration.attachedManagedPolicies).toEqual([
        { policyArn: `arn:aws:iam::${MGMT}:policy/policy-0`, policyName: "policy-0" },
      ]);
    } finally {
      await r.close();
    }
  });

  it("pages through GetAccountAuthorizationDetails with MaxItems 1000", async () => {
    // 600 users + 1 group + 2 roles + 1499 customer-managed policies = 2102 entities: 3 pages.
    const global = makeGlobal(MGMT, { policies: 1500, users: 600 });
    const r = await collect(worldWith(global));
    try {
      expect(r.sim.counters.calls({ service: "iam", operation: "GetAccountAuthorizationDetails" })).toBe(3);
      expect(ofType(r, RESOURCE_TYPES.iamUser)).toHaveLength(600);
      expect(ofType(r, RESOURCE_TYPES.iamPolicy)).toHaveLength(1499);
      expect(ofType(r, RESOURCE_TYPES.iamRole)).toHaveLength(2);
      expect(ofType(r, RESOURCE_TYPES.iamGroup)).toHaveLength(1);
      expect(new Set(r.records.map((x) => x.resourceId)).size).toBe(r.records.length);
      expect(r.coverage.find((c) => c.operation === "GetAccountAuthorizationDetails")?.resourceCount).toBe(
        2102,
      );
      expectCalledActionsDeclared(r, iamCollector);
    } finally {
      await r.close();
    }
  });

  it("a denied GetAccountAuthorizationDetails is a denied coverage row and no IAM records", async () => {
    const r = await collect(
      worldWith(undefined, {
        accessDenied: [{ service: "iam", operation: "GetAccountAuthorizationDetails" }],
      }),
    );
    try {
      expect(r.records.filter((x) => (IAM_TYPES as readonly string[]).includes(x.resourceType))).toEqual([]);
      const listing = r.coverage.find(
        (c) => c.service === "iam" && c.operation === "GetAccountAuthorizationDetails",
      );
      expect(listing?.status).toBe("denied");
      expect(listing?.errorCode).toBe("AccessDenied");
    } finally {
      await r.close();
    }
  });

  it("declares its shape", () => {
    expect(iamCollector.scope).toBe("global");
    expect(iamCollector.service).toBe("iam");
    expect([...iamCollector.resourceTypes].sort()).toEqual([...IAM_TYPES].sort());
    expect(iamCollector.listings).toEqual({ GetAccountAuthorizationDetails: [...IAM_TYPES] });
    expect(iamCollector.actions).toEqual(["iam:GetAccountAuthorizationDetails"]);
  });
});
