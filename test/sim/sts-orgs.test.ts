import { DescribeVolumesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { RDSClient, DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import {
  DescribeOrganizationCommand,
  ListAccountsCommand,
  OrganizationsClient,
  paginateListAccounts,
} from "@aws-sdk/client-organizations";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import type { Credentials } from "@aws-sdk/client-sts";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { arrayCollection } from "../../src/sim/world/collection.js";
import { startSimulator } from "../../src/sim/wire/server.js";
import type { Simulator } from "../../src/sim/wire/server.js";
import { withSimulator } from "./harness.js";
import {
  AUDIT_ROLE,
  DEV,
  EXTERNAL_ID,
  EXTERNAL_ID_ROLE,
  HOSTILE,
  MGMT,
  OUTSIDER,
  PROD,
  UNTRUSTED_ROLE,
  makeAccount,
  pagesOf,
  sdkConfig,
  sdkError,
  testWorld,
} from "../helpers/sim.js";
import type { SdkCredentials } from "../helpers/sim.js";

let sim: Simulator;
let now = Date.now();
const world = testWorld();
beforeAll(async () => {
  sim = await startSimulator({ world, clock: () => now });
});
afterAll(() => sim.close());

const sts = (creds: SdkCredentials = sim.credentials): STSClient =>
  new STSClient(sdkConfig(sim, "us-east-1", creds, { maxAttempts: 1 }));
const roleArn = (account: string, role: string): string => `arn:aws:iam::${account}:role/${role}`;
const asSdk = (c: Credentials): SdkCredentials => ({
  accessKeyId: c.AccessKeyId!,
  secretAccessKey: c.SecretAccessKey!,
  sessionToken: c.SessionToken!,
});

describe("STS GetCallerIdentity", () => {
  it("identifies the base user", async () => {
    const id = await sts().send(new GetCallerIdentityCommand({}));
    expect(id).toMatchObject({ Account: MGMT, Arn: `arn:aws:iam::${MGMT}:user/dpscan-sim` });
    expect(id.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
  });
});

describe("STS AssumeRole", () => {
  it("assumes a trusted role in a member account; calls then act as that account", async () => {
    const out = await sts().send(
      new AssumeRoleCommand({ RoleArn: roleArn(PROD, AUDIT_ROLE), RoleSessionName: "scan-1" }),
    );
    expect(out.AssumedRoleUser).toMatchObject({
      Arn: `arn:aws:sts::${PROD}:assumed-role/${AUDIT_ROLE}/scan-1`,
    });
    expect(out.AssumedRoleUser!.AssumedRoleId).toMatch(/^AROA[A-Z2-7]+:scan-1$/);
    expect(out.Credentials!.AccessKeyId).toMatch(/^ASIA/);
    const ttl = out.Credentials!.Expiration!.getTime() - now;
    expect(ttl).toBeGreaterThan(3590_000);
    expect(ttl).toBeLessThanOrEqual(3600_000);

    const creds = asSdk(out.Credentials!);
    const me = await sts(creds).send(new GetCallerIdentityCommand({}));
    expect(me).toMatchObject({
      Account: PROD,
      Arn: `arn:aws:sts::${PROD}:assumed-role/${AUDIT_ROLE}/scan-1`,
    });
    expect(me.UserId).toBe(out.AssumedRoleUser!.AssumedRoleId);

    const ec2 = new EC2Client(sdkConfig(sim, "us-east-1", creds));
    const vols = await ec2.send(new DescribeVolumesCommand({}));
    expect(vols.Volumes!.every((v) => v.OwnerId === PROD && v.VolumeId!.startsWith("vol-2222"))).toBe(true);
    expect(sim.counters.calls({ service: "ec2", account: PROD })).toBeGreaterThanOrEqual(1);
  });

  it("works through fromTemporaryCredentials", async () => {
    const credentials = fromTemporaryCredentials({
      masterCredentials: sim.credentials,
      params: { RoleArn: roleArn(DEV, AUDIT_ROLE), RoleSessionName: "dpscan" },
      clientConfig: { endpoint: sim.endpoint, region: "us-east-1" },
    });
    const rds = new RDSClient({ endpoint: sim.endpoint, region: "eu-west-1", credentials });
    const me = await new STSClient({ endpoint: sim.endpoint, region: "us-east-1", credentials }).send(
      new GetCallerIdentityCommand({}),
    );
    expect(me.Account).toBe(DEV);
    const dbs = await rds.send(new DescribeDBInstancesCommand({}));
    expect(dbs.DBInstances![0]!.DBInstanceArn).toBe(`arn:aws:rds:eu-west-1:${DEV}:db:db-0`);
    expect(sim.counters.calls({ service: "rds", account: DEV, region: "eu-west-1" })).toBe(1);
  });

  it("requires the ExternalId when the role does", async () => {
    const arn = roleArn(PROD, EXTERNAL_ID_ROLE);
    const missing = await sdkError(
      sts().send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: "s" + "x" })),
    );
    expect(missing).toMatchObject({ name: "AccessDenied", status: 403 });
    expect(missing.message).toBe(
      `User: arn:aws:iam::${MGMT}:user/dpscan-sim is not authorized to perform: sts:AssumeRole on resource: ${arn}`,
    );
    expect(
      await sdkError(
        sts().send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: "sx", ExternalId: "wrong" })),
      ),
    ).toMatchObject({
      name: "AccessDenied",
    });
    const ok = await sts().send(
      new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: "sx", ExternalId: EXTERNAL_ID }),
    );
    expect(ok.Credentials?.AccessKeyId).toBeDefined();
  });

  it("denies untrusted, missing and foreign roles", async () => {
    for (const arn of [
      roleArn(PROD, UNTRUSTED_ROLE),
      roleArn(PROD, "no-such-role"),
      roleArn(OUTSIDER, AUDIT_ROLE),
      `arn:aws:iam::${PROD}:role/some/path/${UNTRUSTED_ROLE}`,
    ]) {
      expect(
        await sdkError(sts().send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: "sx" }))),
      ).toMatchObject({
        name: "AccessDenied",
        status: 403,
      });
    }
  });

  it("denies role chaining to a role that does not trust the intermediate account", async () => {
    const first = await sts().send(
      new AssumeRoleCommand({ RoleArn: roleArn(PROD, AUDIT_ROLE), RoleSessionName: "hop" }),
    );
    const second = await sdkError(
      sts(asSdk(first.Credentials!)).send(
        new AssumeRoleCommand({ RoleArn: roleArn(DEV, AUDIT_ROLE), RoleSessionName: "hop2" }),
      ),
    );
    expect(second).toMatchObject({ name: "AccessDenied" });
    expect(second.message).toContain(`arn:aws:sts::${PROD}:assumed-role/${AUDIT_ROLE}/hop`);
  });

  it("validates DurationSeconds (900..43200) and honours it", async () => {
    const arn = roleArn(PROD, AUDIT_ROLE);
    expect(
      await sdkError(
        sts().send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: "d", DurationSeconds: 899 })),
      ),
    ).toMatchObject({
      name: "ValidationError",
      status: 400,
    });
    expect(
      await sdkError(
        sts().send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: "dd", DurationSeconds: 43201 })),
      ),
    ).toMatchObject({ name: "ValidationError" });
    const long = await sts().send(
      new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: "dd", DurationSeconds: 43200 }),
    );
    expect(long.Credentials!.Expiration!.getTime() - now).toBe(43200_000);
  });

  it("rejects bad session names and malformed ARNs", async () => {
    expect(
      await sdkError(
        sts().send(new AssumeRoleCommand({ RoleArn: roleArn(PROD, AUDIT_ROLE), RoleSessionName: "a b" })),
      ),
    ).toMatchObject({
      name: "ValidationError",
    });
    expect(
      await sdkError(sts().send(new AssumeRoleCommand({ RoleArn: "not-an-arn", RoleSessionName: "ab" }))),
    ).toMatchObject({
      name: "ValidationError",
    });
  });

  it("rejects expired session credentials with each protocol's code", async () => {
    const out = await sts().send(
      new AssumeRoleCommand({
        RoleArn: roleArn(PROD, AUDIT_ROLE),
        RoleSessionName: "exp",
        DurationSeconds: 900,
      }),
    );
    const creds = asSdk(out.Credentials!);
    expect((await sts(creds).send(new GetCallerIdentityCommand({}))).Account).toBe(PROD);
    const saved = now;
    now += 901_000;
    try {
      expect(await sdkError(sts(creds).send(new GetCallerIdentityCommand({})))).toMatchObject({
        name: "ExpiredToken",
        status: 403,
      });
      const ec2 = new EC2Client(sdkConfig(sim, "us-east-1", creds, { maxAttempts: 1 }));
      expect(await sdkError(ec2.send(new DescribeVolumesCommand({})))).toMatchObject({
        name: "RequestExpired",
        status: 400,
      });
    } finally {
      now = saved;
    }
  });
});

