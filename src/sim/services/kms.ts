// AWS KMS (JSON 1.1, target prefix TrentService): the read-only calls dpscan makes about keys.
import { SimError } from "../wire/service.js";
import type { CallContext } from "../wire/service.js";
import type { Collection, SimKmsKey, World } from "../world/types.js";
import {
  encodeToken,
  epochSeconds,
  jsonService,
  optInt,
  optString,
  reqString,
  tokenPosition,
} from "../wire/protocol-json.js";
import type { JsonObject } from "../wire/protocol-json.js";

/** Aliases every region lists even before the AWS-managed key behind them exists (no TargetKeyId). */
const PREDEFINED_AWS_ALIASES = [
  "alias/aws/acm",
  "alias/aws/dynamodb",
  "alias/aws/ebs",
  "alias/aws/elasticfilesystem",
  "alias/aws/es",
  "alias/aws/glue",
  "alias/aws/kinesisvideo",
  "alias/aws/lambda",
  "alias/aws/rds",
  "alias/aws/redshift",
  "alias/aws/s3",
  "alias/aws/secretsmanager",
  "alias/aws/ssm",
  "alias/aws/xray",
];

const ARN_RE = /^arn:[^:]+:kms:([^:]*):(\d{12}):((?:key|alias)\/.+)$/;

export function keyArn(region: string, account: string, keyId: string): string {
  return `arn:aws:kms:${region}:${account}:key/${keyId}`;
}

function regionKeys(ctx: CallContext, accountId = ctx.account.Id): Collection<SimKmsKey> | undefined {
  const account = accountId === ctx.account.Id ? ctx.account : ctx.world.accounts.get(accountId);
  return account?.region(ctx.region)?.kmsKeys;
}

// alias name -> KeyId per (world, account, region), built on first use so alias lookups stay O(1).
// Keyed by the world (stable) rather than the collection, which a generated world may rebuild on
// every access; bounded so a scan of thousands of accounts does not keep every index alive.
const ALIAS_INDEX_CAP = 512;
const aliasIndexes = new WeakMap<World, Map<string, Map<string, string>>>();
function aliasIndex(ctx: CallContext, accountId: string, keys: Collection<SimKmsKey>): Map<string, string> {
  let perWorld = aliasIndexes.get(ctx.world);
  if (!perWorld) aliasIndexes.set(ctx.world, (perWorld = new Map()));
  const place = `${accountId}/${ctx.region}`;
  let index = perWorld.get(place);
  if (!index) {
    index = new Map();
    for (let i = 0; i < keys.size; i++) {
      const k = keys.at(i);
      for (const a of k.Aliases) index.set(a, k.KeyId);
    }
    if (perWorld.size >= ALIAS_INDEX_CAP) {
      const oldest = perWorld.keys().next();
      if (!oldest.done) perWorld.delete(oldest.value);
    }
    perWorld.set(place, index);
  }
  return index;
}

