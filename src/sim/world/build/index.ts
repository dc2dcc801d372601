// Turns a schema-valid world document into a World: fills in defaults, resolves KMS references
// (key ids and aliases become key ARNs, as AWS APIs return them) and cross-checks what a schema
// cannot (duplicates, disabled regions, dangling aliases, states AWS would refuse).
import { closest } from "../../../util/suggest.js";
import { arrayCollection } from "../collection.js";
import {
  AUDIT_ROLE_NAME,
  AWS_REGIONS,
  DEFAULT_CREATED,
  DEFAULT_DELETION,
  DEFAULT_ROTATED,
  alnumFrom,
  awsManagedKeyPolicy,
  defaultKeyPolicy,
  engineVersionFor,
  hexFrom,
  keyArn,
  keyUsageFor,
  policyArn,
  trustPolicy,
  uuidFrom,
} from "../defaults.js";
import type {
  AccountDoc,
  GlobalDoc,
  IamPrincipalDoc,
  KmsKeyDoc,
  KmsTagsDoc,
  PolicyDoc,
  RdsSnapshotDoc,
  RegionDoc,
  TagsDoc,
  WorldDoc,
} from "../doc.js";
import type {
  Collection,
  GlobalResources,
  RegionResources,
  SimAccount,
  SimBucket,
  SimIamManagedPolicy,
  SimIamPrincipal,
  SimKmsKey,
  SimRdsCluster,
  SimRdsInstance,
  SimRdsSnapshot,
  SimVolume,
  Tag,
  World,
} from "../types.js";

export type PathSeg = string | number;
/** A problem found in a document; `at: "key"` points at the last path segment's key rather than its value. */
export interface Issue {
  path: PathSeg[];
  message: string;
  at?: "key";
}

const AUDIT_POLICIES = [
  "arn:aws:iam::aws:policy/SecurityAudit",
  "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
];

const KMS_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):(key|alias)\/(.+)$/;

interface KeyIndex {
  ids: Set<string>;
  aliases: Map<string, string>; // alias name -> key id
}

