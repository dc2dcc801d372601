import { writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTmpDir } from "../helpers/tmp.js";
import {
  GLOBAL_COLLECTIONS,
  REGIONAL_COLLECTIONS,
  worldCollections,
} from "../../src/sim/world/collection.js";
import { demoScanTarget, demoWorldPath, loadDemoWorld } from "../../src/sim/world/demo.js";
import { WorldFileError, loadWorldFile, worldFromDocument, worldFromText } from "../../src/sim/world/file.js";
import type { Collection, RegionResources, SimAccount, World } from "../../src/sim/world/types.js";

const tmp = useTmpDir();
const all = <T>(c: Collection<T>): T[] => Array.from({ length: c.size }, (_, i) => c.at(i));

function account(world: World, id: string): SimAccount {
  const a = world.accounts.get(id);
  if (!a) throw new Error(`no account ${id}`);
  return a;
}
function region(world: World, id: string, name: string): RegionResources {
  const r = account(world, id).region(name);
  if (!r) throw new Error(`no region ${name} in ${id}`);
  return r;
}

/** The error lines a world text produces (fails the test if it loads). */
function errorsOf(text: string, source = "w.yaml"): string[] {
  try {
    worldFromText(text, source);
  } catch (err) {
    if (err instanceof WorldFileError) return err.lines;
    throw err;
  }
  throw new Error("expected a WorldFileError");
}

/** `line:col` (1-based) of the nth occurrence of `token` in `text`: positions are checked, not guessed. */
function at(text: string, token: string, nth = 0): string {
  let offset = -1;
  for (let k = 0; k <= nth; k++) {
    offset = text.indexOf(token, offset + 1);
    if (offset < 0) throw new Error(`token ${token} not found`);
  }
  const before = text.slice(0, offset).split("\n");
  return `${before.length}:${(before[before.length - 1]?.length ?? 0) + 1}`;
}

const MINIMAL = `
accounts:
  - Id: "123456789012"
    regions:
      us-east-1:
        volumes:
          - { VolumeId: vol-0123456789abcdef0, Size: 8, Encrypted: false }
`;

