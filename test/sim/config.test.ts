// AWS Config advanced queries through the real @aws-sdk/client-config-service: single-account
// SelectResourceConfig, aggregator queries across accounts and regions, and the shape of the
// configuration items built from the world.
import { describe, expect, it } from "vitest";
import {
  ConfigServiceClient,
  DescribeConfigurationAggregatorsCommand,
  SelectAggregateResourceConfigCommand,
  SelectResourceConfigCommand,
  paginateSelectAggregateResourceConfig,
  paginateSelectResourceConfig,
} from "@aws-sdk/client-config-service";
import { configService, parseQuery } from "../../src/sim/services/config.js";
import { emptyCollection, lazyCollection } from "../../src/sim/world/collection.js";
import { worldFromDocument } from "../../src/sim/world/file.js";
import { useSimulator, withSimulator } from "./harness.js";
import { HOSTILE as SHARED_HOSTILE, MGMT, pagesOf, sdkError, testWorld } from "../helpers/sim.js";
import type { RegionResources, SimAccount, SimVolume, World } from "../../src/sim/world/types.js";

const A = "111111111111"; // management, owns the aggregator
const B = "222222222222";
const C = "333333333333"; // suspended
const D = "444444444444"; // many volumes
const US = "us-east-1";
const EU = "eu-west-1";
const KEY_ID = "aaaaaaaa-0000-4000-8000-000000000001";
const KEY = `arn:aws:kms:${US}:${A}:key/${KEY_ID}`;
const HOSTILE = `<script>alert("x")</script> & 'q' — ünïcødé ⚙️`;
const MALFORMED = `{"Statement": [ <broken`;
const POLICY_DOC = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "kms:Decrypt", Resource: "*" }],
});
const AGG = "org-aggregator";
const MANY = 250;
const VOL_A1 = "vol-00000000000000001";
const VOL_A2 = "vol-00000000000000002";
const VOL_A_EU = "vol-00000000000000003";
const VOL_B1 = "vol-00000000000000004";
const VOL_B_EU = "vol-00000000000000005";
const VOL_C1 = "vol-00000000000000006";
const volD = (i: number) => `vol-${(0xd00 + i).toString(16).padStart(17, "0")}`;

const world = worldFromDocument({
  managementAccountId: A,
  aggregators: [{ Name: AGG, AccountId: A, Region: US }],
  accounts: [
    {
      Id: A,
      enabledRegions: [US, EU],
      regions: {
        [US]: {
          kmsKeys: [
            {
              KeyId: KEY_ID,
              RotationEnabled: true,
              Policy: MALFORMED,
              Tags: [{ TagKey: HOSTILE, TagValue: HOSTILE }],
            },
          ],
          volumes: [
            {
              VolumeId: VOL_A1,
              Size: 8,
              Encrypted: true,
              KmsKeyId: KEY,
              Tags: [{ Key: "Name", Value: HOSTILE }],
            },
            { VolumeId: VOL_A2, Size: 8, Encrypted: false },
          ],
          snapshots: [{ SnapshotId: "snap-0000000000000000a", Encrypted: false }],
          rdsInstances: [
            {
              DBInstanceIdentifier: "db-a",
              DbiResourceId: "db-ABCDEF",
              StorageEncrypted: true,
              KmsKeyId: KEY,
            },
          ],
          rdsClusters: [
            { DBClusterIdentifier: "cl-a", DbClusterResourceId: "cluster-ABCDEF", StorageEncrypted: false },
          ],
          rdsSnapshots: [
            {
              Identifier: "snap-db-a",
              SourceIdentifier: "db-a",
              Encrypted: true,
              KmsKeyId: KEY,
              SharedWith: [B],
            },
          ],
          rdsClusterSnapshots: [{ Identifier: "snap-cl-a", SourceIdentifier: "cl-a", Encrypted: false }],
          dynamodbTables: [{ TableName: "t-default" }, { TableName: "t-kms", SSE: { KMSMasterKeyArn: KEY } }],
          secrets: [{ Name: "app/secret", Suffix: "AbC123", RotationEnabled: false, KmsKeyId: KEY }],
          trails: [{ Name: "main", KmsKeyId: KEY }],
        },
        [EU]: { volumes: [{ VolumeId: VOL_A_EU, Size: 8, Encrypted: true }] },
      },
      global: {
        buckets: [
          {
            Name: "a-us",
            Region: US,
            Policy: MALFORMED,
            Encryption: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: KEY, BucketKeyEnabled: true },
            Tags: [{ Key: HOSTILE, Value: `"${HOSTILE}"` }],
          },
          { Name: "a-eu", Region: EU, Encryption: null, PublicAccessBlock: null },
        ],
        iamPolicies: [
          { PolicyName: "kms-decrypt", PolicyId: "ANPAEXAMPLE0001", Document: POLICY_DOC },
          {
            PolicyName: "AWSManaged",
            PolicyId: "ANPAEXAMPLE0002",
            Scope: "AWS",
            Path: "/",
            Document: POLICY_DOC,
          },
        ],
        iamRoles: [{ Name: "r1", Id: "AROAEXAMPLE0001", AssumeRolePolicyDocument: POLICY_DOC }],
        iamUsers: [
          {
            Name: "u1",
            Id: "AIDAEXAMPLE0001",
            InlinePolicies: [{ PolicyName: "inline", Document: POLICY_DOC }],
          },
        ],
        iamGroups: [{ Name: "g1", Id: "AGPAEXAMPLE0001" }],
      },
    },
    {
      Id: B,
      enabledRegions: [US, EU],
      regions: {
        [US]: { volumes: [{ VolumeId: VOL_B1, Size: 8, Encrypted: false }] },
        [EU]: { volumes: [{ VolumeId: VOL_B_EU, Size: 8, Encrypted: true }] },
      },
      global: { buckets: [{ Name: "b-eu", Region: EU }] },
    },
    {
      Id: C,
      Status: "SUSPENDED",
      regions: { [US]: { volumes: [{ VolumeId: VOL_C1, Size: 8, Encrypted: false }] } },
    },
    {
      Id: D,
      regions: {
        [US]: {
          volumes: Array.from({ length: MANY }, (_, i) => ({
            VolumeId: volD(i),
            Size: 1,
            Encrypted: i % 2 === 0,
          })),
        },
      },
    },
  ],
});