export function buildWorld(doc: WorldDoc): { world: World; issues: Issue[] } {
  const issues: Issue[] = [];
  const report = (path: PathSeg[], message: string, at?: "key"): void => {
    issues.push(at ? { path, message, at } : { path, message });
  };

  const accountIds = new Map<string, number>();
  doc.accounts.forEach((a, i) => {
    const first = accountIds.get(a.Id);
    if (first !== undefined)
      report(["accounts", i, "Id"], `duplicate account id "${a.Id}" (also accounts[${first}])`);
    else accountIds.set(a.Id, i);
  });

  const knownRegions = new Set(doc.allRegions ?? AWS_REGIONS);
  const explicitRegions = doc.allRegions !== undefined;
  const named = new Set<string>();
  /** False (and reported) when the region is not one the partition has. */
  const checkRegion = (region: string, path: PathSeg[], at?: "key"): boolean => {
    named.add(region);
    if (knownRegions.has(region)) return true;
    const guess = closest(region, [...knownRegions]);
    const tail = guess
      ? ` (did you mean "${guess}"?)`
      : explicitRegions
        ? " (not in allRegions)"
        : " (list it in allRegions if it is real)";
    report(path, `unknown region "${region}"${tail}`, at);
    return false;
  };

  // Enabled/disabled regions first: every later check depends on them.
  const layout = doc.accounts.map((a, i) => accountRegions(a, ["accounts", i], report, checkRegion));

  // Pass 1: KMS keys of every account and region, so references (also across accounts) resolve.
  const keyIndex = new Map<string, KeyIndex>();
  const keysByPlace = new Map<string, SimKmsKey[]>();
  doc.accounts.forEach((a, ai) => {
    for (const [region, r] of Object.entries(a.regions ?? {})) {
      const path = ["accounts", ai, "regions", region, "kmsKeys"];
      const keys = (r.kmsKeys ?? []).map((k, ki) => kmsKey(k, a.Id, region, [...path, ki], report));
      const index: KeyIndex = { ids: new Set(), aliases: new Map() };
      keys.forEach((k, ki) => {
        if (index.ids.has(k.KeyId))
          report([...path, ki, "KeyId"], `duplicate KeyId "${k.KeyId}" in this region`);
        index.ids.add(k.KeyId);
        k.Aliases.forEach((alias, j) => {
          if (index.aliases.has(alias))
            report([...path, ki, "Aliases", j], `alias "${alias}" is already used by another key`);
          else index.aliases.set(alias, k.KeyId);
        });
      });
      keyIndex.set(`${a.Id}/${region}`, index);
      keysByPlace.set(`${a.Id}/${region}`, keys);
    }
  });

  const refs = (account: string, region: string) => {
    return (ref: string, path: PathSeg[]): string =>
      resolveKmsRef(ref, account, region, path, keyIndex, report);
  };

  const bucketNames = new Map<string, string>();
  const accounts: SimAccount[] = doc.accounts.map((a, ai) => {
    const { enabled, disabled } = layout[ai] ?? { enabled: [], disabled: [] };
    const regionMap = new Map<string, RegionResources>();
    for (const region of enabled) {
      const r = a.regions?.[region] ?? {};
      const keys = keysByPlace.get(`${a.Id}/${region}`) ?? [];
      regionMap.set(
        region,
        regionResources(
          r,
          keys,
          a.Id,
          region,
          ["accounts", ai, "regions", region],
          refs(a.Id, region),
          report,
        ),
      );
    }
    const global = globalResources(a.global ?? {}, a, enabled, ["accounts", ai, "global"], refs, report);
    (a.global?.buckets ?? []).forEach((b, bi) => {
      const owner = bucketNames.get(b.Name);
      if (owner !== undefined)
        report(
          ["accounts", ai, "global", "buckets", bi, "Name"],
          `bucket name "${b.Name}" is already taken (${owner}); bucket names are global`,
        );
      else bucketNames.set(b.Name, `account ${a.Id}`);
    });
    const account: SimAccount = {
      Id: a.Id,
      Name: a.Name ?? `account-${a.Id}`,
      Email: a.Email ?? `aws+${a.Id}@example.com`,
      Status: a.Status ?? "ACTIVE",
      enabledRegions: enabled,
      disabledRegions: disabled,
      roles: (a.roles ?? []).map((r) => ({
        Name: r.Name,
        TrustedAccounts: [...r.TrustedAccounts],
        ...(r.ExternalId !== undefined ? { ExternalId: r.ExternalId } : {}),
      })),
      global,
      region: (name: string) => regionMap.get(name),
    };
    return account;
  });

  const managementAccountId = doc.managementAccountId ?? doc.accounts[0]?.Id ?? "";
  if (doc.managementAccountId !== undefined && !accountIds.has(doc.managementAccountId))
    report(["managementAccountId"], `no account has id "${doc.managementAccountId}"`);

  (doc.aggregators ?? []).forEach((ag, i) => {
    const ai = accountIds.get(ag.AccountId);
    if (ai === undefined) report(["aggregators", i, "AccountId"], `no account has id "${ag.AccountId}"`);
    else if (!layout[ai]?.enabled.includes(ag.Region))
      report(
        ["aggregators", i, "Region"],
        `region "${ag.Region}" is not enabled for account ${ag.AccountId}`,
      );
  });
  (doc.faults?.accessDenied ?? []).forEach((rule, i) => {
    if (rule.account !== undefined && !accountIds.has(rule.account))
      report(["faults", "accessDenied", i, "account"], `no account has id "${rule.account}"`);
  });

  const allRegions = explicitRegions ? [...knownRegions] : [...new Set([...AWS_REGIONS, ...named])].sort();
  const world: World = {
    managementAccountId,
    allRegions,
    accounts: arrayCollection(accounts, (a) => a.Id),
    faults: doc.faults ?? {},
    aggregators: (doc.aggregators ?? []).map((ag) => ({ ...ag })),
    seed: doc.seed ?? 1,
  };
  return { world, issues };
}

type Report = (path: PathSeg[], message: string, at?: "key") => void;
type Resolve = (ref: string, path: PathSeg[]) => string;

function accountRegions(
  a: AccountDoc,
  path: PathSeg[],
  report: Report,
  checkRegion: (region: string, path: PathSeg[], at?: "key") => boolean,
): { enabled: string[]; disabled: string[] } {
  const listed = Object.keys(a.regions ?? {});
  const disabled = a.disabledRegions ?? [];
  const enabled =
    a.enabledRegions ?? (listed.length ? listed.filter((r) => !disabled.includes(r)) : ["us-east-1"]);
  (a.enabledRegions ?? []).forEach((r, i) => checkRegion(r, [...path, "enabledRegions", i]));
  disabled.forEach((r, i) => {
    checkRegion(r, [...path, "disabledRegions", i]);
    if (enabled.includes(r) && a.enabledRegions !== undefined)
      report([...path, "disabledRegions", i], `region "${r}" is listed as both enabled and disabled`);
  });
  for (const r of listed) {
    const at: PathSeg[] = [...path, "regions", r];
    if (!checkRegion(r, at, "key")) continue;
    if (disabled.includes(r)) {
      if (!enabled.includes(r))
        report(at, `region "${r}" is disabled for this account but has resources`, "key");
    } else if (!enabled.includes(r))
      report(at, `region "${r}" has resources but is not in enabledRegions`, "key");
  }
  return { enabled: [...enabled], disabled: [...disabled] };
}