describe("world file defaults", () => {
  it("fills every omitted field with a sensible, fixed default", () => {
    const w = worldFromText(MINIMAL, "min.yaml");
    expect(w.managementAccountId).toBe("123456789012");
    expect(w.seed).toBe(1);
    expect(w.faults).toEqual({});
    expect(w.aggregators).toEqual([]);
    expect(w.allRegions).toContain("us-east-1");
    expect(w.allRegions).toContain("ap-east-1");
    const a = account(w, "123456789012");
    expect(a).toMatchObject({
      Name: "account-123456789012",
      Email: "aws+123456789012@example.com",
      Status: "ACTIVE",
    });
    expect(a.enabledRegions).toEqual(["us-east-1"]);
    expect(a.disabledRegions).toEqual([]);
    const r = region(w, "123456789012", "us-east-1");
    expect(r.ebsEncryptionByDefault).toBe(false);
    expect(r.ebsDefaultKmsKeyId).toBe("alias/aws/ebs");
    expect(r.volumes.at(0)).toEqual({
      VolumeId: "vol-0123456789abcdef0",
      Size: 8,
      Encrypted: false,
      State: "available",
      AvailabilityZone: "us-east-1a",
      CreateTime: "2025-03-03T09:00:00.000Z",
      VolumeType: "gp3",
      Attachments: [],
      Tags: [],
    });
    expect(r.kmsKeys.size).toBe(0);
    expect(a.global.buckets.size).toBe(0);
    expect(a.region("eu-west-1")).toBeUndefined();
  });

  it("defaults KMS keys to an enabled customer symmetric key with the AWS default key policy", () => {
    const w = worldFromDocument({
      accounts: [
        {
          Id: "123456789012",
          regions: {
            "eu-west-1": {
              kmsKeys: [
                { KeyId: "11111111-2222-4333-8444-555555555555" },
                {
                  KeyId: "21111111-2222-4333-8444-555555555555",
                  KeyManager: "AWS",
                  Aliases: ["alias/aws/ebs"],
                },
                { KeyId: "31111111-2222-4333-8444-555555555555", KeySpec: "HMAC_256" },
                { KeyId: "41111111-2222-4333-8444-555555555555", KeyState: "PendingDeletion" },
              ],
            },
          },
        },
      ],
    });
    const [custom, managed, hmac, pending] = all(region(w, "123456789012", "eu-west-1").kmsKeys);
    expect(custom).toMatchObject({
      KeyManager: "CUSTOMER",
      KeySpec: "SYMMETRIC_DEFAULT",
      KeyUsage: "ENCRYPT_DECRYPT",
      Origin: "AWS_KMS",
      KeyState: "Enabled",
      Enabled: true,
      RotationEnabled: false,
      MultiRegion: false,
      Aliases: [],
      Tags: [],
    });
    expect(JSON.parse(custom?.Policy ?? "")).toEqual({
      Version: "2012-10-17",
      Id: "key-default-1",
      Statement: [
        {
          Sid: "Enable IAM User Permissions",
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::123456789012:root" },
          Action: "kms:*",
          Resource: "*",
        },
      ],
    });
    expect(managed).toMatchObject({ KeyManager: "AWS", RotationEnabled: true, RotationPeriodInDays: 365 });
    const managedPolicy = JSON.parse(managed?.Policy ?? "") as { Statement: { Condition?: unknown }[] };
    expect(managedPolicy.Statement[0]?.Condition).toEqual({
      StringEquals: { "kms:ViaService": "ec2.eu-west-1.amazonaws.com", "kms:CallerAccount": "123456789012" },
    });
    expect(hmac?.KeyUsage).toBe("GENERATE_VERIFY_MAC");
    expect(pending).toMatchObject({
      Enabled: false,
      DeletionDate: "2026-11-30T00:00:00.000Z",
      PendingDeletionWindowInDays: 30,
    });
  });

  it("resolves KMS references written as aliases, key ids or ARNs to key ARNs", () => {
    const key = "11111111-2222-4333-8444-555555555555";
    const w = worldFromText(
      `
accounts:
  - Id: "123456789012"
    regions:
      us-east-1:
        ebsDefaultKmsKeyId: alias/data
        kmsKeys: [{ KeyId: ${key}, Aliases: [alias/data] }]
        volumes:
          - { VolumeId: vol-0123456789abcdef0, Size: 8, Encrypted: true, KmsKeyId: alias/data }
          - { VolumeId: vol-0123456789abcdef1, Size: 8, Encrypted: true, KmsKeyId: ${key} }
          - { VolumeId: vol-0123456789abcdef2, Size: 8, Encrypted: true }
          - VolumeId: vol-0123456789abcdef3
            Size: 8
            Encrypted: true
            KmsKeyId: "arn:aws:kms:us-east-1:999999999999:key/abcdefab-2222-4333-8444-555555555555"
        snapshots:
          - { SnapshotId: snap-0123456789abcdef0, VolumeId: vol-0123456789abcdef0, Encrypted: true }
        dynamodbTables:
          - { TableName: tbl, SSE: { KMSMasterKeyArn: "arn:aws:kms:us-east-1:123456789012:alias/data" } }
`,
      "refs.yaml",
    );
    const arn = `arn:aws:kms:us-east-1:123456789012:key/${key}`;
    const r = region(w, "123456789012", "us-east-1");
    expect(r.ebsDefaultKmsKeyId).toBe(arn);
    expect(all(r.volumes).map((v) => v.KmsKeyId)).toEqual([
      arn,
      arn,
      arn, // the region's default EBS key
      "arn:aws:kms:us-east-1:999999999999:key/abcdefab-2222-4333-8444-555555555555",
    ]);
    expect(r.snapshots.at(0)).toMatchObject({
      KmsKeyId: arn,
      VolumeSize: 8,
      OwnerId: "123456789012",
      State: "completed",
      SharedWith: [],
    });
    expect(r.dynamodbTables.at(0).SSE).toEqual({ SSEType: "KMS", KMSMasterKeyArn: arn, Status: "ENABLED" });
  });

  it("defaults buckets, IAM, RDS, secrets and trails, and adds the audit role to IAM", () => {
    const w = worldFromText(
      `
accounts:
  - Id: "123456789012"
    enabledRegions: [eu-west-1, us-east-1]
    roles: [{ Name: dpscan-audit, TrustedAccounts: ["111111111111"], ExternalId: xyz }]
    regions:
      us-east-1:
        kmsKeys: [{ KeyId: 11111111-2222-4333-8444-555555555555, KeyManager: AWS, Aliases: [alias/aws/rds] }]
        rdsClusters: [{ DBClusterIdentifier: c1, StorageEncrypted: true }]
        rdsInstances:
          - { DBInstanceIdentifier: c1-a, DBClusterIdentifier: c1, StorageEncrypted: true }
          - { DBInstanceIdentifier: solo, StorageEncrypted: false }
        rdsSnapshots: [{ Identifier: solo-snap, SourceIdentifier: solo, Encrypted: false }]
        secrets:
          - { Name: app/one, RotationEnabled: true }
          - { Name: app/two }
        trails: [{ Name: main }]
    global:
      buckets:
        - Name: my-bucket-123456789012
          Tags: { team: data }
          Policy: { Version: "2012-10-17", Statement: [] }
      iamPolicies:
        - { PolicyName: p1, Document: { Version: "2012-10-17", Statement: [] } }
      iamGroups: [{ Name: g1, AttachedPolicyArns: [p1] }]
      iamUsers: [{ Name: u1, Groups: [g1] }]
      iamRoles: [{ Name: r1 }]
`,
      "more.yaml",
    );
    const a = account(w, "123456789012");
    const b = a.global.buckets.at(0);
    expect(b).toMatchObject({
      Region: "eu-west-1",
      Policy: '{"Version":"2012-10-17","Statement":[]}',
      Encryption: { SSEAlgorithm: "AES256", BucketKeyEnabled: false },
      PublicAccessBlock: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
      Tags: [{ Key: "team", Value: "data" }],
    });
    const p1 = a.global.iamPolicies.at(0);
    expect(p1).toMatchObject({ Scope: "Local", Path: "/", AttachmentCount: 1 });
    expect(p1.PolicyId).toMatch(/^ANPA[A-Z0-9]{17}$/);
    expect(p1.Versions).toEqual([
      {
        VersionId: "v1",
        IsDefaultVersion: true,
        CreateDate: p1.CreateDate,
        Document: '{"Version":"2012-10-17","Statement":[]}',
      },
    ]);
    expect(a.global.iamGroups.get("g1")?.AttachedPolicyArns).toEqual(["arn:aws:iam::123456789012:policy/p1"]);
    expect(a.global.iamUsers.get("u1")).toMatchObject({ Groups: ["g1"], Path: "/" });
    expect(JSON.parse(a.global.iamRoles.get("r1")?.AssumeRolePolicyDocument ?? "")).toMatchObject({
      Statement: [{ Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "sts:AssumeRole" }],
    });
    const audit = a.global.iamRoles.get("dpscan-audit");
    expect(audit?.AttachedPolicyArns).toContain("arn:aws:iam::aws:policy/SecurityAudit");
    expect(JSON.parse(audit?.AssumeRolePolicyDocument ?? "")).toMatchObject({
      Statement: [
        {
          Principal: { AWS: "arn:aws:iam::111111111111:root" },
          Condition: { StringEquals: { "sts:ExternalId": "xyz" } },
        },
      ],
    });
    expect(a.roles).toEqual([{ Name: "dpscan-audit", TrustedAccounts: ["111111111111"], ExternalId: "xyz" }]);

    const r = region(w, "123456789012", "us-east-1");
    const rdsKey = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-4333-8444-555555555555";
    expect(r.rdsClusters.at(0)).toMatchObject({
      Engine: "aurora-postgresql",
      Status: "available",
      KmsKeyId: rdsKey,
    });
    expect(r.rdsInstances.get("c1-a")).toMatchObject({
      Engine: "aurora-postgresql",
      KmsKeyId: rdsKey,
      AllocatedStorage: 1,
    });
    expect(r.rdsInstances.get("solo")).toMatchObject({
      Engine: "postgres",
      DBInstanceClass: "db.t3.medium",
      PubliclyAccessible: false,
    });
    expect(r.rdsInstances.get("solo")?.KmsKeyId).toBeUndefined();
    expect(r.rdsSnapshots.at(0)).toMatchObject({
      Engine: "postgres",
      SnapshotType: "manual",
      Status: "available",
      SharedWith: [],
    });
    expect(r.secrets.get("app/one")).toMatchObject({
      RotationEnabled: true,
      RotationRules: { AutomaticallyAfterDays: 30 },
      LastRotatedDate: "2026-10-01T03:00:00.000Z",
    });
    expect(r.secrets.get("app/one")?.Suffix).toMatch(/^[0-9a-f]{6}$/);
    expect(r.secrets.get("app/two")).toMatchObject({
      RotationEnabled: false,
      LastChangedDate: "2025-03-03T09:00:00.000Z",
    });
    expect(r.secrets.get("app/two")?.LastRotatedDate).toBeUndefined();
    expect(r.trails.at(0)).toMatchObject({
      HomeRegion: "us-east-1",
      S3BucketName: "aws-cloudtrail-logs-123456789012",
      IsMultiRegionTrail: true,
      IsLogging: true,
    });
    expect(r.trails.at(0).KmsKeyId).toBeUndefined();
  });

  it("accepts tags as a map or as AWS's list, and normalises dates to ISO UTC", () => {
    const w = worldFromText(
      `
accounts:
  - Id: "123456789012"
    regions:
      us-east-1:
        volumes:
          - { VolumeId: vol-0123456789abcdef0, Size: 8, Encrypted: false, Tags: [{ Key: a, Value: "1" }], CreateTime: 2024-01-02 }
          - { VolumeId: vol-0123456789abcdef1, Size: 8, Encrypted: false, Tags: { a: "1" }, CreateTime: "2024-01-02 03:04" }
`,
      "tags.yaml",
    );
    const [v0, v1] = all(region(w, "123456789012", "us-east-1").volumes);
    expect(v0?.Tags).toEqual([{ Key: "a", Value: "1" }]);
    expect(v1?.Tags).toEqual(v0?.Tags);
    expect(v0?.CreateTime).toBe("2024-01-02T00:00:00.000Z");
    expect(v1?.CreateTime).toBe("2024-01-02T03:04:00.000Z");
  });

  it("reads JSON files as well as YAML", () => {
    const dir = tmp();
    const file = join(dir, "w.json");
    writeFileSync(file, JSON.stringify({ seed: 9, accounts: [{ Id: "123456789012" }] }, null, 2));
    const w = loadWorldFile(file);
    expect(w.seed).toBe(9);
    expect(account(w, "123456789012").enabledRegions).toEqual(["us-east-1"]);
  });
});