const sim = useSimulator({ world, services: [configService] });
const cfg = (region = US, account = A): ConfigServiceClient =>
  sim.client(ConfigServiceClient, region, account);

type Item = Record<string, unknown> & {
  configuration?: Record<string, unknown>;
  supplementaryConfiguration?: Record<string, unknown>;
};

async function select(expression: string, region = US, account = A): Promise<Item[]> {
  const out: Item[] = [];
  for await (const page of paginateSelectResourceConfig(
    { client: cfg(region, account) },
    { Expression: expression },
  )) {
    for (const r of page.Results ?? []) out.push(JSON.parse(r) as Item);
  }
  return out;
}

async function aggregate(expression: string): Promise<Item[]> {
  const out: Item[] = [];
  const input = { Expression: expression, ConfigurationAggregatorName: AGG };
  for await (const page of paginateSelectAggregateResourceConfig({ client: cfg(), pageSize: 100 }, input)) {
    for (const r of page.Results ?? []) out.push(JSON.parse(r) as Item);
  }
  return out;
}

describe("Config query parsing", () => {
  it("parses the subset dpscan sends", () => {
    const q = parseQuery(
      "select resourceId, configuration.encrypted WHERE resourceType IN ('AWS::EC2::Volume', 'AWS::KMS::Key') and accountId = '1' AND awsRegion = 'it''s'",
    );
    expect(q.fields).toEqual(["resourceId", "configuration.encrypted"]);
    expect([...(q.where.get("resourceType") ?? [])]).toEqual(["AWS::EC2::Volume", "AWS::KMS::Key"]);
    expect([...(q.where.get("awsRegion") ?? [])]).toEqual(["it's"]);
  });

  it("rejects what it does not support with InvalidExpressionException", async () => {
    for (const Expression of [
      "SELECT resourceId WHERE configuration.encrypted = false",
      "SELECT resourceId WHERE resourceType = 'AWS::EC2::Volume' OR resourceType = 'AWS::KMS::Key'",
      "SELECT COUNT(*) WHERE resourceType = 'AWS::EC2::Volume'",
      "SELECT nope",
      "DELETE resourceId",
    ]) {
      expect((await sdkError(cfg().send(new SelectResourceConfigCommand({ Expression })))).name).toBe(
        "InvalidExpressionException",
      );
    }
  });

  it("rejects Limit above 100", async () => {
    const e = await sdkError(
      cfg().send(new SelectResourceConfigCommand({ Expression: "SELECT resourceId", Limit: 101 })),
    );
    expect(e.name).toBe("InvalidLimitException");
  });
});