function resolveKmsRef(
  ref: string,
  account: string,
  region: string,
  path: PathSeg[],
  keyIndex: Map<string, KeyIndex>,
  report: Report,
): string {
  const arn = KMS_ARN.exec(ref);
  if (arn) {
    const [, r = "", a = "", kind, rest = ""] = arn;
    // A key ARN may name a key outside the world or a deleted one: that is a state worth simulating.
    if (kind === "key") return ref;
    const index = keyIndex.get(`${a}/${r}`);
    if (!index) return ref;
    const id = index.aliases.get(`alias/${rest}`);
    if (id === undefined) {
      report(path, `alias "alias/${rest}" points to no key in account ${a}, ${r}`);
      return ref;
    }
    return keyArn(r, a, id);
  }
  const index = keyIndex.get(`${account}/${region}`);
  if (ref.startsWith("alias/")) {
    const id = index?.aliases.get(ref);
    if (id === undefined) {
      report(path, `alias "${ref}" points to no key in this region (${region})`);
      return ref;
    }
    return keyArn(region, account, id);
  }
  if (!index?.ids.has(ref))
    report(
      path,
      `KMS key "${ref}" is not in this region (${region}); write its full key ARN to reference a key elsewhere`,
    );
  return keyArn(region, account, ref);
}

