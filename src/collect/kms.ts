// KMS collector: every key in the region with its metadata (shaped as AWS Config records it), and
// the facts Config does not record — key policy, rotation status, aliases — read from KMS itself
// (see docs/collectors/kms.md).
import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  paginateListAliases,
  paginateListKeys,
  paginateListResourceTags,
  type KeyListEntry,
  type KeyMetadata,
  type Tag,
} from "@aws-sdk/client-kms";
import { AwsCallError } from "../aws/call.js";
import { classifyError } from "../aws/errors.js";
import { unreadable, type JsonObject } from "../model/resource.js";
import { RESOURCE_TYPES } from "../model/resource-types.js";
import type { Collector, CollectorContext } from "./types.js";

const SERVICE = "kms";
/** Largest page each operation accepts (field notes; the KMS API reference for ListAliases/ListResourceTags). */
const KEYS_PAGE = 1000;
const ALIASES_PAGE = 100;
const TAGS_PAGE = 50;
/** What KMS answers when rotation does not exist for a key: the status is not applicable, not unreadable. */
const ROTATION_NOT_APPLICABLE = ["UnsupportedOperationException", "KMSInvalidStateException"];

export const kmsCollector: Collector = {
  name: "kms",
  service: SERVICE,
  scope: "regional",
  resourceTypes: [RESOURCE_TYPES.kmsKey],
  // ListAliases is a unit too, but its failure hides no key: each key's `Aliases` carries the marker.
  listings: { ListKeys: [RESOURCE_TYPES.kmsKey] },
  actions: [
    "kms:ListKeys",
    "kms:ListAliases",
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListResourceTags",
  ],
  async collect(ctx) {
    const aliases = await readAliases(ctx);
    const client = ctx.client(SERVICE);
    await ctx.unit(SERVICE, "ListKeys", async () => {
      let count = 0;
      for await (const page of paginateListKeys({ client, pageSize: KEYS_PAGE }, {})) {
        // One page of keys and its details at a time.
        const keys = (page.Keys ?? []).filter((k): k is KeyListEntry & { KeyId: string } => Boolean(k.KeyId));
        await ctx.forEach(keys, (k) => collectKey(ctx, k, aliases));
        count += keys.length;
      }
      return count;
    });
  },
};

/** Alias names by target key id, or the marker every key stores when ListAliases could not be read. */
type AliasIndex = { ok: true; byKey: Map<string, string[]> } | { ok: false; marker: JsonObject };

/** ListAliases once per region (all pages), rather than once per key. */
async function readAliases(ctx: CollectorContext): Promise<AliasIndex> {
  const client = ctx.client(SERVICE);
  const byKey = new Map<string, string[]>();
  let failure: JsonObject | undefined;
  await ctx.unit(SERVICE, "ListAliases", async () => {
    let count = 0;
    try {
      for await (const page of paginateListAliases({ client, pageSize: ALIASES_PAGE }, {})) {
        for (const a of page.Aliases ?? []) {
          count++;
          // Predefined AWS aliases with no key behind them yet have no TargetKeyId.
          if (!a.AliasName || !a.TargetKeyId) continue;
          const names = byKey.get(a.TargetKeyId);
          if (names) names.push(a.AliasName);
          else byKey.set(a.TargetKeyId, [a.AliasName]);
        }
      }
    } catch (err) {
      // A partial alias list would read as "these keys have no alias": every key gets the marker.
      const c = err instanceof AwsCallError ? err.error : classifyError(err);
      failure = unreadable({ errorCode: c.code, message: c.message, operation: "ListAliases" });
      throw err;
    }
    return count;
  });
  return failure ? { ok: false, marker: failure } : { ok: true, byKey };
}