describe("SelectResourceConfig (one account, one region)", () => {
  it("returns the caller's volumes in the signing region with QueryInfo", async () => {
    const out = await cfg().send(
      new SelectResourceConfigCommand({
        Expression:
          "SELECT resourceId, resourceType, configuration.encrypted, configuration.kmsKeyId WHERE resourceType = 'AWS::EC2::Volume'",
      }),
    );
    expect(out.QueryInfo?.SelectFields?.map((f) => f.Name)).toEqual([
      "resourceId",
      "resourceType",
      "configuration.encrypted",
      "configuration.kmsKeyId",
    ]);
    expect(out.Results?.map((r) => JSON.parse(r) as unknown)).toEqual([
      {
        resourceId: VOL_A1,
        resourceType: "AWS::EC2::Volume",
        configuration: { encrypted: true, kmsKeyId: KEY },
      },
      {
        resourceId: VOL_A2,
        resourceType: "AWS::EC2::Volume",
        configuration: { encrypted: false, kmsKeyId: null },
      },
    ]);
    expect(out.NextToken).toBeUndefined();
  });

  it("pages 250 volumes with the SDK paginator", async () => {
    const pages = await pagesOf(
      paginateSelectResourceConfig(
        { client: cfg(US, D), pageSize: 100 },
        { Expression: "SELECT resourceId WHERE resourceType = 'AWS::EC2::Volume'" },
      ),
      (p) => p.Results?.map((r) => JSON.parse(r) as Item),
    );
    const items = pages.flat();
    expect(pages).toHaveLength(3);
    expect(new Set(items.map((i) => i.resourceId)).size).toBe(MANY);
  });

  it("records each bucket in its own region with policy, encryption and public access block", async () => {
    const us = await select(
      "SELECT resourceId, awsRegion, supplementaryConfiguration, tags WHERE resourceType = 'AWS::S3::Bucket'",
    );
    expect(us.map((i) => i.resourceId)).toEqual(["a-us"]);
    const sup = us[0]?.supplementaryConfiguration;
    expect(sup?.["BucketPolicy"]).toEqual({ policyText: MALFORMED });
    expect(sup?.["ServerSideEncryptionConfiguration"]).toEqual({
      rules: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyID: KEY },
          bucketKeyEnabled: true,
        },
      ],
    });
    expect(sup?.["PublicAccessBlockConfiguration"]).toEqual({
      blockPublicAcls: true,
      ignorePublicAcls: true,
      blockPublicPolicy: true,
      restrictPublicBuckets: true,
    });
    expect(us[0]?.tags).toEqual([{ key: HOSTILE, value: `"${HOSTILE}"` }]);

    const eu = await select(
      "SELECT resourceId, supplementaryConfiguration WHERE resourceType = 'AWS::S3::Bucket'",
      EU,
    );
    expect(eu.map((i) => i.resourceId)).toEqual(["a-eu"]);
    expect(eu[0]?.supplementaryConfiguration?.["BucketPolicy"]).toEqual({ policyText: null });
    expect(eu[0]?.supplementaryConfiguration?.["PublicAccessBlockConfiguration"]).toBeUndefined();
    expect(eu[0]?.supplementaryConfiguration?.["ServerSideEncryptionConfiguration"]).toEqual({
      rules: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256", kmsMasterKeyID: null },
          bucketKeyEnabled: false,
        },
      ],
    });
  });

  it("records IAM only in the global recording region, customer-managed policies only, URL-encoded", async () => {
    const iam =
      "SELECT resourceType, resourceId, resourceName, awsRegion, configuration WHERE resourceType IN ('AWS::IAM::Policy', 'AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group')";
    expect(await select(iam, EU)).toEqual([]);
    const items = await select(iam);
    expect(items.map((i) => `${String(i.resourceType)}:${String(i.resourceName)}`)).toEqual([
      "AWS::IAM::Policy:kms-decrypt",
      "AWS::IAM::User:u1",
      "AWS::IAM::Role:r1",
      "AWS::IAM::Group:g1",
    ]);
    const policy = items[0];
    expect(policy?.awsRegion).toBe("global");
    expect(policy?.resourceId).toBe("ANPAEXAMPLE0001");
    const versions = policy?.configuration?.["policyVersionList"] as {
      document: string;
      isDefaultVersion: boolean;
    }[];
    expect(versions[0]?.document).toBe(encodeURIComponent(POLICY_DOC));
    expect(decodeURIComponent(versions[0]?.document ?? "")).toBe(POLICY_DOC);
    const user = items[1]?.configuration;
    expect(user?.["userPolicyList"]).toEqual([
      { policyName: "inline", policyDocument: encodeURIComponent(POLICY_DOC) },
    ]);
    expect(items[2]?.configuration?.["assumeRolePolicyDocument"]).toBe(encodeURIComponent(POLICY_DOC));
  });

  it("does not record EBS snapshots, KMS key policies or rotation status", async () => {
    expect(await select("SELECT resourceId WHERE resourceType = 'AWS::EC2::Snapshot'")).toEqual([]);
    const [key] = await select("SELECT * WHERE resourceType = 'AWS::KMS::Key'");
    const text = JSON.stringify(key);
    expect(text).not.toContain("broken");
    expect(text.toLowerCase()).not.toContain("rotation");
    expect(key?.configuration).toMatchObject({
      keyId: KEY_ID,
      keyManager: "CUSTOMER",
      keyState: "Enabled",
      origin: "AWS_KMS",
    });
    expect(key?.tags).toEqual([{ key: HOSTILE, value: HOSTILE }]);
  });

  it("builds RDS, DynamoDB, Secrets Manager and CloudTrail items as Config records them", async () => {
    const items = await select(
      "SELECT resourceType, resourceId, resourceName, configuration, supplementaryConfiguration WHERE resourceType IN ('AWS::RDS::DBInstance', 'AWS::RDS::DBCluster', 'AWS::RDS::DBSnapshot', 'AWS::RDS::DBClusterSnapshot', 'AWS::DynamoDB::Table', 'AWS::SecretsManager::Secret', 'AWS::CloudTrail::Trail')",
    );
    const byType = (t: string) => items.filter((i) => i.resourceType === t);
    expect(byType("AWS::RDS::DBInstance")[0]).toMatchObject({
      resourceId: "db-ABCDEF",
      resourceName: "db-a",
      configuration: {
        dBInstanceIdentifier: "db-a",
        storageEncrypted: true,
        kmsKeyId: KEY,
        dbiResourceId: "db-ABCDEF",
      },
    });
    expect(byType("AWS::RDS::DBCluster")[0]).toMatchObject({
      resourceId: "cluster-ABCDEF",
      configuration: { dbclusterIdentifier: "cl-a", storageEncrypted: false },
    });
    expect(byType("AWS::RDS::DBSnapshot")[0]).toMatchObject({
      configuration: { dBSnapshotIdentifier: "snap-db-a", encrypted: true, kmsKeyId: KEY },
      supplementaryConfiguration: {
        DBSnapshotAttributes: [{ attributeName: "restore", attributeValues: [B] }],
      },
    });
    expect(byType("AWS::RDS::DBClusterSnapshot")[0]).toMatchObject({
      configuration: { dbclusterSnapshotIdentifier: "snap-cl-a", storageEncrypted: false },
    });
    const tables = byType("AWS::DynamoDB::Table");
    expect(tables.map((t) => t.resourceId)).toEqual(["t-default", "t-kms"]);
    expect(tables[0]?.configuration?.["ssedescription"]).toBeUndefined();
    expect(tables[1]?.configuration?.["ssedescription"]).toEqual({
      status: "ENABLED",
      ssetype: "KMS",
      kmsmasterKeyArn: KEY,
    });
    const secretArn = `arn:aws:secretsmanager:${US}:${A}:secret:app/secret-AbC123`;
    expect(byType("AWS::SecretsManager::Secret")[0]).toMatchObject({
      resourceId: secretArn,
      resourceName: "app/secret",
      configuration: { ARN: secretArn, Name: "app/secret", KMSKeyId: KEY, RotationEnabled: false },
    });
    expect(byType("AWS::CloudTrail::Trail")[0]).toMatchObject({
      resourceId: "main",
      configuration: {
        name: "main",
        kmsKeyId: KEY,
        isMultiRegionTrail: true,
        homeRegion: US,
        logFileValidationEnabled: true,
      },
    });
  });

  it("filters on accountId within the caller's own account only", async () => {
    expect(
      await select(`SELECT resourceId WHERE resourceType = 'AWS::EC2::Volume' AND accountId = '${B}'`),
    ).toEqual([]);
    expect(
      await select(`SELECT resourceId WHERE resourceType = 'AWS::EC2::Volume' AND accountId = '${A}'`),
    ).toHaveLength(2);
  });
});