function regionResources(
  r: RegionDoc,
  keys: SimKmsKey[],
  account: string,
  region: string,
  path: PathSeg[],
  resolve: Resolve,
  report: Report,
): RegionResources {
  const ts = timestamps(report);
  const awsKey = (service: string): string | undefined => {
    const k = keys.find((key) => key.Aliases.includes(`alias/aws/${service}`));
    return k ? keyArn(region, account, k.KeyId) : undefined;
  };
  const ref = (value: string | undefined, p: PathSeg[]): string | undefined =>
    value === undefined ? undefined : resolve(value, p);
  const ebsDefaultKmsKeyId =
    r.ebsDefaultKmsKeyId === undefined || r.ebsDefaultKmsKeyId === "alias/aws/ebs"
      ? "alias/aws/ebs"
      : resolve(r.ebsDefaultKmsKeyId, [...path, "ebsDefaultKmsKeyId"]);
  const defaultEbsKey = ebsDefaultKmsKeyId.startsWith("arn:") ? ebsDefaultKmsKeyId : awsKey("ebs");

  const volumes: SimVolume[] = (r.volumes ?? []).map((v, i) => {
    const p = [...path, "volumes", i];
    if (!v.Encrypted && v.KmsKeyId !== undefined)
      report([...p, "KmsKeyId"], "KmsKeyId is set but the volume is not encrypted");
    const az = v.AvailabilityZone ?? `${region}a`;
    if (!az.startsWith(region))
      report([...p, "AvailabilityZone"], `availability zone "${az}" is not in ${region}`);
    const attachments = (v.Attachments ?? []).map((at, j) => ({
      InstanceId: at.InstanceId,
      Device: at.Device ?? (j === 0 ? "/dev/xvda" : `/dev/sd${String.fromCharCode(102 + j)}`),
      State: at.State ?? "attached",
    }));
    const kms = v.Encrypted ? (ref(v.KmsKeyId, [...p, "KmsKeyId"]) ?? defaultEbsKey) : undefined;
    return {
      VolumeId: v.VolumeId,
      Size: v.Size,
      Encrypted: v.Encrypted,
      ...(kms !== undefined ? { KmsKeyId: kms } : {}),
      State: v.State ?? (attachments.length ? "in-use" : "available"),
      AvailabilityZone: az,
      CreateTime: ts(v.CreateTime, DEFAULT_CREATED, [...p, "CreateTime"]),
      VolumeType: v.VolumeType ?? "gp3",
      ...(v.SnapshotId !== undefined ? { SnapshotId: v.SnapshotId } : {}),
      Attachments: attachments,
      Tags: tags(v.Tags),
    };
  });
  const volumeById = new Map(volumes.map((v) => [v.VolumeId, v]));

  const snapshots = (r.snapshots ?? []).map((s, i) => {
    const p = [...path, "snapshots", i];
    const source = s.VolumeId !== undefined ? volumeById.get(s.VolumeId) : undefined;
    const shared = s.SharedWith ?? [];
    if (s.Encrypted && shared.includes("all"))
      report([...p, "SharedWith"], "AWS cannot share an encrypted snapshot publicly");
    if (!s.Encrypted && s.KmsKeyId !== undefined)
      report([...p, "KmsKeyId"], "KmsKeyId is set but the snapshot is not encrypted");
    const kms = s.Encrypted
      ? (ref(s.KmsKeyId, [...p, "KmsKeyId"]) ?? source?.KmsKeyId ?? defaultEbsKey)
      : undefined;
    return {
      SnapshotId: s.SnapshotId,
      // vol-ffffffff is what AWS shows for snapshots copied or created from AMIs.
      VolumeId: s.VolumeId ?? "vol-ffffffff",
      VolumeSize: s.VolumeSize ?? source?.Size ?? 8,
      Encrypted: s.Encrypted,
      ...(kms !== undefined ? { KmsKeyId: kms } : {}),
      State: s.State ?? "completed",
      StartTime: ts(s.StartTime, DEFAULT_CREATED, [...p, "StartTime"]),
      ...(s.Description !== undefined ? { Description: s.Description } : {}),
      OwnerId: s.OwnerId ?? account,
      Tags: tags(s.Tags),
      SharedWith: [...shared],
    };
  });

  const rdsClusters: SimRdsCluster[] = (r.rdsClusters ?? []).map((c, i) => {
    const p = [...path, "rdsClusters", i];
    const engine = c.Engine ?? "aurora-postgresql";
    const kms =
      encryptedRef(c.StorageEncrypted, c.KmsKeyId, [...p, "KmsKeyId"], resolve, report) ??
      (c.StorageEncrypted ? awsKey("rds") : undefined);
    return {
      DBClusterIdentifier: c.DBClusterIdentifier,
      DbClusterResourceId:
        c.DbClusterResourceId ?? `cluster-${alnumFrom(`${account}/${region}/${c.DBClusterIdentifier}`, 26)}`,
      Engine: engine,
      EngineVersion: c.EngineVersion ?? engineVersionFor(engine),
      Status: c.Status ?? "available",
      StorageEncrypted: c.StorageEncrypted,
      ...(kms !== undefined ? { KmsKeyId: kms } : {}),
      ClusterCreateTime: ts(c.ClusterCreateTime, DEFAULT_CREATED, [...p, "ClusterCreateTime"]),
      Tags: tags(c.Tags),
    };
  });
  const clusterById = new Map(rdsClusters.map((c) => [c.DBClusterIdentifier, c]));

  const rdsInstances: SimRdsInstance[] = (r.rdsInstances ?? []).map((d, i) => {
    const p = [...path, "rdsInstances", i];
    const cluster = d.DBClusterIdentifier !== undefined ? clusterById.get(d.DBClusterIdentifier) : undefined;
    if (d.DBClusterIdentifier !== undefined && !cluster)
      report([...p, "DBClusterIdentifier"], `no cluster "${d.DBClusterIdentifier}" in this region`);
    if (cluster && cluster.StorageEncrypted !== d.StorageEncrypted)
      report(
        [...p, "StorageEncrypted"],
        `must match its cluster "${cluster.DBClusterIdentifier}" (${cluster.StorageEncrypted})`,
      );
    const engine = d.Engine ?? cluster?.Engine ?? "postgres";
    const aurora = engine.startsWith("aurora");
    const kms =
      encryptedRef(d.StorageEncrypted, d.KmsKeyId, [...p, "KmsKeyId"], resolve, report) ??
      (d.StorageEncrypted ? (cluster?.KmsKeyId ?? awsKey("rds")) : undefined);
    return {
      DBInstanceIdentifier: d.DBInstanceIdentifier,
      DbiResourceId:
        d.DbiResourceId ?? `db-${alnumFrom(`${account}/${region}/${d.DBInstanceIdentifier}`, 26)}`,
      Engine: engine,
      EngineVersion: d.EngineVersion ?? cluster?.EngineVersion ?? engineVersionFor(engine),
      DBInstanceClass: d.DBInstanceClass ?? (aurora ? "db.r6g.large" : "db.t3.medium"),
      DBInstanceStatus: d.DBInstanceStatus ?? "available",
      StorageEncrypted: d.StorageEncrypted,
      ...(kms !== undefined ? { KmsKeyId: kms } : {}),
      AllocatedStorage: d.AllocatedStorage ?? (aurora ? 1 : 20),
      PubliclyAccessible: d.PubliclyAccessible ?? false,
      ...(d.DBClusterIdentifier !== undefined ? { DBClusterIdentifier: d.DBClusterIdentifier } : {}),
      InstanceCreateTime: ts(d.InstanceCreateTime, DEFAULT_CREATED, [...p, "InstanceCreateTime"]),
      Tags: tags(d.Tags),
    };
  });
  const instanceById = new Map(rdsInstances.map((d) => [d.DBInstanceIdentifier, d]));

  const rdsSnapshot = (
    field: string,
    sources: (id: string) => { Engine: string; KmsKeyId?: string } | undefined,
    engine: string,
  ) => {
    return (s: RdsSnapshotDoc, i: number): SimRdsSnapshot => {
      const p = [...path, field, i];
      const source = sources(s.SourceIdentifier);
      const shared = s.SharedWith ?? [];
      if (s.Encrypted && shared.includes("all"))
        report([...p, "SharedWith"], "AWS cannot share an encrypted snapshot publicly");
      const kms =
        encryptedRef(s.Encrypted, s.KmsKeyId, [...p, "KmsKeyId"], resolve, report) ??
        (s.Encrypted ? (source?.KmsKeyId ?? awsKey("rds")) : undefined);
      return {
        Identifier: s.Identifier,
        SourceIdentifier: s.SourceIdentifier,
        SnapshotType: s.SnapshotType ?? "manual",
        Engine: s.Engine ?? source?.Engine ?? engine,
        Status: s.Status ?? "available",
        Encrypted: s.Encrypted,
        ...(kms !== undefined ? { KmsKeyId: kms } : {}),
        SnapshotCreateTime: ts(s.SnapshotCreateTime, DEFAULT_CREATED, [...p, "SnapshotCreateTime"]),
        SharedWith: [...shared],
        Tags: tags(s.Tags),
      };
    };
  };
  const rdsSnapshots = (r.rdsSnapshots ?? []).map(
    rdsSnapshot("rdsSnapshots", (id) => instanceById.get(id), "postgres"),
  );
  const rdsClusterSnapshots = (r.rdsClusterSnapshots ?? []).map(
    rdsSnapshot("rdsClusterSnapshots", (id) => clusterById.get(id), "aurora-postgresql"),
  );

  const dynamodbTables = (r.dynamodbTables ?? []).map((t, i) => {
    const p = [...path, "dynamodbTables", i];
    return {
      TableName: t.TableName,
      TableId: t.TableId ?? uuidFrom(`table/${account}/${region}/${t.TableName}`),
      TableStatus: t.TableStatus ?? "ACTIVE",
      CreationDateTime: ts(t.CreationDateTime, DEFAULT_CREATED, [...p, "CreationDateTime"]),
      ItemCount: t.ItemCount ?? 0,
      SSE: t.SSE
        ? {
            SSEType: "KMS" as const,
            KMSMasterKeyArn: resolve(t.SSE.KMSMasterKeyArn, [...p, "SSE", "KMSMasterKeyArn"]),
            Status: t.SSE.Status ?? "ENABLED",
          }
        : null,
      Tags: tags(t.Tags),
    };
  });

  const secrets = (r.secrets ?? []).map((s, i) => {
    const p = [...path, "secrets", i];
    const rotation = s.RotationEnabled ?? false;
    const created = ts(s.CreatedDate, DEFAULT_CREATED, [...p, "CreatedDate"]);
    const rotated =
      s.LastRotatedDate !== undefined
        ? ts(s.LastRotatedDate, DEFAULT_ROTATED, [...p, "LastRotatedDate"])
        : rotation
          ? DEFAULT_ROTATED
          : undefined;
    const lambda =
      s.RotationLambdaARN ??
      (rotation ? `arn:aws:lambda:${region}:${account}:function:SecretsManagerRotation` : undefined);
    const rules = s.RotationRules ?? (rotation ? { AutomaticallyAfterDays: 30 } : undefined);
    return {
      Name: s.Name,
      Suffix: s.Suffix ?? hexFrom(`secret/${account}/${region}/${s.Name}`, 6),
      ...(s.Description !== undefined ? { Description: s.Description } : {}),
      ...(s.KmsKeyId !== undefined ? { KmsKeyId: resolve(s.KmsKeyId, [...p, "KmsKeyId"]) } : {}),
      RotationEnabled: rotation,
      ...(lambda !== undefined ? { RotationLambdaARN: lambda } : {}),
      ...(rules !== undefined ? { RotationRules: { ...rules } } : {}),
      ...(rotated !== undefined ? { LastRotatedDate: rotated } : {}),
      LastChangedDate: ts(s.LastChangedDate, rotated ?? created, [...p, "LastChangedDate"]),
      ...(s.LastAccessedDate !== undefined
        ? { LastAccessedDate: ts(s.LastAccessedDate, created, [...p, "LastAccessedDate"]) }
        : {}),
      CreatedDate: created,
      ...(s.DeletedDate !== undefined
        ? { DeletedDate: ts(s.DeletedDate, created, [...p, "DeletedDate"]) }
        : {}),
      Tags: tags(s.Tags),
    };
  });

  const trails = (r.trails ?? []).map((t, i) => {
    const p = [...path, "trails", i];
    if (t.HomeRegion !== undefined && t.HomeRegion !== region)
      report([...p, "HomeRegion"], `a trail is listed under its home region; this one is under ${region}`);
    return {
      Name: t.Name,
      HomeRegion: region,
      S3BucketName: t.S3BucketName ?? `aws-cloudtrail-logs-${account}`,
      ...(t.KmsKeyId !== undefined ? { KmsKeyId: resolve(t.KmsKeyId, [...p, "KmsKeyId"]) } : {}),
      IsMultiRegionTrail: t.IsMultiRegionTrail ?? true,
      IsOrganizationTrail: t.IsOrganizationTrail ?? false,
      LogFileValidationEnabled: t.LogFileValidationEnabled ?? true,
      IncludeGlobalServiceEvents: t.IncludeGlobalServiceEvents ?? true,
      IsLogging: t.IsLogging ?? true,
      Tags: tags(t.Tags),
    };
  });

  const c = <T>(field: string, items: T[], id: (t: T) => string, idField: string): Collection<T> =>
    collection(items, id, [...path, field], idField, report);
  return {
    ebsEncryptionByDefault: r.ebsEncryptionByDefault ?? false,
    ebsDefaultKmsKeyId,
    volumes: c("volumes", volumes, (v) => v.VolumeId, "VolumeId"),
    snapshots: c("snapshots", snapshots, (s) => s.SnapshotId, "SnapshotId"),
    kmsKeys: arrayCollection(keys, (k) => k.KeyId), // duplicates already reported in pass 1
    rdsInstances: c("rdsInstances", rdsInstances, (d) => d.DBInstanceIdentifier, "DBInstanceIdentifier"),
    rdsClusters: c("rdsClusters", rdsClusters, (d) => d.DBClusterIdentifier, "DBClusterIdentifier"),
    rdsSnapshots: c("rdsSnapshots", rdsSnapshots, (s) => s.Identifier, "Identifier"),
    rdsClusterSnapshots: c("rdsClusterSnapshots", rdsClusterSnapshots, (s) => s.Identifier, "Identifier"),
    dynamodbTables: c("dynamodbTables", dynamodbTables, (t) => t.TableName, "TableName"),
    secrets: c("secrets", secrets, (s) => s.Name, "Name"),
    trails: c("trails", trails, (t) => t.Name, "Name"),
  };
}

