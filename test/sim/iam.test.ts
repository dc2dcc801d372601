import {
  GetAccountAuthorizationDetailsCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  IAMClient,
  ListEntitiesForPolicyCommand,
  ListPoliciesCommand,
  paginateGetAccountAuthorizationDetails,
  paginateListPolicies,
} from "@aws-sdk/client-iam";
import type { GetAccountAuthorizationDetailsCommandOutput } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { arrayCollection } from "../../src/sim/world/collection.js";
import { startSimulator } from "../../src/sim/wire/server.js";
import type { Simulator } from "../../src/sim/wire/server.js";
import { encodePolicyDocument } from "../../src/sim/services/iam.js";
import { withSimulator } from "./harness.js";
import {
  AUDIT_ROLE,
  HOSTILE,
  MGMT,
  PROD,
  makeAccount,
  makeGlobal,
  sdkConfig,
  sdkError,
  testWorld,
} from "../helpers/sim.js";

let sim: Simulator;
let big: Simulator;
const world = testWorld();
beforeAll(async () => {
  sim = await startSimulator({ world });
  const acct = makeAccount({ id: MGMT, global: makeGlobal(MGMT, { policies: 1234, users: 57, roles: 31 }) });
  big = await startSimulator({ world: testWorld({ accounts: arrayCollection([acct], (a) => a.Id) }) });
});
afterAll(async () => {
  await sim.close();
  await big.close();
});

// IAM is global: clients sign for us-east-1 whatever region they are configured with.
const iam = (s: Simulator = sim, creds = s.credentials): IAMClient =>
  new IAMClient(sdkConfig(s, "us-east-1", creds, { maxAttempts: 1 }));
const policyArn = (name: string, path = "/") => `arn:aws:iam::${MGMT}:policy${path}${name}`;

