// `--source config` through the real SDK clients against the simulator's AWS Config aggregator, into
// a real SQLite file: parity with the world, pagination, an unknown aggregator, malformed items,
// --enrich (KMS facts in member accounts, denied calls, accounts without a role), --resume.
import { join } from "node:path";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import { describe, expect, it } from "vitest";
import { ClientFactory } from "../../src/aws/clients.js";
import { assumeRoleProvider, roleArnFor } from "../../src/aws/credentials.js";
import { resolveScanOptions, type ScanOptions } from "../../src/cli/scan-options.js";
import {
  CONFIG_SOURCE_TYPES,
  NOT_RECORDED_BY_CONFIG,
  configSourceScan,
  selectOperation,
  type ConfigScanInput,
  type ConfigScanResult,
} from "../../src/collect/aws-config/aggregator.js";
import { ENRICH_OPERATION } from "../../src/collect/aws-config/enrich.js";
import { itemOperation } from "../../src/collect/aws-config/items.js";
import { GLOBAL_REGION, RESOURCE_TYPES } from "../../src/model/resource-types.js";
import { asUnreadable, resourceKey, type ResourceRecord } from "../../src/model/resource.js";
import { arrayCollection } from "../../src/sim/world/collection.js";
import { startSimulator, type Simulator } from "../../src/sim/wire/server.js";
import type { SimService } from "../../src/sim/wire/service.js";
import { configService } from "../../src/sim/services/config.js";
import { allServices } from "../../src/sim/services/index.js";
import type { SimKmsKey, World } from "../../src/sim/world/types.js";
import type { CoverageInput } from "../../src/model/coverage.js";
import { Store } from "../../src/store/store.js";
import { useTmpDir } from "../helpers/tmp.js";
import { AUDIT_ROLE, DEV, MGMT, PROD, UNTRUSTED_ROLE, makeAccount, testWorld } from "../helpers/sim.js";

const tmp = useTmpDir();
const HOME = "us-east-1";
const AGG = "org-aggregator";
const SELECT = "SelectAggregateResourceConfig";

const aggWorld = (partial: Partial<World> = {}): World =>
  testWorld({ aggregators: [{ Name: AGG, AccountId: MGMT, Region: HOME }], ...partial });

interface Run {
  sim: Simulator;
  result: ConfigScanResult;
  records: ResourceRecord[];
  coverage: CoverageInput[];
  row(operation: string, accountId?: string, region?: string, service?: string): CoverageInput | undefined;
}

interface RunOpts {
  enrich?: boolean;
  aggregator?: string;
  flags?: { accounts?: string; excludeAccounts?: string; regions?: string };
  services?: SimService[];
  /** Default: the simulator's base credentials of every account. */
  credentialsFor?: (sim: Simulator, factory: ClientFactory) => ConfigScanInput["credentialsFor"];
  /** Run twice on the same scan (the second as a --resume would). */
  twice?: boolean;
}

const simCreds =
  (sim: Simulator) =>
  (accountId: string): AwsCredentialIdentityProvider => {
    const c = sim.credentialsFor(accountId);
    return async () => ({ accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey });
  };

async function runConfigScan(world: World, opts: RunOpts = {}): Promise<Run & { second?: ConfigScanResult }> {
  const sim = await startSimulator({ world, services: opts.services ?? allServices() });
  const store = new Store(join(tmp(), "config-source.db"));
  const scanId = store.beginScan("scan", "test");
  // Pacing raised: the simulator's throttling is off, and tests make no timing assertions.
  const factory = new ClientFactory({
    concurrency: 16,
    endpoint: sim.endpoint,
    rates: {
      config: { ratePerSecond: 1000, burst: 1000 },
      kms: { ratePerSecond: 1000, burst: 1000 },
      rds: { ratePerSecond: 1000, burst: 1000 },
    },
  });
  const options: ScanOptions = resolveScanOptions(
    {
      config: false,
      region: HOME,
      source: "config",
      aggregator: opts.aggregator ?? AGG,
      enrich: opts.enrich ?? false,
      ...opts.flags,
    },
    {},
  ).options;
  try {
    const callerSession = factory.session(MGMT, simCreds(sim)(MGMT));
    const input: ConfigScanInput = {
      store,
      scanId,
      options,
      factory,
      callerSession,
      caller: { accountId: MGMT, partition: "aws" },
      signal: new AbortController().signal,
      credentialsFor: opts.credentialsFor ? opts.credentialsFor(sim, factory) : simCreds(sim),
    };
    const result = await configSourceScan(input);
    const second = opts.twice ? await configSourceScan(input) : undefined;
    const records = [...store.iterateResources(scanId)].map((r) => r.record);
    const coverage = store.coverage(scanId);
    return {
      sim,
      result,
      ...(second ? { second } : {}),
      records,
      coverage,
      row: (operation, accountId = MGMT, region = HOME, service?: string) =>
        coverage.find(
          (c) =>
            c.operation === operation &&
            c.accountId === accountId &&
            c.region === region &&
            (service === undefined || c.service === service),
        ),
    };
  } finally {
    factory.destroy();
    store.close();
    await sim.close();
  }
}