function encryptedRef(
  encrypted: boolean,
  ref: string | undefined,
  path: PathSeg[],
  resolve: Resolve,
  report: Report,
): string | undefined {
  if (ref === undefined) return undefined;
  if (!encrypted) {
    report(path, "KmsKeyId is set but storage is not encrypted");
    return undefined;
  }
  return resolve(ref, path);
}

function kmsKey(k: KmsKeyDoc, account: string, region: string, path: PathSeg[], report: Report): SimKmsKey {
  const ts = timestamps(report);
  const manager = k.KeyManager ?? "CUSTOMER";
  const spec = k.KeySpec ?? "SYMMETRIC_DEFAULT";
  const origin = k.Origin ?? "AWS_KMS";
  const state = k.KeyState ?? "Enabled";
  const aliases = k.Aliases ?? [];
  const rotation = k.RotationEnabled ?? manager === "AWS";
  const pending = state === "PendingDeletion" || state === "PendingReplicaDeletion";
  aliases.forEach((alias, i) => {
    const reserved = alias.startsWith("alias/aws/");
    if (reserved && manager !== "AWS")
      report([...path, "Aliases", i], `"${alias}" is reserved for AWS-managed keys (KeyManager: AWS)`);
    if (!reserved && manager === "AWS")
      report([...path, "Aliases", i], `an AWS-managed key's alias must start with alias/aws/`);
  });
  if (rotation && (spec !== "SYMMETRIC_DEFAULT" || origin !== "AWS_KMS"))
    report(
      [...path, "RotationEnabled"],
      `automatic rotation is not supported for ${spec !== "SYMMETRIC_DEFAULT" ? spec : `${origin}-origin`} keys`,
    );
  if (k.DeletionDate !== undefined && !pending)
    report([...path, "DeletionDate"], `DeletionDate needs KeyState: PendingDeletion (is ${state})`);
  if (k.Enabled === true && state !== "Enabled")
    report([...path, "Enabled"], `Enabled: true contradicts KeyState: ${state}`);
  const service = aliases.find((a) => a.startsWith("alias/aws/"))?.slice("alias/aws/".length) ?? "kms";
  const policy =
    k.Policy === undefined
      ? manager === "AWS"
        ? awsManagedKeyPolicy(account, region, service)
        : defaultKeyPolicy(account)
      : policyText(k.Policy);
  return {
    KeyId: k.KeyId,
    ...(k.Description !== undefined
      ? { Description: k.Description }
      : manager === "AWS"
        ? {
            Description: `Default key that protects my ${service.toUpperCase()} resources when no other key is defined`,
          }
        : {}),
    KeyManager: manager,
    KeySpec: spec,
    KeyUsage: k.KeyUsage ?? keyUsageFor(spec),
    Origin: origin,
    KeyState: state,
    Enabled: k.Enabled ?? state === "Enabled",
    CreationDate: ts(k.CreationDate, DEFAULT_CREATED, [...path, "CreationDate"]),
    ...(pending
      ? {
          DeletionDate: ts(k.DeletionDate, DEFAULT_DELETION, [...path, "DeletionDate"]),
          PendingDeletionWindowInDays: k.PendingDeletionWindowInDays ?? 30,
        }
      : {}),
    MultiRegion: k.MultiRegion ?? k.KeyId.startsWith("mrk-"),
    RotationEnabled: rotation,
    ...(rotation ? { RotationPeriodInDays: k.RotationPeriodInDays ?? 365 } : {}),
    Policy: policy,
    Aliases: [...aliases],
    Tags: kmsTags(k.Tags),
  };
}