async function collectKey(
  ctx: CollectorContext,
  entry: KeyListEntry & { KeyId: string },
  aliases: AliasIndex,
): Promise<void> {
  const client = ctx.client(SERVICE);
  const keyId = entry.KeyId;
  const [described, policy] = await Promise.all([
    ctx.detail(SERVICE, "DescribeKey", async () => {
      const out = await client.send(new DescribeKeyCommand({ KeyId: keyId }));
      if (!out.KeyMetadata)
        throw Object.assign(new Error("DescribeKey returned no KeyMetadata"), { name: "EmptyResponse" });
      return out.KeyMetadata;
    }),
    ctx.detail(SERVICE, "GetKeyPolicy", async () => {
      const out = await client.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: "default" }));
      // Verbatim, even when it is not valid JSON: the policy analyser judges it.
      return { policyName: out.PolicyName ?? "default", policyText: out.Policy ?? null };
    }),
  ]);
  const meta = described.ok ? described.value : null;
  const supplementary: Record<string, unknown> = {
    KeyPolicy: policy.ok ? policy.value : policy.marker,
    Aliases: aliases.ok ? (aliases.byKey.get(keyId) ?? []) : aliases.marker,
  };
  let tags: Tag[] = [];
  if (meta) {
    const [rotation, tagResult] = await Promise.all([
      rotationApplies(meta)
        ? ctx.detail(
            SERVICE,
            "GetKeyRotationStatus",
            async () => {
              const out = await client.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));
              return {
                keyRotationEnabled: out.KeyRotationEnabled ?? null,
                rotationPeriodInDays: out.RotationPeriodInDays ?? null,
                ...(out.NextRotationDate ? { nextRotationDate: out.NextRotationDate.toISOString() } : {}),
              };
            },
            { absentOn: ROTATION_NOT_APPLICABLE },
          )
        : undefined,
      // AWS-managed keys cannot carry tags; only customer keys are asked.
      meta.KeyManager === "CUSTOMER"
        ? ctx.detail(SERVICE, "ListResourceTags", async () => {
            const all: Tag[] = [];
            for await (const page of paginateListResourceTags(
              { client, pageSize: TAGS_PAGE },
              { KeyId: keyId },
            )) {
              all.push(...(page.Tags ?? []));
            }
            return all;
          })
        : undefined,
    ]);
    if (rotation) {
      if (!rotation.ok) supplementary.KeyRotationStatus = rotation.marker;
      else if (rotation.value !== null) supplementary.KeyRotationStatus = rotation.value;
      // null: KMS says rotation does not exist for this key (not applicable), like a key never asked.
    }
    if (tagResult) {
      if (tagResult.ok) tags = tagResult.value ?? [];
      else supplementary.Tags = tagResult.marker; // the record's tags map cannot hold a marker
    }
  }
  ctx.emit({
    resourceType: RESOURCE_TYPES.kmsKey,
    resourceId: keyId,
    arn: meta?.Arn ?? entry.KeyArn ?? null,
    // Unreadable metadata: the whole configuration is the marker, so every rule on the key is UNKNOWN.
    configuration: meta ? keyConfiguration(meta) : described.ok ? {} : described.marker,
    supplementaryConfiguration: supplementary,
    tags,
  });
}

/**
 * Rotation exists only for customer-managed symmetric keys whose material KMS generated; AWS-managed
 * keys rotate on AWS's schedule. KMS rejects the call for keys pending deletion or import.
 */
function rotationApplies(m: KeyMetadata): boolean {
  return (
    m.KeyManager === "CUSTOMER" &&
    (m.KeySpec ?? m.CustomerMasterKeySpec) === "SYMMETRIC_DEFAULT" &&
    m.Origin === "AWS_KMS" &&
    m.KeyState !== "PendingDeletion" &&
    m.KeyState !== "PendingImport"
  );
}

/** `KeyMetadata` as AWS Config records it (aws-config-resource-schema AWS::KMS::Key): same keys, same nulls. */
function keyConfiguration(m: KeyMetadata): JsonObject {
  return {
    awsaccountId: m.AWSAccountId ?? null,
    keyId: m.KeyId ?? null,
    arn: m.Arn ?? null,
    creationDate: m.CreationDate ? m.CreationDate.toISOString() : null,
    enabled: m.Enabled ?? null,
    description: m.Description ?? "",
    keyUsage: m.KeyUsage ?? null,
    keyState: m.KeyState ?? null,
    deletionDate: m.DeletionDate ? m.DeletionDate.toISOString() : null,
    origin: m.Origin ?? null,
    expirationModel: m.ExpirationModel ?? null,
    keyManager: m.KeyManager ?? null,
    customerMasterKeySpec: m.CustomerMasterKeySpec ?? null,
    keySpec: m.KeySpec ?? null,
    multiRegion: m.MultiRegion ?? false,
  };
}