describe("world file validation errors", () => {
  it("names file, line, column and field for an unknown field, with a suggestion", () => {
    const lines = errorsOf(
      `accounts:
  - Id: "123456789012"
    regions:
      us-east-1:
        volumes:
          - VolumeId: vol-0123456789abcdef0
            Size: 8
            Encrypted: true
          - VolumeId: vol-0123456789abcdef1
            Size: 8
            Encryptd: true
`,
      "demo.yaml",
    );
    expect(lines).toEqual([
      'demo.yaml:9:13: accounts[0].regions.us-east-1.volumes[1]: missing required field "Encrypted"',
      'demo.yaml:11:13: accounts[0].regions.us-east-1.volumes[1]: unknown field "Encryptd" (did you mean "Encrypted"?)',
    ]);
  });

  it("reports every schema error kind as one readable line, never a schema dump", () => {
    const text = `accounts:
  - Id: 123456789012
    Status: active
    bogus: 1
    regions:
      US-EAST-1: {}
      us-east-1:
        volumes:
          - { VolumeId: vol-1, Size: 0, Encrypted: "yes" }
        kmsKeys:
          - { KeyId: 11111111-2222-4333-8444-555555555555, KeySpec: rsa_2048, PendingDeletionWindowInDays: 3 }
    roles:
      - { Name: dpscan-audit, TrustedAccounts: [] }
faults:
  transientErrorRate: 2.5
`;
    const lines = errorsOf(text);
    const vol = "accounts[0].regions.us-east-1.volumes[0]";
    const key = "accounts[0].regions.us-east-1.kmsKeys[0]";
    expect(lines).toEqual([
      `w.yaml:${at(text, "123456789012")}: accounts[0].Id: must be a string, got number 123456789012 (quote it: "123456789012")`,
      `w.yaml:${at(text, "active")}: accounts[0].Status: must be one of ACTIVE, SUSPENDED, PENDING_CLOSURE; got "active" (did you mean "ACTIVE"?)`,
      `w.yaml:${at(text, "bogus")}: accounts[0]: unknown field "bogus" (allowed: Id, Name, Email, Status, enabledRegions, disabledRegions, roles, regions, global)`,
      `w.yaml:${at(text, "US-EAST-1")}: accounts[0].regions: key "US-EAST-1" must be a region name such as us-east-1`,
      `w.yaml:${at(text, "vol-1")}: ${vol}.VolumeId: must be a volume id such as vol-0123456789abcdef0; got "vol-1"`,
      `w.yaml:${at(text, "0, Encrypted")}: ${vol}.Size: must be >= 1; got number 0`,
      `w.yaml:${at(text, '"yes"')}: ${vol}.Encrypted: must be a boolean, got "yes"`,
      `w.yaml:${at(text, "rsa_2048")}: ${key}.KeySpec: must be one of SYMMETRIC_DEFAULT, RSA_2048, RSA_3072, RSA_4096, ECC_NIST_P256, ECC_NIST_P384, ECC_NIST_P521, ECC_SECG_P256K1, HMAC_224, HMAC_256, HMAC_384, HMAC_512, SM2, ML_DSA_44, ML_DSA_65, ML_DSA_87; got "rsa_2048" (did you mean "RSA_2048"?)`,
      `w.yaml:${at(text, "3 }")}: ${key}.PendingDeletionWindowInDays: must be >= 7; got number 3`,
      `w.yaml:${at(text, "[] }")}: accounts[0].roles[0].TrustedAccounts: must have at least 1 item(s)`,
      `w.yaml:${at(text, "2.5")}: faults.transientErrorRate: must be <= 1; got number 2.5`,
    ]);
    expect(lines[0]).toMatch(/^w\.yaml:2:9: /); // one position spelled out, as a reader would check it
    for (const line of lines) expect(line).not.toMatch(/instancePath|schemaPath|#\/definitions|params/);
  });

  it("reports duplicates in lists, empty strings and wrong union types", () => {
    const text = `accounts:
  - Id: "123456789012"
    Name: ""
    enabledRegions: [us-east-1, us-east-1]
    global:
      buckets: [{ Name: my-bucket, Policy: [1, 2] }]
`;
    expect(errorsOf(text)).toEqual([
      `w.yaml:${at(text, '""')}: accounts[0].Name: must not be empty`,
      `w.yaml:${at(text, "us-east-1", 1)}: accounts[0].enabledRegions[1]: duplicates item 0`,
      `w.yaml:${at(text, "[1, 2]")}: accounts[0].global.buckets[0].Policy: must be a string or an object or null, got a list`,
    ]);
  });

  it("reports a missing top-level field at the document", () => {
    expect(errorsOf("seed: 1\n")).toEqual(['w.yaml:1:1: (top level): missing required field "accounts"']);
  });

  it("reports YAML syntax errors and duplicate keys with their position", () => {
    expect(errorsOf('accounts:\n  - Id: "123456789012"\n    Id: "123456789013"\n')).toEqual([
      "w.yaml:3:5: Map keys must be unique",
    ]);
    const [line] = errorsOf("accounts: [\n  {Id: x\n");
    expect(line).toMatch(/^w\.yaml:\d+:\d+: /);
  });

  it("positions errors in JSON files too", () => {
    const dir = tmp();
    const file = join(dir, "bad.json");
    writeFileSync(file, '{\n  "accounts": [\n    { "Id": "123456789012", "Nmae": "x" }\n  ]\n}\n');
    expect(() => loadWorldFile(file)).toThrow(WorldFileError);
    try {
      loadWorldFile(file);
    } catch (err) {
      expect((err as WorldFileError).lines).toEqual([
        'bad.json:3:29: accounts[0]: unknown field "Nmae" (did you mean "Name"?)',
      ]);
    }
  });

  it("reports an unreadable file as a WorldFileError", () => {
    expect(() => loadWorldFile(join(tmpdir(), "no-such-dpscan-world.yaml"))).toThrow(
      /no-such-dpscan-world\.yaml: cannot read: ENOENT/,
    );
  });

  it("has no positions for in-memory documents but still names the field", () => {
    try {
      worldFromDocument({ accounts: [{ Id: "123456789012", Nmae: "x" }] });
      expect.unreachable();
    } catch (err) {
      expect((err as WorldFileError).lines).toEqual([
        '<inline>: accounts[0]: unknown field "Nmae" (did you mean "Name"?)',
      ]);
      expect((err as Error).message).toBe(
        '<inline>: accounts[0]: unknown field "Nmae" (did you mean "Name"?)',
      );
    }
  });
});

describe("world file cross-checks", () => {
  it("reports duplicate accounts, region conflicts, disabled regions with resources and dangling aliases together", () => {
    const text = `accounts:
  - Id: "123456789012"
    enabledRegions: [us-east-1]
    disabledRegions: [ap-east-1, us-east-1]
    regions:
      us-east-1:
        volumes:
          - { VolumeId: vol-0123456789abcdef0, Size: 8, Encrypted: true, KmsKeyId: alias/missing }
      ap-east-1:
        volumes: []
      eu-west-1: {}
      us-est-1: {}
  - Id: "123456789012"
aggregators:
  - { Name: agg, AccountId: "999999999999", Region: us-east-1 }
`;
    expect(errorsOf(text)).toEqual([
      `w.yaml:${at(text, "us-east-1]", 1)}: accounts[0].disabledRegions[1]: region "us-east-1" is listed as both enabled and disabled`,
      `w.yaml:${at(text, "alias/missing")}: accounts[0].regions.us-east-1.volumes[0].KmsKeyId: alias "alias/missing" points to no key in this region (us-east-1)`,
      `w.yaml:${at(text, "ap-east-1:")}: accounts[0].regions: region "ap-east-1" is disabled for this account but has resources`,
      `w.yaml:${at(text, "eu-west-1:")}: accounts[0].regions: region "eu-west-1" has resources but is not in enabledRegions`,
      `w.yaml:${at(text, "us-est-1")}: accounts[0].regions: unknown region "us-est-1" (did you mean "us-east-1"?)`,
      `w.yaml:${at(text, '"123456789012"', 1)}: accounts[1].Id: duplicate account id "123456789012" (also accounts[0])`,
      `w.yaml:${at(text, '"999999999999"')}: aggregators[0].AccountId: no account has id "999999999999"`,
    ]);
  });

  it("reports resource-level contradictions AWS would refuse", () => {
    const text = `accounts:
  - Id: "123456789012"
    regions:
      us-east-1:
        kmsKeys:
          - { KeyId: 11111111-2222-4333-8444-555555555555, KeySpec: RSA_2048, RotationEnabled: true }
          - { KeyId: 11111111-2222-4333-8444-555555555555, Aliases: [alias/aws/ebs] }
        volumes:
          - { VolumeId: vol-0123456789abcdef0, Size: 8, Encrypted: false, KmsKeyId: alias/x }
          - { VolumeId: vol-0123456789abcdef0, Size: 8, Encrypted: true, KmsKeyId: 99999999-2222-4333-8444-555555555555 }
        snapshots:
          - { SnapshotId: snap-0123456789abcdef0, Encrypted: true, SharedWith: [all] }
        rdsInstances:
          - { DBInstanceIdentifier: db1, StorageEncrypted: true, DBClusterIdentifier: nope }
    global:
      iamUsers: [{ Name: u1, Groups: [nobody], AttachedPolicyArns: [missing-policy] }]
      buckets: [{ Name: shared-name }]
  - Id: "210987654321"
    global:
      buckets: [{ Name: shared-name }]
`;
    const r = "accounts[0].regions.us-east-1";
    expect(errorsOf(text)).toEqual([
      `w.yaml:${at(text, "true }")}: ${r}.kmsKeys[0].RotationEnabled: automatic rotation is not supported for RSA_2048 keys`,
      `w.yaml:${at(text, "11111111-", 1)}: ${r}.kmsKeys[1].KeyId: duplicate KeyId "11111111-2222-4333-8444-555555555555" in this region`,
      `w.yaml:${at(text, "alias/aws/ebs")}: ${r}.kmsKeys[1].Aliases[0]: "alias/aws/ebs" is reserved for AWS-managed keys (KeyManager: AWS)`,
      `w.yaml:${at(text, "alias/x")}: ${r}.volumes[0].KmsKeyId: KmsKeyId is set but the volume is not encrypted`,
      `w.yaml:${at(text, "vol-0123456789abcdef0", 1)}: ${r}.volumes[1].VolumeId: duplicate VolumeId "vol-0123456789abcdef0"`,
      `w.yaml:${at(text, "99999999-")}: ${r}.volumes[1].KmsKeyId: KMS key "99999999-2222-4333-8444-555555555555" is not in this region (us-east-1); write its full key ARN to reference a key elsewhere`,
      `w.yaml:${at(text, "[all]")}: ${r}.snapshots[0].SharedWith: AWS cannot share an encrypted snapshot publicly`,
      `w.yaml:${at(text, "nope")}: ${r}.rdsInstances[0].DBClusterIdentifier: no cluster "nope" in this region`,
      `w.yaml:${at(text, "nobody")}: accounts[0].global.iamUsers[0].Groups[0]: no group named "nobody" in this account`,
      `w.yaml:${at(text, "missing-policy")}: accounts[0].global.iamUsers[0].AttachedPolicyArns[0]: no customer-managed policy named "missing-policy" in this account`,
      `w.yaml:${at(text, "shared-name", 1)}: accounts[1].global.buckets[0].Name: bucket name "shared-name" is already taken (account 123456789012); bucket names are global`,
    ]);
  });
});

describe("world file parameter groups and CloudHSM clusters", () => {
  it("report a family RDS does not have, a group that is missing or of another family, and misplaced HSMs", () => {
    const text = `accounts:
  - Id: "123456789012"
    regions:
      us-east-1:
        rdsParameterGroups:
          - { DBParameterGroupName: pg, DBParameterGroupFamily: postgress16 }
          - { DBParameterGroupName: my80, DBParameterGroupFamily: mysql8.0 }
        rdsInstances:
          - { DBInstanceIdentifier: a, StorageEncrypted: true, DBParameterGroupName: ghost }
          - { DBInstanceIdentifier: b, StorageEncrypted: true, Engine: postgres, DBParameterGroupName: my80 }
          - { DBInstanceIdentifier: c, StorageEncrypted: true, DBClusterParameterGroupStatus: pending-reboot }
        cloudHsmClusters:
          - ClusterId: cluster-abcdefghijk
            Hsms: [{ AvailabilityZone: eu-west-1a }]
`;
    const r = "accounts[0].regions.us-east-1";
    expect(errorsOf(text)).toEqual([
      `w.yaml:${at(text, "postgress16")}: ${r}.rdsParameterGroups[0].DBParameterGroupFamily: unknown parameter group family "postgress16" (did you mean "postgres16"?)`,
      `w.yaml:${at(text, "ghost")}: ${r}.rdsInstances[0].DBParameterGroupName: no parameter group "ghost" in this region`,
      `w.yaml:${at(text, "my80", 1)}: ${r}.rdsInstances[1].DBParameterGroupName: parameter group "my80" is of family mysql8.0; postgres 16.4 needs postgres16`,
      `w.yaml:${at(text, "pending-reboot")}: ${r}.rdsInstances[2].DBClusterParameterGroupStatus: only a cluster member has a cluster parameter group`,
      `w.yaml:${at(text, "eu-west-1a")}: ${r}.cloudHsmClusters[0].Hsms[0].AvailabilityZone: "eu-west-1a" is not an Availability Zone of us-east-1`,
    ]);
  });

  it("give every cluster its default group and its members, and every HSM an id, subnet and ENI", () => {
    const w = worldFromText(
      `accounts:
  - Id: "123456789012"
    regions:
      us-east-1:
        rdsClusters: [{ DBClusterIdentifier: c1, StorageEncrypted: true }]
        rdsInstances:
          - { DBInstanceIdentifier: m1, DBClusterIdentifier: c1, StorageEncrypted: true }
          - { DBInstanceIdentifier: s1, Engine: mysql, StorageEncrypted: true, ParameterApplyStatus: pending-reboot }
        cloudHsmClusters:
          - { ClusterId: cluster-abcdefghijk, Hsms: [{ AvailabilityZone: us-east-1a }, { AvailabilityZone: us-east-1a }] }
`,
      "w.yaml",
    );
    const reg = region(w, "123456789012", "us-east-1");
    expect(reg.rdsClusters.get("c1")).toMatchObject({
      DBClusterParameterGroup: "default.aurora-postgresql16",
      Members: [
        { DBInstanceIdentifier: "m1", IsClusterWriter: true, DBClusterParameterGroupStatus: "in-sync" },
      ],
    });
    expect(reg.rdsInstances.get("s1")?.DBParameterGroups).toEqual([
      { DBParameterGroupName: "default.mysql8.0", ParameterApplyStatus: "pending-reboot" },
    ]);
    const c = reg.cloudHsmClusters.get("cluster-abcdefghijk");
    expect(c).toMatchObject({ State: "ACTIVE", HsmType: "hsm1.medium", BackupRetentionDays: 90 });
    expect(Object.keys(c?.SubnetMapping ?? {})).toEqual(["us-east-1a"]);
    expect(new Set(c?.Hsms.map((h) => h.HsmId)).size).toBe(2);
    for (const h of c?.Hsms ?? []) expect(h.HsmId).toMatch(/^hsm-[2-7a-z]{11}$/);
  });
});

describe("the demo world", () => {
  const w = loadDemoWorld();
  const MGMT = "111111111111";
  const PROD = "222222222222";
  const DEV = "333333333333";

  it("is found beside the module and loads", () => {
    expect(existsSync(demoWorldPath())).toBe(true);
    expect(demoWorldPath()).toMatch(/demo\.yaml$/);
  });

  it("has three accounts, two enabled regions and one disabled opt-in region each", () => {
    expect(w.managementAccountId).toBe(MGMT);
    expect(all(w.accounts).map((a) => [a.Id, a.Name])).toEqual([
      [MGMT, "management"],
      [PROD, "prod-payments"],
      [DEV, "dev-analytics"],
    ]);
    for (const a of all(w.accounts)) {
      expect(a.enabledRegions).toEqual(["us-east-1", "eu-west-1"]);
      expect(a.disabledRegions).toEqual(["ap-east-1"]);
      expect(a.region("ap-east-1")).toBeUndefined();
      expect(w.allRegions).toContain("ap-east-1");
    }
  });

  it("has a dpscan-audit role in every account trusting the management account, one requiring an ExternalId", () => {
    for (const a of all(w.accounts)) {
      const role = a.roles.find((r) => r.Name === "dpscan-audit");
      expect(role?.TrustedAccounts).toEqual([MGMT]);
      expect(a.global.iamRoles.get("dpscan-audit")).toBeDefined();
    }
    expect(account(w, PROD).roles[0]?.ExternalId).toBe("dpscan-demo");
    expect(account(w, DEV).roles[0]?.ExternalId).toBeUndefined();
  });

  it("tells a scan its role, ExternalId and every region it lists, the disabled one last", () => {
    expect(demoScanTarget(w)).toEqual({
      roleName: "dpscan-audit",
      externalId: "dpscan-demo",
      regions: ["us-east-1", "eu-west-1", "ap-east-1"],
    });
  });

  it("denies Secrets Manager in dev-analytics and GetKeyPolicy on one existing key", () => {
    expect(w.faults.accessDenied).toContainEqual({ account: DEV, service: "secretsmanager" });
    const rule = w.faults.accessDenied?.find((r) => r.operation === "GetKeyPolicy");
    expect(rule).toMatchObject({ account: PROD, region: "us-east-1", service: "kms" });
    expect(region(w, PROD, "us-east-1").kmsKeys.get(rule?.resourceId ?? "")).toBeDefined();
    expect(region(w, DEV, "us-east-1").secrets.size).toBeGreaterThan(0);
  });

  it("has an org-aggregator in the management account", () => {
    expect(w.aggregators).toEqual([{ Name: "org-aggregator", AccountId: MGMT, Region: "us-east-1" }]);
  });

  it("has resources of every type", () => {
    const sizes = new Map<string, number>();
    for (const { type, collection } of worldCollections(w))
      sizes.set(type, (sizes.get(type) ?? 0) + collection.size);
    for (const type of [...REGIONAL_COLLECTIONS, ...GLOBAL_COLLECTIONS])
      expect(sizes.get(type), type).toBeGreaterThan(0);
  });

  it("has the EBS cases: unencrypted and encrypted volumes, unencrypted and public snapshots, default encryption off once", () => {
    const volumes = all(w.accounts).flatMap((a) =>
      a.enabledRegions.flatMap((r) => all(a.region(r)?.volumes ?? region(w, a.Id, r).volumes)),
    );
    expect(volumes.some((v) => !v.Encrypted && v.State === "in-use")).toBe(true);
    expect(volumes.some((v) => !v.Encrypted && v.State === "available")).toBe(true);
    expect(volumes.some((v) => v.Encrypted && v.State === "in-use")).toBe(true);
    expect(volumes.some((v) => v.Encrypted && v.State === "available")).toBe(true);
    const prod = region(w, PROD, "us-east-1");
    expect(prod.snapshots.get("snap-03d5af07bb870bba9")?.Encrypted).toBe(false);
    expect(prod.snapshots.get("snap-02e6f81120671bfa0")).toMatchObject({
      Encrypted: false,
      SharedWith: ["all"],
    });
    expect(prod.snapshots.get("snap-04e02faf2de853740")).toMatchObject({
      Encrypted: true,
      SharedWith: [DEV],
    });
    const off = all(w.accounts).flatMap((a) =>
      a.enabledRegions.filter((r) => !a.region(r)?.ebsEncryptionByDefault).map((r) => `${a.Id}/${r}`),
    );
    expect(off).toEqual([`${PROD}/eu-west-1`]);
    expect(region(w, PROD, "eu-west-1").volumes.get("vol-0ec9c58f7942e8062")?.Encrypted).toBe(false);
  });

  it("has the KMS cases", () => {
    const keys = region(w, PROD, "us-east-1").kmsKeys;
    const byAlias = (alias: string) => all(keys).find((k) => k.Aliases.includes(alias));
    expect(byAlias("alias/payments-ebs")).toMatchObject({ KeyManager: "CUSTOMER", RotationEnabled: true });
    expect(byAlias("alias/aws/ebs")).toMatchObject({ KeyManager: "AWS" });
    expect(byAlias("alias/payments-signing")).toMatchObject({
      KeySpec: "RSA_2048",
      KeyUsage: "SIGN_VERIFY",
      RotationEnabled: false,
    });
    expect(byAlias("alias/payments-webhook-hmac")).toMatchObject({
      KeySpec: "HMAC_256",
      KeyUsage: "GENERATE_VERIFY_MAC",
    });
    expect(byAlias("alias/payments-byok")).toMatchObject({ Origin: "EXTERNAL" });
    expect(region(w, PROD, "eu-west-1").kmsKeys.get("4ec95a9e-93cb-4259-9ba8-a12ce93b9fc8")).toMatchObject({
      KeyManager: "CUSTOMER",
      KeySpec: "SYMMETRIC_DEFAULT",
      RotationEnabled: false,
    });

    // A key pending deletion that an encrypted volume still uses.
    const pending = byAlias("alias/legacy-payments-batch");
    expect(pending).toMatchObject({ KeyState: "PendingDeletion", DeletionDate: "2026-11-20T00:00:00.000Z" });
    const users = all(region(w, PROD, "us-east-1").volumes).filter((v) =>
      v.KmsKeyId?.endsWith(`key/${pending?.KeyId}`),
    );
    expect(users.map((v) => v.VolumeId)).toEqual(["vol-000ba834d4c4d0938"]);

    type Statement = {
      Principal?: { AWS?: string };
      Action?: string | string[];
      Condition?: Record<string, Record<string, string>>;
    };
    const statements = (alias: string): Statement[] =>
      (JSON.parse(byAlias(alias)?.Policy ?? "") as { Statement: Statement[] }).Statement;
    expect(statements("alias/partner-exchange")).toContainEqual(
      expect.objectContaining({ Principal: { AWS: "*" }, Action: "kms:*" }),
    );
    expect(
      statements("alias/partner-exchange").find((s) => s.Principal?.AWS === "*")?.Condition,
    ).toBeUndefined();
    expect(statements("alias/payments-analytics-share").map((s) => s.Principal?.AWS)).toContain(
      "arn:aws:iam::333333333333:role/analytics-etl",
    );
    expect(() => JSON.parse(byAlias("alias/payments-legacy-bridge")?.Policy ?? "")).toThrow();

    const trailKey = all(region(w, MGMT, "us-east-1").kmsKeys).find((k) =>
      k.Aliases.includes("alias/org-cloudtrail"),
    );
    const star = (JSON.parse(trailKey?.Policy ?? "") as { Statement: Statement[] }).Statement.filter(
      (s) => s.Principal?.AWS === "*",
    );
    expect(star.length).toBeGreaterThan(0);
    for (const s of star) expect(s.Condition?.StringEquals?.["kms:CallerAccount"]).toBe(MGMT);
  });

  it("has the RDS cases", () => {
    const prod = region(w, PROD, "us-east-1");
    const dev = region(w, DEV, "us-east-1");
    const awsRds = all(prod.kmsKeys).find((k) => k.Aliases.includes("alias/aws/rds"));
    expect(dev.rdsInstances.get("analytics-mysql")).toMatchObject({ StorageEncrypted: false });
    expect(prod.rdsInstances.get("payments-ledger")).toMatchObject({ StorageEncrypted: true });
    expect(prod.rdsClusters.get("payments-aurora")?.KmsKeyId).toBe(
      `arn:aws:kms:us-east-1:${PROD}:key/${awsRds?.KeyId}`,
    );
    expect(dev.rdsSnapshots.get("analytics-mysql-manual-2026-06")).toMatchObject({
      SnapshotType: "manual",
      Encrypted: false,
    });
    expect(dev.rdsClusterSnapshots.get("analytics-sandbox-shared")).toMatchObject({
      Encrypted: false,
      SharedWith: ["all"],
    });
  });

  it("has the S3 SecureTransport and encryption cases", () => {
    const bucket = (id: string, name: string) => account(w, id).global.buckets.get(name);
    type Statement = {
      Effect: string;
      Resource: string | string[];
      Condition?: { Bool?: Record<string, unknown> };
    };
    const st = (id: string, name: string): Statement[] =>
      (JSON.parse(bucket(id, name)?.Policy ?? "") as { Statement: Statement[] }).Statement;
    const exact = st(PROD, "payments-cardholder-exports-222222222222")[0];
    expect(exact).toEqual({
      Sid: "AllowSSLRequestsOnly",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [
        "arn:aws:s3:::payments-cardholder-exports-222222222222",
        "arn:aws:s3:::payments-cardholder-exports-222222222222/*",
      ],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    expect(bucket(PROD, "payments-cardholder-exports-222222222222")?.Encryption).toMatchObject({
      SSEAlgorithm: "aws:kms",
      BucketKeyEnabled: true,
    });
    expect(bucket(DEV, "analytics-raw-333333333333")).toMatchObject({
      Policy: null,
      Encryption: { SSEAlgorithm: "AES256" },
    });
    expect(st(DEV, "analytics-curated-333333333333")[0]).toMatchObject({
      Effect: "Allow",
      Condition: { Bool: { "aws:SecureTransport": "true" } },
    });
    expect(st(PROD, "payments-statements-222222222222")[0]?.Resource).toBe(
      "arn:aws:s3:::payments-statements-222222222222/*",
    );
    expect(st(DEV, "analytics-exports-333333333333")[0]?.Condition?.Bool?.["aws:SecureTransport"]).toBe(
      false,
    );
    expect(bucket(PROD, "payments-dr-backups-222222222222")?.Region).toBe("eu-west-1");
  });

  it("has the IAM, DynamoDB, Secrets Manager and CloudTrail cases", () => {
    const g = account(w, PROD).global;
    const doc = (text: string | undefined) =>
      JSON.parse(text ?? "") as { Statement: { Action: unknown; Resource: unknown }[] };
    const defaultDoc = (name: string) =>
      doc(g.iamPolicies.get(name)?.Versions.find((v) => v.IsDefaultVersion)?.Document);
    expect(defaultDoc("payments-kms-admin").Statement[0]).toMatchObject({ Action: "kms:*", Resource: "*" });
    expect(g.iamPolicies.get("payments-kms-admin")?.AttachmentCount).toBe(1);
    expect(defaultDoc("payments-decrypt-all").Statement[0]?.Action).toContain("kms:Decrypt");
    expect(defaultDoc("payments-s3-readonly").Statement[0]?.Resource).not.toBe("*");
    expect(
      doc(g.iamRoles.get("payments-batch-runner")?.InlinePolicies[0]?.Document).Statement[0],
    ).toMatchObject({ Action: "kms:*", Resource: "*" });
    expect(g.iamUsers.get("ci-deployer")?.InlinePolicies).toHaveLength(1);
    expect(g.iamGroups.size).toBeGreaterThan(0);

    const prod = region(w, PROD, "us-east-1");
    expect(prod.dynamodbTables.get("payments-idempotency")?.SSE).toBeNull();
    expect(prod.dynamodbTables.get("payments-card-tokens")?.SSE?.KMSMasterKeyArn).toMatch(
      /^arn:aws:kms:us-east-1:222222222222:key\//,
    );
    expect(prod.secrets.get("payments/ledger-db/master")).toMatchObject({ RotationEnabled: true });
    expect(prod.secrets.get("payments/ledger-db/master")?.KmsKeyId).toMatch(/^arn:aws:kms:/);
    expect(prod.secrets.get("payments/partner-sftp")?.RotationEnabled).toBe(false);
    const stale = prod.secrets.get("payments/stripe-api-key");
    expect(stale?.RotationEnabled).toBe(true);
    expect(Date.parse("2026-11-01") - Date.parse(stale?.LastRotatedDate ?? "")).toBeGreaterThan(
      90 * 86_400_000,
    );

    expect(region(w, MGMT, "us-east-1").trails.get("org-trail")?.KmsKeyId).toMatch(/^arn:aws:kms:/);
    expect(region(w, DEV, "us-east-1").trails.get("analytics-local-trail")?.KmsKeyId).toBeUndefined();
  });

  it("carries hostile strings", () => {
    const text = JSON.stringify(
      all(w.accounts).map((a) => ({
        g: [all(a.global.buckets), all(a.global.iamUsers)],
        r: a.enabledRegions.map((r) => [all(region(w, a.Id, r).volumes), all(region(w, a.Id, r).secrets)]),
      })),
    );
    expect(text).toContain("<script>alert(1)</script>");
    expect(text).toContain(JSON.stringify(`Zürich ☃ "q" 'q'`).slice(1, -1));
  });
});

describe("demoScanTarget", () => {
  const doc = (roles: Record<string, unknown>[][]): World =>
    worldFromDocument({
      accounts: roles.map((r, i) => ({ Id: String(i + 1).repeat(12), roles: r })),
    });
  const trusted = (Name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    Name,
    TrustedAccounts: ["111111111111"],
    ...extra,
  });

  it("needs one role every account lets the management account assume", () => {
    expect(demoScanTarget(doc([[trusted("a")], [trusted("a"), trusted("b")]]))).toEqual({
      roleName: "a",
      regions: ["us-east-1"],
    });
    expect(() => demoScanTarget(doc([[trusted("a")], [trusted("b")]]))).toThrow(/share one role/);
  });

  it("needs at most one ExternalId", () => {
    const w = doc([[trusted("a", { ExternalId: "xx" })], [trusted("a", { ExternalId: "yy" })]]);
    expect(() => demoScanTarget(w)).toThrow(/2 different ExternalIds/);
  });
});