describe("session duration cap (world.faults.maxSessionDurationSeconds)", () => {
  it("caps sessions so expiry and refresh can be tested quickly", async () => {
    const w = testWorld({ faults: { maxSessionDurationSeconds: 2 } });
    await withSimulator({ world: w }, async (s, client) => {
      const c = client(STSClient);
      const before = Date.now();
      const out = await c.send(
        new AssumeRoleCommand({ RoleArn: roleArn(PROD, AUDIT_ROLE), RoleSessionName: "short" }),
      );
      const after = Date.now();
      // Issued for 2 s from the server's "now", somewhere between before and after.
      const expires = out.Credentials!.Expiration!.getTime();
      expect(expires).toBeGreaterThanOrEqual(before + 2_000);
      expect(expires).toBeLessThanOrEqual(after + 2_000);

      // The SDK refreshes credentials that expire within minutes: every call re-assumes the role.
      const credentials = fromTemporaryCredentials({
        masterCredentials: s.credentials,
        params: { RoleArn: roleArn(PROD, AUDIT_ROLE), RoleSessionName: "refresh" },
        clientConfig: { endpoint: s.endpoint, region: "us-east-1" },
      });
      const ec2 = new EC2Client({ endpoint: s.endpoint, region: "us-east-1", credentials });
      await ec2.send(new DescribeVolumesCommand({}));
      await ec2.send(new DescribeVolumesCommand({}));
      expect(
        s.counters.calls({ service: "sts", operation: "AssumeRole", account: MGMT }),
      ).toBeGreaterThanOrEqual(3);
      expect(s.counters.calls({ service: "ec2", account: PROD })).toBe(2);
    });
  });
});