function globalResources(
  g: GlobalDoc,
  a: AccountDoc,
  enabled: string[],
  path: PathSeg[],
  refs: (account: string, region: string) => Resolve,
  report: Report,
): GlobalResources {
  const ts = timestamps(report);
  const account = a.Id;
  const idFor = (prefix: string, kind: string, name: string): string =>
    `${prefix}${alnumFrom(`${kind}/${account}/${name}`, 17)}`;

  const policyDocs = g.iamPolicies ?? [];
  const arnOf = new Map<string, string>(); // policy name -> ARN
  for (const p of policyDocs) {
    const scopeAws = p.Scope === "AWS";
    arnOf.set(
      p.PolicyName,
      scopeAws
        ? `arn:aws:iam::aws:policy${p.Path ?? "/"}${p.PolicyName}`
        : policyArn(account, p.Path ?? "/", p.PolicyName),
    );
  }
  const knownArns = new Set(arnOf.values());
  const attachments = new Map<string, number>();
  const attached = (list: string[] | undefined, p: PathSeg[]): string[] =>
    (list ?? []).map((entry, i) => {
      let arn = entry;
      if (!entry.startsWith("arn:")) {
        const found = arnOf.get(entry);
        if (found === undefined)
          report([...p, i], `no customer-managed policy named "${entry}" in this account`);
        arn = found ?? policyArn(account, "/", entry);
      } else if (entry.startsWith(`arn:aws:iam::${account}:policy/`) && !knownArns.has(entry)) {
        report([...p, i], `policy "${entry}" is not defined in this account's iamPolicies`);
      }
      attachments.set(arn, (attachments.get(arn) ?? 0) + 1);
      return arn;
    });
  const inline = (list: IamPrincipalDoc["InlinePolicies"]) =>
    (list ?? []).map((ip) => ({ PolicyName: ip.PolicyName, Document: policyText(ip.Document) }));

  const groupDocs = g.iamGroups ?? [];
  const groupNames = new Set(groupDocs.map((x) => x.Name));
  const principal = (kind: "user" | "role" | "group", prefix: string, field: string) => {
    return (x: IamPrincipalDoc, i: number): SimIamPrincipal => {
      const p = [...path, field, i];
      (x.Groups ?? []).forEach((name, j) => {
        if (!groupNames.has(name)) report([...p, "Groups", j], `no group named "${name}" in this account`);
      });
      return {
        Name: x.Name,
        Id: x.Id ?? idFor(prefix, kind, x.Name),
        Path: x.Path ?? "/",
        CreateDate: ts(x.CreateDate, DEFAULT_CREATED, [...p, "CreateDate"]),
        InlinePolicies: inline(x.InlinePolicies),
        AttachedPolicyArns: attached(x.AttachedPolicyArns, [...p, "AttachedPolicyArns"]),
        ...(kind === "role"
          ? {
              AssumeRolePolicyDocument:
                x.AssumeRolePolicyDocument !== undefined
                  ? policyText(x.AssumeRolePolicyDocument)
                  : trustPolicy([account]),
            }
          : {}),
        ...(kind === "user" ? { Groups: [...(x.Groups ?? [])] } : {}),
        Tags: tags(x.Tags),
      };
    };
  };
  const iamGroups = groupDocs.map(principal("group", "AGPA", "iamGroups"));
  const iamUsers = (g.iamUsers ?? []).map(principal("user", "AIDA", "iamUsers"));
  const iamRoles = (g.iamRoles ?? []).map(principal("role", "AROA", "iamRoles"));
  // A role the scanner assumes exists in IAM too; add it unless the file spells it out.
  for (const role of a.roles ?? []) {
    if (iamRoles.some((r) => r.Name === role.Name)) continue;
    iamRoles.push({
      Name: role.Name,
      Id: idFor("AROA", "role", role.Name),
      Path: "/",
      CreateDate: DEFAULT_CREATED,
      InlinePolicies: [],
      AttachedPolicyArns: role.Name === AUDIT_ROLE_NAME ? [...AUDIT_POLICIES] : [],
      AssumeRolePolicyDocument: trustPolicy(role.TrustedAccounts, role.ExternalId),
      Tags: [{ Key: "purpose", Value: "dpscan read-only audit" }],
    });
  }

  const iamPolicies: SimIamManagedPolicy[] = policyDocs.map((pd, i) => {
    const p = [...path, "iamPolicies", i];
    const created = ts(pd.CreateDate, DEFAULT_CREATED, [...p, "CreateDate"]);
    if (pd.Document !== undefined && pd.Versions !== undefined)
      report([...p, "Versions"], "give either Document or Versions, not both");
    if (pd.Document === undefined && pd.Versions === undefined)
      report(p, 'missing required field "Document" (or "Versions")');
    const versions = pd.Versions
      ? pd.Versions.map((v, j) => ({
          VersionId: v.VersionId,
          IsDefaultVersion: v.IsDefaultVersion ?? false,
          CreateDate: ts(v.CreateDate, created, [...p, "Versions", j, "CreateDate"]),
          Document: policyText(v.Document),
        }))
      : [
          {
            VersionId: "v1",
            IsDefaultVersion: true,
            CreateDate: created,
            Document: policyText(pd.Document ?? ""),
          },
        ];
    const defaults = versions.filter((v) => v.IsDefaultVersion).length;
    if (defaults > 1) report([...p, "Versions"], "only one version can be the default");
    const last = versions[versions.length - 1];
    if (defaults === 0 && last) last.IsDefaultVersion = true; // AWS always has a default: take the newest
    const arn = arnOf.get(pd.PolicyName) ?? "";
    return {
      PolicyName: pd.PolicyName,
      PolicyId: pd.PolicyId ?? idFor("ANPA", "policy", pd.PolicyName),
      Path: pd.Path ?? "/",
      Scope: pd.Scope ?? "Local",
      AttachmentCount: pd.AttachmentCount ?? attachments.get(arn) ?? 0,
      CreateDate: created,
      UpdateDate: ts(pd.UpdateDate, created, [...p, "UpdateDate"]),
      Versions: versions,
    };
  });

  const buckets: SimBucket[] = (g.buckets ?? []).map((b, i) => {
    const p = [...path, "buckets", i];
    const region = b.Region ?? enabled[0] ?? "us-east-1";
    if (b.Region !== undefined && !enabled.includes(region))
      report([...p, "Region"], `region "${region}" is not enabled for this account`);
    const resolve = refs(account, region);
    const enc = b.Encryption;
    if (enc && enc.SSEAlgorithm === "AES256" && enc.KMSMasterKeyID !== undefined)
      report(
        [...p, "Encryption", "KMSMasterKeyID"],
        "KMSMasterKeyID needs SSEAlgorithm aws:kms or aws:kms:dsse",
      );
    const pab = b.PublicAccessBlock;
    return {
      Name: b.Name,
      Region: region,
      CreationDate: ts(b.CreationDate, DEFAULT_CREATED, [...p, "CreationDate"]),
      Policy: b.Policy === undefined || b.Policy === null ? null : policyText(b.Policy),
      Encryption:
        enc === null
          ? null
          : enc === undefined
            ? { SSEAlgorithm: "AES256", BucketKeyEnabled: false }
            : {
                SSEAlgorithm: enc.SSEAlgorithm,
                ...(enc.KMSMasterKeyID !== undefined && enc.SSEAlgorithm !== "AES256"
                  ? { KMSMasterKeyID: resolve(enc.KMSMasterKeyID, [...p, "Encryption", "KMSMasterKeyID"]) }
                  : {}),
                BucketKeyEnabled: enc.BucketKeyEnabled ?? false,
              },
      PublicAccessBlock:
        pab === null
          ? null
          : {
              BlockPublicAcls: pab?.BlockPublicAcls ?? true,
              IgnorePublicAcls: pab?.IgnorePublicAcls ?? true,
              BlockPublicPolicy: pab?.BlockPublicPolicy ?? true,
              RestrictPublicBuckets: pab?.RestrictPublicBuckets ?? true,
            },
      Tags: tags(b.Tags),
    };
  });

  const c = <T>(field: string, items: T[], id: (t: T) => string, idField: string): Collection<T> =>
    collection(items, id, [...path, field], idField, report);
  return {
    buckets: arrayCollection(buckets, (b) => b.Name), // global uniqueness is checked by the caller
    iamPolicies: c("iamPolicies", iamPolicies, (x) => x.PolicyName, "PolicyName"),
    iamUsers: c("iamUsers", iamUsers, (x) => x.Name, "Name"),
    iamRoles: c("iamRoles", iamRoles, (x) => x.Name, "Name"),
    iamGroups: c("iamGroups", iamGroups, (x) => x.Name, "Name"),
  };
}