describe("SelectAggregateResourceConfig", () => {
  it("spans every ACTIVE account and enabled region, skipping suspended accounts", async () => {
    const items = await aggregate(
      "SELECT accountId, awsRegion, resourceId WHERE resourceType = 'AWS::EC2::Volume'",
    );
    const keys = items.map((i) => `${String(i.accountId)}/${String(i.awsRegion)}/${String(i.resourceId)}`);
    expect(keys).toHaveLength(5 + MANY);
    expect(keys).toEqual(
      expect.arrayContaining([
        `${A}/${US}/${VOL_A1}`,
        `${A}/${US}/${VOL_A2}`,
        `${A}/${EU}/${VOL_A_EU}`,
        `${B}/${US}/${VOL_B1}`,
        `${B}/${EU}/${VOL_B_EU}`,
      ]),
    );
    expect(keys.some((k) => k.startsWith(C))).toBe(false);
  });

  it("narrows by accountId and awsRegion, across resource types", async () => {
    const eu = await aggregate(
      `SELECT accountId, resourceType, resourceId WHERE resourceType IN ('AWS::EC2::Volume', 'AWS::S3::Bucket') AND awsRegion = '${EU}'`,
    );
    expect(eu.map((i) => `${String(i.accountId)}:${String(i.resourceId)}`).sort()).toEqual(
      [`${A}:${VOL_A_EU}`, `${A}:a-eu`, `${B}:${VOL_B_EU}`, `${B}:b-eu`].sort(),
    );
    const b = await aggregate(
      `SELECT resourceId WHERE resourceType = 'AWS::EC2::Volume' AND accountId IN ('${B}', '${C}')`,
    );
    expect(b.map((i) => i.resourceId).sort()).toEqual([VOL_B1, VOL_B_EU]);
    const global = await aggregate(
      "SELECT resourceId WHERE awsRegion = 'global' AND resourceType = 'AWS::IAM::Role'",
    );
    expect(global.map((i) => i.resourceId)).toEqual(["AROAEXAMPLE0001"]);
  });

  it("answers NoSuchConfigurationAggregatorException for unknown names, other regions and other accounts", async () => {
    const Expression = "SELECT resourceId";
    for (const [client, name] of [
      [cfg(), "nope"],
      [cfg(EU), AGG],
      [cfg(US, B), AGG],
    ] as const) {
      const e = await sdkError(
        client.send(
          new SelectAggregateResourceConfigCommand({ Expression, ConfigurationAggregatorName: name }),
        ),
      );
      expect(e.name).toBe("NoSuchConfigurationAggregatorException");
    }
  });

  it("describes the caller's aggregators", async () => {
    const out = await cfg().send(new DescribeConfigurationAggregatorsCommand({}));
    expect(out.ConfigurationAggregators?.map((a) => a.ConfigurationAggregatorName)).toEqual([AGG]);
    expect(out.ConfigurationAggregators?.[0]?.ConfigurationAggregatorArn).toMatch(
      new RegExp(`^arn:aws:config:${US}:${A}:config-aggregator/config-aggregator-[0-9a-f]{8}$`),
    );
    expect(
      (await cfg(EU).send(new DescribeConfigurationAggregatorsCommand({}))).ConfigurationAggregators,
    ).toEqual([]);
    const e = await sdkError(
      cfg().send(new DescribeConfigurationAggregatorsCommand({ ConfigurationAggregatorNames: ["x"] })),
    );
    expect(e.name).toBe("NoSuchConfigurationAggregatorException");
  });
});