/** Every resource the world holds of the types Config records, keyed account/region/type/id. */
function worldKeys(world: World): string[] {
  const out: string[] = [];
  const add = (accountId: string, region: string, type: string, id: string): void => {
    out.push(resourceKey({ awsAccountId: accountId, awsRegion: region, resourceType: type, resourceId: id }));
  };
  for (let ai = 0; ai < world.accounts.size; ai++) {
    const a = world.accounts.at(ai);
    if (a.Status !== "ACTIVE") continue;
    const each = <T>(c: { size: number; at(i: number): T }, fn: (x: T) => void): void => {
      for (let i = 0; i < c.size; i++) fn(c.at(i));
    };
    for (const r of a.enabledRegions) {
      const res = a.region(r);
      if (!res) continue;
      each(res.volumes, (v) => add(a.Id, r, RESOURCE_TYPES.ebsVolume, v.VolumeId));
      each(res.kmsKeys, (k) => add(a.Id, r, RESOURCE_TYPES.kmsKey, k.KeyId));
      each(res.rdsInstances, (d) => add(a.Id, r, RESOURCE_TYPES.rdsInstance, d.DbiResourceId));
      each(res.rdsClusters, (c) => add(a.Id, r, RESOURCE_TYPES.rdsCluster, c.DbClusterResourceId));
      each(res.rdsSnapshots, (s) => add(a.Id, r, RESOURCE_TYPES.rdsSnapshot, s.Identifier));
      each(res.rdsClusterSnapshots, (s) => add(a.Id, r, RESOURCE_TYPES.rdsClusterSnapshot, s.Identifier));
      each(res.dynamodbTables, (t) => add(a.Id, r, RESOURCE_TYPES.dynamodbTable, t.TableName));
      each(res.secrets, (s) =>
        add(
          a.Id,
          r,
          RESOURCE_TYPES.secret,
          `arn:aws:secretsmanager:${r}:${a.Id}:secret:${s.Name}-${s.Suffix}`,
        ),
      );
      each(res.trails, (t) => {
        if (t.HomeRegion === r) add(a.Id, r, RESOURCE_TYPES.cloudTrail, t.Name);
      });
      each(res.loadBalancers, (lb) => add(a.Id, r, RESOURCE_TYPES.elbLoadBalancer, lb.LoadBalancerArn));
      each(res.listeners, (l) => add(a.Id, r, RESOURCE_TYPES.elbListener, l.ListenerArn));
    }
    // Recorded by the recorder of the bucket's region: none where that region is not enabled.
    each(a.global.buckets, (b) => {
      if (a.enabledRegions.includes(b.Region)) add(a.Id, b.Region, RESOURCE_TYPES.s3Bucket, b.Name);
    });
    each(a.global.iamPolicies, (p) => {
      if (p.Scope === "Local") add(a.Id, GLOBAL_REGION, RESOURCE_TYPES.iamPolicy, p.PolicyId);
    });
    each(a.global.iamUsers, (u) => add(a.Id, GLOBAL_REGION, RESOURCE_TYPES.iamUser, u.Id));
    each(a.global.iamRoles, (r) => add(a.Id, GLOBAL_REGION, RESOURCE_TYPES.iamRole, r.Id));
    each(a.global.iamGroups, (g) => add(a.Id, GLOBAL_REGION, RESOURCE_TYPES.iamGroup, g.Id));
  }
  return out.sort();
}

const simKeysOf = (world: World, accountId: string, region: string): SimKmsKey[] => {
  const c = world.accounts.get(accountId)!.region(region)!.kmsKeys;
  return Array.from({ length: c.size }, (_, i) => c.at(i));
};
const kmsRecords = (records: ResourceRecord[]): ResourceRecord[] =>
  records.filter((r) => r.resourceType === RESOURCE_TYPES.kmsKey);