/** An array collection, reporting duplicate ids (the second occurrence) on the way. */
function collection<T>(
  items: T[],
  id: (t: T) => string,
  path: PathSeg[],
  idField: string,
  report: Report,
): Collection<T> {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const key = id(item);
    if (seen.has(key)) report([...path, i, idField], `duplicate ${idField} "${key}"`);
    seen.add(key);
  });
  return arrayCollection(items, id);
}

function policyText(p: PolicyDoc): string {
  return typeof p === "string" ? p : JSON.stringify(p);
}

function tags(t: TagsDoc | undefined): Tag[] {
  if (!t) return [];
  return Array.isArray(t)
    ? t.map((x) => ({ Key: x.Key, Value: x.Value }))
    : Object.entries(t).map(([Key, Value]) => ({ Key, Value }));
}

function kmsTags(t: KmsTagsDoc | undefined): SimKmsKey["Tags"] {
  if (!t) return [];
  return Array.isArray(t)
    ? t.map((x) => ({ TagKey: x.TagKey, TagValue: x.TagValue }))
    : Object.entries(t).map(([TagKey, TagValue]) => ({ TagKey, TagValue }));
}

/** Normalises a written date to ISO 8601 UTC; a date-time without a zone is taken as UTC, never local time. */
function timestamps(report: Report) {
  return (value: string | undefined, fallback: string, path: PathSeg[]): string => {
    if (value === undefined) return fallback;
    let text = value.replace(" ", "T");
    if (text.includes("T") && !/(Z|[+-]\d{2}:?\d{2})$/.test(text)) text += "Z";
    const d = new Date(text);
    if (Number.isNaN(d.getTime())) {
      report(path, `"${value}" is not a valid date`);
      return fallback;
    }
    return d.toISOString();
  };
}