describe("SelectAggregateResourceConfig streams through lazy collections", () => {
  it("builds only the items a page returns, across thousands of accounts", async () => {
    const ACCOUNTS = 5000;
    const PER_ACCOUNT = 3;
    let made = 0;
    const empty = emptyCollection<never>();
    const idOf = (i: number) => String(100000000000 + i);
    const account = (i: number): SimAccount => {
      const volumes = lazyCollection<SimVolume>(
        PER_ACCOUNT,
        (v) => {
          made++;
          return {
            VolumeId: `vol-${(i * PER_ACCOUNT + v).toString(16).padStart(17, "0")}`,
            Size: 1,
            Encrypted: v % 2 === 0,
            State: "available",
            AvailabilityZone: `${US}a`,
            CreateTime: "2025-01-01T00:00:00Z",
            VolumeType: "gp3",
            Attachments: [],
            Tags: [],
          };
        },
        () => undefined,
      );
      const region: RegionResources = {
        ebsEncryptionByDefault: false,
        ebsDefaultKmsKeyId: "alias/aws/ebs",
        volumes,
        snapshots: empty,
        kmsKeys: empty,
        rdsInstances: empty,
        rdsClusters: empty,
        rdsSnapshots: empty,
        rdsClusterSnapshots: empty,
        rdsParameterGroups: empty,
        rdsClusterParameterGroups: empty,
        cloudHsmClusters: empty,
        dynamodbTables: empty,
        secrets: empty,
        trails: empty,
        loadBalancers: empty,
        listeners: empty,
        sslPolicies: [],
      };
      return {
        Id: idOf(i),
        Name: `a${i}`,
        Email: `a${i}@example.com`,
        Status: "ACTIVE",
        enabledRegions: [US],
        disabledRegions: [],
        roles: [],
        global: { buckets: empty, iamPolicies: empty, iamUsers: empty, iamRoles: empty, iamGroups: empty },
        region: (r) => (r === US ? region : undefined),
      };
    };
    const big: World = {
      managementAccountId: idOf(0),
      allRegions: [US],
      accounts: lazyCollection(ACCOUNTS, account, (id) => Number(id) - 100000000000),
      faults: {},
      aggregators: [{ Name: AGG, AccountId: idOf(0), Region: US }],
      seed: 1,
    };
    await withSimulator({ world: big, services: [configService] }, async (_sim, client) => {
      const c = client(ConfigServiceClient, US);
      const input = {
        Expression: "SELECT resourceId WHERE resourceType = 'AWS::EC2::Volume'",
        ConfigurationAggregatorName: AGG,
        Limit: 100,
      };
      const first = await c.send(new SelectAggregateResourceConfigCommand(input));
      expect(first.Results).toHaveLength(100);
      expect(made).toBe(100);
      // Jump deep into the walk with the token of a later page: still only one page of items built.
      let token = first.NextToken;
      for (let p = 0; p < 20; p++) {
        token = (await c.send(new SelectAggregateResourceConfigCommand({ ...input, NextToken: token })))
          .NextToken;
      }
      made = 0;
      const later = await c.send(new SelectAggregateResourceConfigCommand({ ...input, NextToken: token }));
      expect(later.Results).toHaveLength(100);
      expect(made).toBe(100);
      const filtered = await c.send(
        new SelectAggregateResourceConfigCommand({
          ...input,
          Expression: `${input.Expression} AND accountId = '${idOf(4321)}'`,
        }),
      );
      expect(filtered.Results?.map((r) => (JSON.parse(r) as Item).resourceId)).toHaveLength(PER_ACCOUNT);
    });
  });
});

