// KMS keys are built first (pass 1), for every account and region, so that references to them
// (key ids, aliases, ARNs, also across accounts) resolve to key ARNs as AWS APIs return them.
import {
  DEFAULT_CREATED,
  DEFAULT_DELETION,
  awsManagedKeyPolicy,
  defaultKeyPolicy,
  keyArn,
  keyUsageFor,
} from "../defaults.js";
import type { KmsKeyDoc, WorldDoc } from "../doc.js";
import type { SimKmsKey } from "../types.js";
import { kmsTags, policyText, timestamps, type PathSeg, type Report, type Resolve } from "./common.js";

const KMS_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):(key|alias)\/(.+)$/;

interface KeyIndex {
  ids: Set<string>;
  aliases: Map<string, string>; // alias name -> key id
}

/** Every key of the world, by `account/region`, and a resolver for references made from a place. */
export interface KmsKeys {
  keysAt(account: string, region: string): SimKmsKey[];
  resolverAt(account: string, region: string): Resolve;
}

/** Pass 1: builds the keys of every account and region, reporting duplicate key ids and aliases. */
export function indexKmsKeys(doc: WorldDoc, report: Report): KmsKeys {
  const keyIndex = new Map<string, KeyIndex>();
  const keysByPlace = new Map<string, SimKmsKey[]>();
  doc.accounts.forEach((a, ai) => {
    for (const [region, r] of Object.entries(a.regions ?? {})) {
      const path = ["accounts", ai, "regions", region, "kmsKeys"];
      const keys = (r.kmsKeys ?? []).map((k, ki) => buildKmsKey(k, a.Id, region, [...path, ki], report));
      keyIndex.set(`${a.Id}/${region}`, indexKeys(keys, path, report));
      keysByPlace.set(`${a.Id}/${region}`, keys);
    }
  });
  return {
    keysAt: (account, region) => keysByPlace.get(`${account}/${region}`) ?? [],
    resolverAt: (account, region) => (ref, path) =>
      resolveKmsRef(ref, account, region, path, keyIndex, report),
  };
}

function indexKeys(keys: SimKmsKey[], path: PathSeg[], report: Report): KeyIndex {
  const index: KeyIndex = { ids: new Set(), aliases: new Map() };
  keys.forEach((k, ki) => {
    if (index.ids.has(k.KeyId)) report([...path, ki, "KeyId"], `duplicate KeyId "${k.KeyId}" in this region`);
    index.ids.add(k.KeyId);
    k.Aliases.forEach((alias, j) => {
      if (index.aliases.has(alias))
        report([...path, ki, "Aliases", j], `alias "${alias}" is already used by another key`);
      else index.aliases.set(alias, k.KeyId);
    });
  });
  return index;
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

/** The defaults a key document leaves open, decided once for the checks and the builder. */
interface KeyTraits {
  manager: SimKmsKey["KeyManager"];
  spec: string;
  origin: string;
  state: string;
  aliases: string[];
  rotation: boolean;
  pending: boolean;
  /** The AWS service an AWS-managed key serves (its alias/aws/<service>), else "kms". */
  service: string;
}

function keyTraits(k: KmsKeyDoc): KeyTraits {
  const manager = k.KeyManager ?? "CUSTOMER";
  const state = k.KeyState ?? "Enabled";
  const aliases = k.Aliases ?? [];
  return {
    manager,
    spec: k.KeySpec ?? "SYMMETRIC_DEFAULT",
    origin: k.Origin ?? "AWS_KMS",
    state,
    aliases,
    rotation: k.RotationEnabled ?? manager === "AWS",
    pending: state === "PendingDeletion" || state === "PendingReplicaDeletion",
    service: aliases.find((a) => a.startsWith("alias/aws/"))?.slice("alias/aws/".length) ?? "kms",
  };
}

/** Reports the key states AWS refuses. */
function checkKmsKey(k: KmsKeyDoc, t: KeyTraits, path: PathSeg[], report: Report): void {
  t.aliases.forEach((alias, i) => {
    const reserved = alias.startsWith("alias/aws/");
    if (reserved && t.manager !== "AWS")
      report([...path, "Aliases", i], `"${alias}" is reserved for AWS-managed keys (KeyManager: AWS)`);
    if (!reserved && t.manager === "AWS")
      report([...path, "Aliases", i], `an AWS-managed key's alias must start with alias/aws/`);
  });
  if (t.rotation && (t.spec !== "SYMMETRIC_DEFAULT" || t.origin !== "AWS_KMS"))
    report(
      [...path, "RotationEnabled"],
      `automatic rotation is not supported for ${t.spec !== "SYMMETRIC_DEFAULT" ? t.spec : `${t.origin}-origin`} keys`,
    );
  if (k.DeletionDate !== undefined && !t.pending)
    report([...path, "DeletionDate"], `DeletionDate needs KeyState: PendingDeletion (is ${t.state})`);
  if (k.Enabled === true && t.state !== "Enabled")
    report([...path, "Enabled"], `Enabled: true contradicts KeyState: ${t.state}`);
}

export function buildKmsKey(
  k: KmsKeyDoc,
  account: string,
  region: string,
  path: PathSeg[],
  report: Report,
): SimKmsKey {
  const ts = timestamps(report);
  const t = keyTraits(k);
  checkKmsKey(k, t, path, report);
  const aws = t.manager === "AWS";
  const policy =
    k.Policy !== undefined
      ? policyText(k.Policy)
      : aws
        ? awsManagedKeyPolicy(account, region, t.service)
        : defaultKeyPolicy(account);
  const description =
    k.Description ??
    (aws
      ? `Default key that protects my ${t.service.toUpperCase()} resources when no other key is defined`
      : undefined);
  return {
    KeyId: k.KeyId,
    ...(description !== undefined ? { Description: description } : {}),
    KeyManager: t.manager,
    KeySpec: t.spec,
    KeyUsage: k.KeyUsage ?? keyUsageFor(t.spec),
    Origin: t.origin,
    KeyState: t.state,
    Enabled: k.Enabled ?? t.state === "Enabled",
    CreationDate: ts(k.CreationDate, DEFAULT_CREATED, [...path, "CreationDate"]),
    ...(t.pending
      ? {
          DeletionDate: ts(k.DeletionDate, DEFAULT_DELETION, [...path, "DeletionDate"]),
          PendingDeletionWindowInDays: k.PendingDeletionWindowInDays ?? 30,
        }
      : {}),
    MultiRegion: k.MultiRegion ?? k.KeyId.startsWith("mrk-"),
    RotationEnabled: t.rotation,
    ...(t.rotation ? { RotationPeriodInDays: k.RotationPeriodInDays ?? 365 } : {}),
    Policy: policy,
    Aliases: [...t.aliases],
    Tags: kmsTags(k.Tags),
  };
}