describe("Organizations", () => {
  const orgs = (s: Simulator = sim, creds: SdkCredentials = s.credentials): OrganizationsClient =>
    new OrganizationsClient(sdkConfig(s, "us-east-1", creds, { maxAttempts: 1 }));

  it("describes the organization to any member", async () => {
    const out = await orgs().send(new DescribeOrganizationCommand({}));
    expect(out.Organization).toMatchObject({ MasterAccountId: MGMT, FeatureSet: "ALL" });
    expect(out.Organization!.Id).toMatch(/^o-[a-z0-9]{10}$/);
    const asMember = await orgs(sim, sim.credentialsFor(PROD)).send(new DescribeOrganizationCommand({}));
    expect(asMember.Organization!.Id).toBe(out.Organization!.Id);
  });

  it("lists accounts for the management account, hostile names intact", async () => {
    const out = await orgs().send(new ListAccountsCommand({}));
    expect(out.NextToken).toBeUndefined();
    expect(out.Accounts!.map((a) => [a.Id, a.Status])).toEqual([
      [MGMT, "ACTIVE"],
      [PROD, "ACTIVE"],
      [DEV, "ACTIVE"],
    ]);
    expect(out.Accounts![2]!.Name).toBe(HOSTILE);
    expect(out.Accounts![0]!.Arn).toMatch(
      new RegExp(`^arn:aws:organizations::${MGMT}:account/o-[a-z0-9]{10}/${MGMT}$`),
    );
    expect(out.Accounts![0]!.JoinedTimestamp).toBeInstanceOf(Date);
  });

  it("refuses ListAccounts to member accounts", async () => {
    const err = await sdkError(orgs(sim, sim.credentialsFor(PROD)).send(new ListAccountsCommand({})));
    expect(err).toMatchObject({ name: "AccessDeniedException", status: 400 });
    expect(err.message).toBe("You don't have permissions to access this resource.");
  });

  it("paginates with MaxResults up to 20 and NextToken", async () => {
    const many = Array.from({ length: 47 }, (_, i) => makeAccount({ id: String(100000000000 + i) }));
    await withSimulator(
      {
        world: testWorld({ managementAccountId: many[0]!.Id, accounts: arrayCollection(many, (a) => a.Id) }),
      },
      async (s) => {
        const pages = await pagesOf(
          paginateListAccounts({ client: orgs(s), pageSize: 20 }, {}),
          (p) => p.Accounts,
        );
        expect(pages.map((p) => p.length)).toEqual([20, 20, 7]);
        expect(new Set(pages.flat().map((a) => a.Id)).size).toBe(47);
        const dflt = await orgs(s).send(new ListAccountsCommand({}));
        expect(dflt.Accounts!.length).toBe(20);
        expect(await sdkError(orgs(s).send(new ListAccountsCommand({ MaxResults: 21 })))).toMatchObject({
          name: "InvalidInputException",
          status: 400,
        });
        expect(await sdkError(orgs(s).send(new ListAccountsCommand({ NextToken: "forged" })))).toMatchObject({
          name: "InvalidInputException",
        });
      },
    );
  });

  it("throttles with TooManyRequestsException and authenticates as a JSON service", async () => {
    await withSimulator(
      {
        world: testWorld({
          faults: {
            throttling: {
              enabled: true,
              overrides: { organizations: { capacity: 1, refillPerSecond: 0.001 } },
            },
          },
        }),
      },
      async (s) => {
        await orgs(s).send(new DescribeOrganizationCommand({}));
        expect(await sdkError(orgs(s).send(new ListAccountsCommand({})))).toMatchObject({
          name: "TooManyRequestsException",
          status: 400,
        });
        const wrong = { accessKeyId: s.credentials.accessKeyId, secretAccessKey: "wrong" };
        expect(await sdkError(orgs(s, wrong).send(new ListAccountsCommand({})))).toMatchObject({
          name: "InvalidSignatureException",
          status: 400,
        });
        expect(
          await sdkError(
            orgs(s, { accessKeyId: "AKIANOPE", secretAccessKey: "x" }).send(new ListAccountsCommand({})),
          ),
        ).toMatchObject({
          name: "UnrecognizedClientException",
        });
      },
    );
  });

  it("answers AccessDeniedException from an AccessDenied rule", async () => {
    await withSimulator(
      {
        world: testWorld({
          faults: { accessDenied: [{ service: "organizations", operation: "ListAccounts" }] },
        }),
      },
      async (s) => {
        expect(await sdkError(orgs(s).send(new ListAccountsCommand({})))).toMatchObject({
          name: "AccessDeniedException",
          status: 400,
        });
      },
    );
  });
});