/** Resolve a KeyId parameter (key id, key ARN, alias name or alias ARN) as KMS does. */
function resolveKey(ctx: CallContext, keyIdParam: string): SimKmsKey {
  const notFound = () => new SimError("NotFoundException", `Key '${keyIdParam}' does not exist`);
  let accountId = ctx.account.Id;
  let ref = keyIdParam;
  const m = ARN_RE.exec(keyIdParam);
  if (m) {
    if (m[1] !== ctx.region) throw notFound();
    accountId = m[2] ?? accountId;
    ref = m[3] ?? ref;
  } else if (keyIdParam.startsWith("arn:")) {
    throw new SimError("NotFoundException", `Invalid arn ${keyIdParam}`);
  }
  const keys = regionKeys(ctx, accountId);
  if (!keys) throw notFound();
  const keyId = ref.startsWith("alias/")
    ? aliasIndex(ctx, accountId, keys).get(ref)
    : ref.replace(/^key\//, "");
  const key = keyId === undefined ? undefined : keys.get(keyId);
  if (!key || key.KeyId !== keyId) throw notFound();
  if (accountId !== ctx.account.Id) {
    // Default key policies grant nothing to other accounts: AWS answers AccessDenied, not NotFound.
    throw new SimError(
      "AccessDeniedException",
      `User: ${ctx.callerArn} is not authorized to perform this operation on ${keyArn(ctx.region, accountId, key.KeyId)} because no resource-based policy allows it`,
    );
  }
  return key;
}

function algorithms(k: SimKmsKey): JsonObject {
  const spec = k.KeySpec;
  if (spec === "SYMMETRIC_DEFAULT") return { EncryptionAlgorithms: ["SYMMETRIC_DEFAULT"] };
  if (spec.startsWith("HMAC_")) return { MacAlgorithms: [`HMAC_SHA_${spec.slice(5)}`] };
  if (spec.startsWith("RSA_")) {
    return k.KeyUsage === "ENCRYPT_DECRYPT"
      ? { EncryptionAlgorithms: ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"] }
      : {
          SigningAlgorithms: [
            "RSASSA_PKCS1_V1_5_SHA_256",
            "RSASSA_PKCS1_V1_5_SHA_384",
            "RSASSA_PKCS1_V1_5_SHA_512",
            "RSASSA_PSS_SHA_256",
            "RSASSA_PSS_SHA_384",
            "RSASSA_PSS_SHA_512",
          ],
        };
  }
  const ecdsa: Record<string, string> = {
    ECC_NIST_P256: "ECDSA_SHA_256",
    ECC_NIST_P384: "ECDSA_SHA_384",
    ECC_NIST_P521: "ECDSA_SHA_512",
    ECC_SECG_P256K1: "ECDSA_SHA_256",
  };
  const alg = ecdsa[spec];
  return alg ? { SigningAlgorithms: [alg] } : {};
}

const isPendingDeletion = (k: SimKmsKey) =>
  k.KeyState === "PendingDeletion" || k.KeyState === "PendingReplicaDeletion";

function keyMetadata(ctx: CallContext, k: SimKmsKey): JsonObject {
  const customStore = k.Origin === "AWS_CLOUDHSM" || k.Origin === "EXTERNAL_KEY_STORE";
  return {
    AWSAccountId: ctx.account.Id,
    KeyId: k.KeyId,
    Arn: keyArn(ctx.region, ctx.account.Id, k.KeyId),
    CreationDate: epochSeconds(k.CreationDate),
    Enabled: k.Enabled,
    Description: k.Description ?? "",
    KeyUsage: k.KeyUsage,
    KeyState: k.KeyState,
    DeletionDate: isPendingDeletion(k) ? epochSeconds(k.DeletionDate) : undefined,
    PendingDeletionWindowInDays: isPendingDeletion(k) ? k.PendingDeletionWindowInDays : undefined,
    Origin: k.Origin,
    CustomKeyStoreId: customStore ? `cks-${k.KeyId.replace(/-/g, "").slice(0, 17)}` : undefined,
    ExpirationModel: k.Origin === "EXTERNAL" ? "KEY_MATERIAL_DOES_NOT_EXPIRE" : undefined,
    KeyManager: k.KeyManager,
    CustomerMasterKeySpec: k.KeySpec,
    KeySpec: k.KeySpec,
    ...algorithms(k),
    MultiRegion: k.MultiRegion ?? false,
  };
}

/** Rotation exists only for symmetric keys whose material KMS generated and holds. */
function rotationUnsupportedReason(k: SimKmsKey): string | undefined {
  if (k.Origin !== "AWS_KMS") return `origin is ${k.Origin}`;
  if (k.KeySpec !== "SYMMETRIC_DEFAULT") return `key spec ${k.KeySpec}`;
  return undefined;
}

const pageStart = (marker: string | undefined, parts: number): number[] | undefined =>
  tokenPosition(
    marker,
    parts,
    () => new SimError("InvalidMarkerException", "The marker that specifies where to start is not valid."),
  );

function listKeys(input: JsonObject, ctx: CallContext): JsonObject {
  const limit = optInt(input, "Limit", 1, 1000) ?? 100;
  const start = pageStart(optString(input, "Marker"), 1)?.[0] ?? 0;
  const keys = regionKeys(ctx);
  const size = keys?.size ?? 0;
  const out: JsonObject[] = [];
  for (let i = start; keys && i < size && out.length < limit; i++) {
    const k = keys.at(i);
    out.push({ KeyId: k.KeyId, KeyArn: keyArn(ctx.region, ctx.account.Id, k.KeyId) });
  }
  const next = start + out.length;
  return next < size
    ? { Keys: out, NextMarker: encodeToken([next]), Truncated: true }
    : { Keys: out, Truncated: false };
}

function aliasEntry(ctx: CallContext, name: string, key?: SimKmsKey): JsonObject {
  return {
    AliasName: name,
    AliasArn: `arn:aws:kms:${ctx.region}:${ctx.account.Id}:${name}`,
    TargetKeyId: key?.KeyId,
    CreationDate: key ? epochSeconds(key.CreationDate) : undefined,
    LastUpdatedDate: key ? epochSeconds(key.CreationDate) : undefined,
  };
}

function listAliases(input: JsonObject, ctx: CallContext): JsonObject {
  const limit = optInt(input, "Limit", 1, 100) ?? 50;
  const keyIdParam = optString(input, "KeyId");
  const keys = regionKeys(ctx);
  const out: JsonObject[] = [];
  let next: number[] | undefined;
  if (keyIdParam !== undefined) {
    const key = resolveKey(ctx, keyIdParam);
    const j0 = pageStart(optString(input, "Marker"), 1)?.[0] ?? 0;
    for (let j = j0; j < key.Aliases.length; j++) {
      if (out.length === limit) {
        next = [j];
        break;
      }
      out.push(aliasEntry(ctx, key.Aliases[j] ?? "", key));
    }
  } else {
    // Position [phase, i, j]: phase 0 walks keys (i) and their aliases (j); phase 1 walks the
    // predefined AWS aliases (i) that no key carries yet.
    const pos = pageStart(optString(input, "Marker"), 3);
    let [phase, i, j] = [pos?.[0] ?? 0, pos?.[1] ?? 0, pos?.[2] ?? 0];
    const size = keys?.size ?? 0;
    outer: while (phase === 0 && keys && i < size) {
      const k = keys.at(i);
      for (; j < k.Aliases.length; j++) {
        if (out.length === limit) {
          next = [0, i, j];
          break outer;
        }
        out.push(aliasEntry(ctx, k.Aliases[j] ?? "", k));
      }
      i++;
      j = 0;
    }
    if (!next) {
      if (phase === 0) [phase, i] = [1, 0];
      const taken = keys ? aliasIndex(ctx, ctx.account.Id, keys) : new Map<string, string>();
      for (; i < PREDEFINED_AWS_ALIASES.length; i++) {
        const name = PREDEFINED_AWS_ALIASES[i] ?? "";
        if (taken.has(name)) continue;
        if (out.length === limit) {
          next = [1, i, 0];
          break;
        }
        out.push(aliasEntry(ctx, name));
      }
    }
  }
  return next
    ? { Aliases: out, NextMarker: encodeToken(next), Truncated: true }
    : { Aliases: out, Truncated: false };
}

function getKeyPolicy(input: JsonObject, ctx: CallContext): JsonObject {
  const key = resolveKey(ctx, reqString(input, "KeyId"));
  const name = optString(input, "PolicyName") ?? "default";
  if (name !== "default") throw new SimError("NotFoundException", `No such policy exists: ${name}`);
  // Verbatim, even when malformed: collectors must cope with what AWS stores.
  return { Policy: key.Policy, PolicyName: "default" };
}

function getKeyRotationStatus(input: JsonObject, ctx: CallContext): JsonObject {
  const key = resolveKey(ctx, reqString(input, "KeyId"));
  const arn = keyArn(ctx.region, ctx.account.Id, key.KeyId);
  const reason = rotationUnsupportedReason(key);
  if (reason)
    throw new SimError(
      "UnsupportedOperationException",
      `${arn} ${reason} which is not valid for this operation.`,
    );
  // AWS-managed keys always rotate yearly. A key pending deletion reports false (not an error) per the
  // GetKeyRotationStatus reference; the original status returns if the deletion is cancelled.
  if (key.KeyManager === "AWS") return { KeyId: arn, KeyRotationEnabled: true, RotationPeriodInDays: 365 };
  if (isPendingDeletion(key) || !key.RotationEnabled) return { KeyId: arn, KeyRotationEnabled: false };
  return { KeyId: arn, KeyRotationEnabled: true, RotationPeriodInDays: key.RotationPeriodInDays ?? 365 };
}

function listResourceTags(input: JsonObject, ctx: CallContext): JsonObject {
  const key = resolveKey(ctx, reqString(input, "KeyId"));
  const limit = optInt(input, "Limit", 1, 50) ?? 50;
  const start = pageStart(optString(input, "Marker"), 1)?.[0] ?? 0;
  const tags = key.Tags.slice(start, start + limit).map((t) => ({ TagKey: t.TagKey, TagValue: t.TagValue }));
  const next = start + tags.length;
  return next < key.Tags.length
    ? { Tags: tags, NextMarker: encodeToken([next]), Truncated: true }
    : { Tags: tags, Truncated: false };
}

/** Custom key stores: one per CloudHSM cluster of the region that backs one (external key stores are not modelled). */
function describeCustomKeyStores(input: JsonObject, ctx: CallContext): JsonObject {
  const limit = optInt(input, "Limit", 1, 1000) ?? 1000;
  const id = optString(input, "CustomKeyStoreId");
  const name = optString(input, "CustomKeyStoreName");
  const clusters = ctx.account.region(ctx.region)?.cloudHsmClusters;
  const stores: JsonObject[] = [];
  for (let i = 0; clusters && i < clusters.size; i++) {
    const c = clusters.at(i);
    const s = c.CustomKeyStore;
    if (
      !s ||
      (id !== undefined && s.CustomKeyStoreId !== id) ||
      (name !== undefined && s.CustomKeyStoreName !== name)
    )
      continue;
    stores.push({
      CustomKeyStoreId: s.CustomKeyStoreId,
      CustomKeyStoreName: s.CustomKeyStoreName,
      CloudHsmClusterId: c.ClusterId,
      TrustAnchorCertificate: "-----BEGIN CERTIFICATE-----\nMIIsim\n-----END CERTIFICATE-----",
      ConnectionState: s.ConnectionState,
      CreationDate: epochSeconds(c.CreateTimestamp),
      CustomKeyStoreType: "AWS_CLOUDHSM",
    });
  }
  if ((id !== undefined || name !== undefined) && stores.length === 0)
    throw new SimError("CustomKeyStoreNotFoundException", `Custom key store ${id ?? name} does not exist.`);
  const start = pageStart(optString(input, "Marker"), 1)?.[0] ?? 0;
  const page = stores.slice(start, start + limit);
  return start + page.length < stores.length
    ? { CustomKeyStores: page, NextMarker: encodeToken([start + page.length]), Truncated: true }
    : { CustomKeyStores: page, Truncated: false };
}

export const kmsService = jsonService({
  signingName: "kms",
  targetPrefix: "TrentService",
  version: "1.1",
  throttleCode: "ThrottlingException",
  operations: {
    ListKeys: listKeys,
    DescribeKey: (input, ctx) => ({
      KeyMetadata: keyMetadata(ctx, resolveKey(ctx, reqString(input, "KeyId"))),
    }),
    GetKeyPolicy: getKeyPolicy,
    GetKeyRotationStatus: getKeyRotationStatus,
    ListAliases: listAliases,
    ListResourceTags: listResourceTags,
    DescribeCustomKeyStores: describeCustomKeyStores,
  },
  // AccessDenied rules name a key by its KeyId: strip a key ARN; aliases are passed through as given.
  resourceId(_operation, input) {
    const id = input["KeyId"];
    if (typeof id !== "string") return undefined;
    const m = ARN_RE.exec(id);
    return (m?.[3] ?? id).replace(/^key\//, "");
  },
});