const keyRecord = (
  records: ResourceRecord[],
  accountId: string,
  region: string,
  keyId: string,
): ResourceRecord =>
  records.find((r) => r.awsAccountId === accountId && r.awsRegion === region && r.resourceId === keyId)!;

describe("configSourceScan", () => {
  it("stores, across accounts and regions, the resources the world has of every type Config records", async () => {
    const world = aggWorld();
    const r = await runConfigScan(world);
    const stored = r.records.map(resourceKey).sort();
    expect(stored).toEqual(worldKeys(world));
    expect(r.result.resources).toBe(stored.length);
    expect(r.result.accounts).toEqual([MGMT, PROD, DEV].sort());
    expect(r.result.types).toBe(CONFIG_SOURCE_TYPES.length);
    expect(r.result.apiCalls).toBeGreaterThanOrEqual(CONFIG_SOURCE_TYPES.length);

    // One ok row per type, in the aggregator's account and region, counting what was stored.
    for (const t of CONFIG_SOURCE_TYPES) {
      expect(r.row(selectOperation(t)), t).toMatchObject({
        service: "config",
        status: "ok",
        resourceCount: r.records.filter((x) => x.resourceType === t).length,
      });
    }
    // Types Config does not record are reported as not examined.
    for (const t of NOT_RECORDED_BY_CONFIG) {
      expect(r.row(selectOperation(t))).toMatchObject({
        status: "skipped",
        errorCode: "NotRecordedByConfig",
      });
      expect(r.records.some((x) => x.resourceType === t)).toBe(false);
    }
    expect(r.sim.counters.calls({ service: "kms" })).toBe(0);

    // The record is AWS Config's: configuration, tags as a map, the ARN, the capture time.
    const vol = r.records.find(
      (x) => x.resourceType === RESOURCE_TYPES.ebsVolume && x.awsAccountId === PROD,
    )!;
    expect(vol.arn).toBe(`arn:aws:ec2:${vol.awsRegion}:${PROD}:volume/${vol.resourceId}`);
    expect(vol.configuration).toHaveProperty("encrypted");
    expect(vol.configurationItemCaptureTime).not.toBe("1970-01-01T00:00:00.000Z");
    const tagged = r.records.find(
      (x) => x.resourceType === RESOURCE_TYPES.ebsVolume && x.tags.env === "prod",
    );
    expect(tagged).toBeDefined();
  });

  it("pages through a type of several hundred resources with Limit 100", async () => {
    const world = aggWorld({
      accounts: arrayCollection(
        [makeAccount({ id: MGMT, enabledRegions: [HOME], sizes: { volumes: 345 } })],
        (a) => a.Id,
      ),
    });
    const r = await runConfigScan(world);
    const vols = r.records.filter((x) => x.resourceType === RESOURCE_TYPES.ebsVolume);
    expect(vols).toHaveLength(345);
    expect(new Set(vols.map((v) => v.resourceId)).size).toBe(345);
    const row = r.row(selectOperation(RESOURCE_TYPES.ebsVolume))!;
    expect(row).toMatchObject({ status: "ok", resourceCount: 345 });
    expect(row.apiCalls).toBeGreaterThanOrEqual(4);
    expect(r.sim.counters.calls({ service: "config", operation: SELECT })).toBeGreaterThanOrEqual(
      CONFIG_SOURCE_TYPES.length + 3,
    );
    expect(r.records.map(resourceKey).sort()).toEqual(worldKeys(world));
  });

  it("an unknown aggregator fails every type's row and stores nothing", async () => {
    const r = await runConfigScan(aggWorld(), { aggregator: "no-such-aggregator" });
    expect(r.records).toEqual([]);
    expect(r.result).toMatchObject({ resources: 0, accounts: [] });
    for (const t of CONFIG_SOURCE_TYPES) {
      expect(r.row(selectOperation(t)), t).toMatchObject({
        service: "config",
        status: "failed",
        errorCode: "NoSuchConfigurationAggregatorException",
        resourceCount: 0,
      });
    }
    // Every query of that aggregator would fail alike: the rest are not sent (Config quotas are low).
    expect(r.sim.counters.calls({ service: "config" })).toBeLessThan(CONFIG_SOURCE_TYPES.length);
    // The gap source maps each row to its type, for UNKNOWN findings.
    const gap = r.row(selectOperation(RESOURCE_TYPES.kmsKey))!;
    expect(gap).toMatchObject({ scope: "aggregator", resourceTypes: [RESOURCE_TYPES.kmsKey] });
  });

  it("a denied Select is a denied row per type", async () => {
    const world = aggWorld({ faults: { accessDenied: [{ service: "config", operation: SELECT }] } });
    const r = await runConfigScan(world);
    expect(r.records).toEqual([]);
    for (const t of CONFIG_SOURCE_TYPES) {
      expect(r.row(selectOperation(t))?.status, t).toBe("denied");
    }
  });

  it("skips a malformed or unrecorded item, counts it as a failed detail, and keeps the rest", async () => {
    // The aggregator answers two broken items among the volumes.
    const corrupting: SimService = {
      ...configService,
      async handle(operation, req, ctx) {
        const out = await configService.handle(operation, req, ctx);
        const expr = String((JSON.parse(req.body.toString("utf8")) as { Expression?: string }).Expression);
        if (operation !== SELECT || out.status !== 200 || !expr.includes(RESOURCE_TYPES.ebsVolume))
          return out;
        const body = JSON.parse(out.body.toString()) as { Results?: string[]; NextToken?: string };
        const results = body.Results ?? [];
        if (!("NextToken" in body) && results.length >= 2) {
          results[0] = '{"resourceId": "vol-broken", "configuration": {';
          const unrecorded = JSON.parse(results[1]!) as Record<string, unknown>;
          results[1] = JSON.stringify({
            ...unrecorded,
            configurationItemStatus: "ResourceNotRecorded",
            configuration: null,
          });
        }
        return { ...out, body: JSON.stringify(body) };
      },
    };
    const world = aggWorld();
    const services = allServices().map((s) => (s.signingName === "config" ? corrupting : s));
    const r = await runConfigScan(world, { services });
    const expectedVolumes = worldKeys(world).filter((k) =>
      k.includes(`/${RESOURCE_TYPES.ebsVolume}/`),
    ).length;
    const vols = r.records.filter((x) => x.resourceType === RESOURCE_TYPES.ebsVolume);
    expect(vols).toHaveLength(expectedVolumes - 2);
    expect(r.row(selectOperation(RESOURCE_TYPES.ebsVolume))).toMatchObject({
      status: "ok",
      resourceCount: expectedVolumes - 2,
    });
    const item = r.row(itemOperation(RESOURCE_TYPES.ebsVolume))!;
    expect(item).toMatchObject({
      status: "failed",
      errorCode: "MalformedItem",
      resourceCount: expectedVolumes - 2,
    });
    expect(item.errorMessage).toMatch(/2 of \d+ items unusable: 1 malformed, 1 not recorded/);
    expect(item).toMatchObject({ scope: "aggregator", resourceTypes: [RESOURCE_TYPES.ebsVolume] });
    // Other types are untouched.
    expect(r.row(itemOperation(RESOURCE_TYPES.kmsKey))).toBeUndefined();
  });

  it("without --enrich leaves the KMS facts Config does not record absent", async () => {
    const r = await runConfigScan(aggWorld());
    const keys = kmsRecords(r.records);
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) {
      expect(k.supplementaryConfiguration).not.toHaveProperty("KeyPolicy");
      expect(k.supplementaryConfiguration).not.toHaveProperty("KeyRotationStatus");
      expect(k.supplementaryConfiguration).not.toHaveProperty("Aliases");
      expect(k.configuration).toHaveProperty("keyManager");
    }
    expect(r.coverage.some((c) => c.service === "kms")).toBe(false);
  });

  it("--enrich reads key policy, rotation status and aliases from KMS in each key's own account and region", async () => {
    const world = aggWorld();
    const r = await runConfigScan(world, { enrich: true });
    const keys = kmsRecords(r.records);
    expect(r.result.enrichedKeys).toBe(keys.length);
    for (const [accountId, region] of [
      [PROD, "us-west-2"],
      [DEV, "af-south-1"],
      [MGMT, HOME],
    ] as const) {
      const sim = simKeysOf(world, accountId, region);
      // 0: customer symmetric, rotating; 1: pending deletion; 2: RSA; 3: AWS-managed.
      sim.forEach((k, i) => {
        const rec = keyRecord(r.records, accountId, region, k.KeyId);
        expect(rec.supplementaryConfiguration.KeyPolicy).toEqual({
          policyName: "default",
          policyText: k.Policy,
        });
        expect(rec.supplementaryConfiguration.Aliases).toEqual(k.Aliases);
        if (i === 0) {
          expect(rec.supplementaryConfiguration.KeyRotationStatus).toMatchObject({
            keyRotationEnabled: true,
            rotationPeriodInDays: 365,
          });
        } else {
          // Rotation does not apply: not asked, like the API path.
          expect(rec.supplementaryConfiguration).not.toHaveProperty("KeyRotationStatus");
        }
        // Config's configuration and tags are kept.
        expect(rec.configuration.keyId).toBe(k.KeyId);
      });
      for (const op of ["GetKeyPolicy", "GetKeyRotationStatus", "ListAliases"]) {
        expect(r.row(op, accountId, region), `${accountId}/${region}/${op}`).toMatchObject({
          service: "kms",
          status: "ok",
        });
      }
      expect(
        r.sim.counters.calls({ service: "kms", operation: "GetKeyPolicy", account: accountId, region }),
      ).toBe(sim.length);
    }
    // Enrichment added no records: still one per key.
    expect(keys.map(resourceKey).sort()).toEqual(
      worldKeys(world).filter((k) => k.includes(`/${RESOURCE_TYPES.kmsKey}/`)),
    );
  });

  it("--enrich: a denied KMS call leaves the unreadable marker where the fact would be", async () => {
    const world = aggWorld({
      faults: {
        accessDenied: [
          { service: "kms", operation: "GetKeyPolicy", account: PROD },
          { service: "kms", operation: "ListAliases", account: DEV, region: "eu-west-1" },
        ],
      },
    });
    const r = await runConfigScan(world, { enrich: true });
    for (const k of kmsRecords(r.records)) {
      const s = k.supplementaryConfiguration;
      if (k.awsAccountId === PROD) {
        expect(asUnreadable(s.KeyPolicy)).toMatchObject({
          errorCode: "AccessDeniedException",
          operation: "GetKeyPolicy",
        });
      } else {
        expect(asUnreadable(s.KeyPolicy)).toBeUndefined();
        expect(s.KeyPolicy).toHaveProperty("policyText");
      }
      if (k.awsAccountId === DEV && k.awsRegion === "eu-west-1") {
        expect(asUnreadable(s.Aliases)).toMatchObject({
          errorCode: "AccessDeniedException",
          operation: "ListAliases",
        });
      } else {
        expect(Array.isArray(s.Aliases)).toBe(true);
      }
    }
    expect(r.row("GetKeyPolicy", PROD, "us-west-2")).toMatchObject({
      status: "denied",
      errorCode: "AccessDeniedException",
    });
    expect(r.row("GetKeyPolicy", DEV, "us-west-2")?.status).toBe("ok");
    expect(r.row("ListAliases", DEV, "eu-west-1")?.status).toBe("denied");
  });

  it("--enrich through roles: an account without a role, or whose role cannot be assumed, is a gap with the facts absent", async () => {
    const world = aggWorld();
    const third = "444444444444";
    world.accounts = arrayCollection(
      [
        ...Array.from({ length: world.accounts.size }, (_, i) => world.accounts.at(i)),
        makeAccount({ id: third, enabledRegions: [HOME], sizes: { kmsKeys: 1 } }),
      ],
      (a) => a.Id,
    );
    const r = await runConfigScan(world, {
      enrich: true,
      credentialsFor: (sim, factory) => {
        const sts = factory.session(MGMT, simCreds(sim)(MGMT)).client("sts", HOME);
        const role = (accountId: string, name: string): AwsCredentialIdentityProvider =>
          assumeRoleProvider({
            roleArn: roleArnFor("aws", accountId, name),
            sessionName: "dpscan",
            durationSeconds: 3600,
            sts,
          });
        return (accountId) =>
          accountId === PROD
            ? role(PROD, AUDIT_ROLE)
            : accountId === DEV
              ? role(DEV, UNTRUSTED_ROLE)
              : undefined;
      },
    });
    for (const k of kmsRecords(r.records)) {
      const s = k.supplementaryConfiguration;
      if (k.awsAccountId === PROD || k.awsAccountId === MGMT) {
        expect(s.KeyPolicy, `${k.awsAccountId}`).toHaveProperty("policyText");
      } else {
        // Not collected: absent (rules say UNKNOWN), not a marker of a call never made.
        expect(s).not.toHaveProperty("KeyPolicy");
        expect(s).not.toHaveProperty("KeyRotationStatus");
        expect(s).not.toHaveProperty("Aliases");
      }
    }
    expect(r.row(ENRICH_OPERATION, DEV, HOME, "kms")).toMatchObject({
      status: "denied",
      errorCode: "AccessDenied",
    });
    expect(r.row(ENRICH_OPERATION, third, HOME, "kms")).toMatchObject({
      status: "denied",
      errorCode: "NoCredentials",
    });
    // The DB instances' TLS facts are missing there too, said once for the service.
    expect(r.row(ENRICH_OPERATION, DEV, HOME, "rds")).toMatchObject({
      status: "denied",
      errorMessage: expect.stringContaining("TlsEnforcement of its DB instances not collected"),
    });
    expect(r.row(ENRICH_OPERATION, PROD)).toBeUndefined();
    // One AssumeRole per account, however many keys, instances and regions it has.
    expect(r.sim.counters.calls({ service: "sts", operation: "AssumeRole" })).toBe(2);
    expect(r.sim.counters.calls({ service: "kms", account: DEV })).toBe(0);
    // The records themselves are all there.
    expect(r.records.filter((x) => x.awsAccountId === DEV).length).toBeGreaterThan(0);
    expect(r.row(selectOperation(RESOURCE_TYPES.kmsKey))?.status).toBe("ok");
  });

  it("--enrich reads DB instances' TLS enforcement from their parameter groups, each group once per region", async () => {
    const r = await runConfigScan(aggWorld(), { enrich: true });
    const instances = r.records.filter((x) => x.resourceType === RESOURCE_TYPES.rdsInstance);
    expect(instances.length).toBeGreaterThan(0);
    const tls = (name: string, accountId = PROD, region = "us-west-2") =>
      instances.find((x) => x.resourceName === name && x.awsAccountId === accountId && x.awsRegion === region)
        ?.supplementaryConfiguration.TlsEnforcement;
    expect(tls("db-0")).toMatchObject({
      parameterGroup: "default.mysql8.0",
      value: "0",
      source: "engine-default",
    });
    expect(tls("db-1")).toMatchObject({ parameterGroup: "default.postgres16", value: "1", source: "system" });
    // A cluster member: its cluster's group, found with DescribeDBClusters.
    console.log(JSON.stringify(tls("db-4")));
    expect(tls("db-4")).toMatchObject({
      parameterGroup: "default.aurora-postgresql15",
      parameterGroupType: "DB cluster parameter group",
      applyStatus: "in-sync",
      value: "0",
    });
    expect(instances.every((x) => x.supplementaryConfiguration.TlsEnforcement !== undefined)).toBe(true);
    const calls = (operation: string) =>
      r.sim.counters.calls({ service: "rds", operation, account: PROD, region: "us-west-2" });
    expect(calls("DescribeDBParameters")).toBe(2);
    expect(calls("DescribeDBClusterParameters")).toBe(1);
    expect(calls("DescribeDBClusters")).toBe(1);
    expect(r.row("DescribeDBParameters", PROD, "us-west-2", "rds")).toMatchObject({
      status: "ok",
      resourceTypes: [],
    });
  });

  it("honours --accounts, --exclude-accounts and --regions", async () => {
    const world = aggWorld();
    const a = await runConfigScan(world, { flags: { accounts: `${PROD},${DEV}`, excludeAccounts: DEV } });
    expect(a.result.accounts).toEqual([PROD]);
    expect(new Set(a.records.map((x) => x.awsAccountId))).toEqual(new Set([PROD]));
    const b = await runConfigScan(world, { flags: { regions: "us-west-2" } });
    for (const x of b.records) {
      if (x.resourceType === RESOURCE_TYPES.s3Bucket || x.awsRegion === GLOBAL_REGION) continue;
      expect(x.awsRegion).toBe("us-west-2");
    }
    expect(b.records.some((x) => x.awsRegion === GLOBAL_REGION)).toBe(true);
    expect(
      b.records.some((x) => x.resourceType === RESOURCE_TYPES.s3Bucket && x.awsRegion === "eu-west-1"),
    ).toBe(true);
  });

  it("a resumed scan does not query again the types it finished", async () => {
    const r = await runConfigScan(aggWorld(), { twice: true });
    expect(r.second).toMatchObject({ types: 0, typesSkippedAsDone: CONFIG_SOURCE_TYPES.length, apiCalls: 0 });
    expect(r.sim.counters.calls({ service: "config", operation: SELECT })).toBe(
      r.coverage
        .filter((c) => c.operation.startsWith(`${SELECT}:`) && c.status === "ok")
        .reduce((n, c) => n + (c.apiCalls ?? 0), 0),
    );
  });
});