describe("policy document encoding", () => {
  it("is RFC 3986 URL-encoding that decodeURIComponent reverses exactly", () => {
    const doc = `{"a": "b c+d%20*'()!~ ü 🔐"}`;
    const enc = encodePolicyDocument(doc);
    expect(enc).not.toMatch(/[ "{}+*'()!]/);
    expect(enc).toContain("%20");
    expect(enc).toContain("%2B");
    expect(enc).toContain("%2A");
    expect(decodeURIComponent(enc)).toBe(doc);
  });
});

describe("GetAccountAuthorizationDetails", () => {
  it("returns users, groups, roles and managed policies with URL-encoded documents", async () => {
    const out = await iam().send(new GetAccountAuthorizationDetailsCommand({}));
    expect(out.IsTruncated).toBe(false);
    expect(out.Marker).toBeUndefined();
    const g = world.accounts.get(MGMT)!.global;

    const u0 = out.UserDetailList!.find((u) => u.UserName === "user-0")!;
    expect(u0.Arn).toBe(`arn:aws:iam::${MGMT}:user/user-0`);
    expect(u0.UserPolicyList).toHaveLength(1);
    expect(decodeURIComponent(u0.UserPolicyList![0]!.PolicyDocument!)).toBe(
      g.iamUsers.get("user-0")!.InlinePolicies[0]!.Document,
    );
    expect(u0.UserPolicyList![0]!.PolicyDocument).toMatch(/^%7B%22Version%22%3A%222012-10-17%22/);
    expect(u0.Tags).toEqual([{ Key: "note", Value: HOSTILE }]);
    expect(out.UserDetailList!.find((u) => u.UserName === "user-2")!.GroupList).toEqual(["admins"]);
    expect(out.UserDetailList!.find((u) => u.UserName === "user-1")!.AttachedManagedPolicies).toEqual([
      { PolicyName: "policy-0", PolicyArn: policyArn("policy-0") },
    ]);

    expect(out.GroupDetailList!.map((x) => x.GroupName)).toEqual(["admins"]);
    expect(decodeURIComponent(out.GroupDetailList![0]!.GroupPolicyList![0]!.PolicyDocument!)).toContain(
      '"Action":"*"',
    );

    const role = out.RoleDetailList!.find((r) => r.RoleName === AUDIT_ROLE)!;
    expect(JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument!))).toMatchObject({
      Statement: [{ Principal: { AWS: `arn:aws:iam::${MGMT}:root` }, Action: "sts:AssumeRole" }],
    });
    expect(role.AttachedManagedPolicies).toEqual([
      { PolicyName: "AdministratorAccess", PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess" },
    ]);
    expect(out.RoleDetailList!.find((r) => r.RoleName === "role-1")!.Arn).toBe(
      `arn:aws:iam::${MGMT}:role/service-role/role-1`,
    );

    const names = out.Policies!.map((p) => p.PolicyName);
    expect(names).toEqual(["policy-0", "policy-1", "policy-2", "AdministratorAccess"]);
    const p0 = out.Policies![0]!;
    expect(p0.DefaultVersionId).toBe("v2");
    expect(p0.PolicyVersionList!.map((v) => [v.VersionId, v.IsDefaultVersion])).toEqual([
      ["v1", false],
      ["v2", true],
    ]);
    const hostileDoc = decodeURIComponent(p0.PolicyVersionList![1]!.Document!);
    expect(hostileDoc).toBe(g.iamPolicies.get("policy-0")!.Versions[1]!.Document);
    expect(JSON.parse(hostileDoc).Statement[0].Condition.StringEquals["aws:PrincipalTag/x"]).toBe(HOSTILE);
    expect(out.Policies![3]!.Arn).toBe("arn:aws:iam::aws:policy/AdministratorAccess");
    expect(out.Policies![1]!.Arn).toBe(policyArn("policy-1", "/team/"));
  });

  it("honours Filter", async () => {
    const onlyRoles = await iam().send(new GetAccountAuthorizationDetailsCommand({ Filter: ["Role"] }));
    expect(onlyRoles.UserDetailList).toEqual([]);
    expect(onlyRoles.Policies).toEqual([]);
    expect(onlyRoles.RoleDetailList!.length).toBe(2);
    const local = await iam().send(
      new GetAccountAuthorizationDetailsCommand({ Filter: ["LocalManagedPolicy"] }),
    );
    expect(local.Policies!.map((p) => p.PolicyName)).toEqual(["policy-0", "policy-1", "policy-2"]);
    const aws = await iam().send(new GetAccountAuthorizationDetailsCommand({ Filter: ["AWSManagedPolicy"] }));
    expect(aws.Policies!.map((p) => p.PolicyName)).toEqual(["AdministratorAccess"]);
    expect(
      await sdkError(iam().send(new GetAccountAuthorizationDetailsCommand({ Filter: ["Bogus" as never] }))),
    ).toMatchObject({
      name: "ValidationError",
      status: 400,
    });
  });

  it("paginates with MaxItems/Marker/IsTruncated across all lists", async () => {
    const pages: GetAccountAuthorizationDetailsCommandOutput[] = [];
    for await (const page of paginateGetAccountAuthorizationDetails({ client: iam(big), pageSize: 250 }, {}))
      pages.push(page);
    const count = (p: GetAccountAuthorizationDetailsCommandOutput) =>
      (p.UserDetailList?.length ?? 0) +
      (p.GroupDetailList?.length ?? 0) +
      (p.RoleDetailList?.length ?? 0) +
      (p.Policies?.length ?? 0);
    // 57 users + 1 group + 31 roles + 1234 policies, minus AWS-managed policies attached to nothing.
    const total = pages.reduce((n, p) => n + count(p), 0);
    expect(pages.length).toBeGreaterThan(4);
    expect(pages.slice(0, -1).every((p) => count(p) === 250 && p.IsTruncated === true)).toBe(true);
    expect(pages.at(-1)!.IsTruncated).toBe(false);
    expect(pages.flatMap((p) => p.UserDetailList ?? []).length).toBe(57);
    expect(pages.flatMap((p) => p.RoleDetailList ?? []).length).toBe(31);
    expect(new Set(pages.flatMap((p) => (p.Policies ?? []).map((x) => x.PolicyName))).size).toBe(
      total - 57 - 1 - 31,
    );
  });

  it("validates MaxItems and Marker", async () => {
    expect(
      await sdkError(iam().send(new GetAccountAuthorizationDetailsCommand({ MaxItems: 0 }))),
    ).toMatchObject({ name: "ValidationError" });
    expect(
      await sdkError(iam().send(new GetAccountAuthorizationDetailsCommand({ MaxItems: 1001 }))),
    ).toMatchObject({ name: "ValidationError" });
    expect(
      await sdkError(iam().send(new GetAccountAuthorizationDetailsCommand({ Marker: "nope" }))),
    ).toMatchObject({ name: "ValidationError" });
  });

  it("is per account", async () => {
    const out = await iam(sim, sim.credentialsFor(PROD)).send(
      new GetAccountAuthorizationDetailsCommand({ Filter: ["User"] }),
    );
    expect(out.UserDetailList![0]!.Arn).toBe(`arn:aws:iam::${PROD}:user/user-0`);
  });
});

describe("global endpoint", () => {
  it("serves clients configured for any region, counted under us-east-1", async () => {
    await withSimulator({ world: testWorld() }, async (s, client) => {
      const out = await client(IAMClient, "ap-east-1").send(new ListPoliciesCommand({ Scope: "Local" }));
      expect(out.Policies!.length).toBe(3);
      expect(s.counters.calls({ service: "iam", region: "us-east-1" })).toBe(1);
    });
  });
});

describe("ListPolicies", () => {
  it("lists local policies, attached ones, and pages up to 1000", async () => {
    const local = await iam().send(new ListPoliciesCommand({ Scope: "Local" }));
    expect(local.Policies!.map((p) => p.PolicyName)).toEqual(["policy-0", "policy-1", "policy-2"]);
    expect(local.Policies![0]).toMatchObject({
      Arn: policyArn("policy-0"),
      DefaultVersionId: "v2",
      AttachmentCount: 1,
      IsAttachable: true,
    });
    const attached = await iam().send(new ListPoliciesCommand({ Scope: "Local", OnlyAttached: true }));
    expect(attached.Policies!.map((p) => p.PolicyName)).toEqual(["policy-0", "policy-1"]);
    const team = await iam().send(new ListPoliciesCommand({ PathPrefix: "/team/" }));
    expect(team.Policies!.map((p) => p.PolicyName)).toEqual(["policy-1"]);

    const sizes: number[] = [];
    for await (const page of paginateListPolicies({ client: iam(big), pageSize: 1000 }, { Scope: "Local" }))
      sizes.push(page.Policies!.length);
    expect(sizes).toEqual([1000, 233]); // 1234 policies, one of them AWS-managed
    const small: number[] = [];
    for await (const page of paginateListPolicies({ client: iam(big), pageSize: 100 }, { Scope: "Local" }))
      small.push(page.Policies!.length);
    expect(small.length).toBe(13);
    expect(
      await sdkError(iam().send(new ListPoliciesCommand({ Scope: "Everything" as never }))),
    ).toMatchObject({ name: "ValidationError" });
  });
});

describe("GetPolicy / GetPolicyVersion / ListEntitiesForPolicy", () => {
  it("reads a policy and its default version", async () => {
    const p = await iam().send(new GetPolicyCommand({ PolicyArn: policyArn("policy-0") }));
    expect(p.Policy).toMatchObject({ PolicyName: "policy-0", DefaultVersionId: "v2" });
    const v = await iam().send(
      new GetPolicyVersionCommand({ PolicyArn: policyArn("policy-0"), VersionId: "v2" }),
    );
    expect(v.PolicyVersion!.IsDefaultVersion).toBe(true);
    expect(JSON.parse(decodeURIComponent(v.PolicyVersion!.Document!)).Statement[0].Action).toEqual([
      "kms:Decrypt",
      "kms:ReEncryptFrom",
    ]);
    const aws = await iam().send(
      new GetPolicyCommand({ PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess" }),
    );
    expect(aws.Policy!.PolicyName).toBe("AdministratorAccess");
  });

  it("answers NoSuchEntity for unknown policies and versions, and a wrong path", async () => {
    expect(await sdkError(iam().send(new GetPolicyCommand({ PolicyArn: policyArn("nope") })))).toMatchObject({
      name: "NoSuchEntityException",
      status: 404,
    });
    expect(
      await sdkError(iam().send(new GetPolicyCommand({ PolicyArn: policyArn("policy-1") }))),
    ).toMatchObject({
      name: "NoSuchEntityException",
    });
    expect(
      await sdkError(
        iam().send(new GetPolicyVersionCommand({ PolicyArn: policyArn("policy-0"), VersionId: "v9" })),
      ),
    ).toMatchObject({ name: "NoSuchEntityException" });
  });

  it("lists the entities a policy is attached to", async () => {
    const admin = await iam().send(
      new ListEntitiesForPolicyCommand({ PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess" }),
    );
    expect(admin.PolicyGroups!.map((g) => g.GroupName)).toEqual(["admins"]);
    expect(admin.PolicyRoles!.map((r) => r.RoleName)).toEqual([AUDIT_ROLE, "role-1"]);
    expect(admin.PolicyUsers).toEqual([]);
    const roles = await iam().send(
      new ListEntitiesForPolicyCommand({
        PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
        EntityFilter: "Role",
        MaxItems: 1,
      }),
    );
    expect(roles.PolicyRoles!.map((r) => r.RoleName)).toEqual([AUDIT_ROLE]);
    expect(roles.IsTruncated).toBe(true);
    const rest = await iam().send(
      new ListEntitiesForPolicyCommand({
        PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
        EntityFilter: "Role",
        Marker: roles.Marker,
      }),
    );
    expect(rest.PolicyRoles!.map((r) => r.RoleName)).toEqual(["role-1"]);
    expect(rest.IsTruncated).toBe(false);
  });
});