describe("Config with the shared test world", () => {
  it("aggregates every account and region of the shared world and keeps HOSTILE tags intact", async () => {
    const shared = testWorld({ aggregators: [{ Name: AGG, AccountId: MGMT, Region: US }] });
    await withSimulator({ world: shared, services: [configService] }, async (_sim, client) => {
      const pages = await pagesOf(
        paginateSelectAggregateResourceConfig(
          { client: client(ConfigServiceClient), pageSize: 100 },
          {
            Expression:
              "SELECT accountId, awsRegion, resourceId, tags WHERE resourceType = 'AWS::EC2::Volume'",
            ConfigurationAggregatorName: AGG,
          },
        ),
        (p) => p.Results?.map((r) => JSON.parse(r) as Item),
      );
      const items = pages.flat();
      let expected = 0;
      for (let i = 0; i < shared.accounts.size; i++) {
        const a = shared.accounts.at(i);
        for (const r of a.enabledRegions) expected += a.region(r)?.volumes.size ?? 0;
      }
      expect(items).toHaveLength(expected);
      expect(new Set(items.map((i) => i.accountId)).size).toBe(3);
      expect(new Set(items.map((i) => i.awsRegion))).toContain("af-south-1");
      expect(items[0]?.tags).toEqual([{ key: SHARED_HOSTILE, value: SHARED_HOSTILE }]);
    });
  });
});
