// KMS collector: every key in the region with its metadata (shaped as AWS Config records it), and
// the facts Config does not record — key policy, rotation status, aliases — read from KMS itself
// (see docs/collectors/kms.md).
import {
  DescribeKeyCommand,
  paginateListKeys,
  paginateListResourceTags,
  type KeyListEntry,
  type KeyMetadata,
  type Tag,
} from "@aws-sdk/client-kms";
import type { JsonObject } from "../model/resource.js";
import { RESOURCE_TYPES } from "../model/resource-types.js";
import {
  KMS_SERVICE as SERVICE,
  aliasesOf,
  readAliasIndex,
  readKeyPolicy,
  readRotationStatus,
  rotationApplies,
  rotationInputsFromMetadata,
  type AliasIndex,
} from "./kms-details.js";
import { COLLECTOR_MANIFESTS } from "./manifests.js";
import type { Collector, CollectorContext, EmittedResource } from "./types.js";

/** Largest page each operation accepts (field notes; the KMS API reference for ListResourceTags). */
const KEYS_PAGE = 1000;
const TAGS_PAGE = 50;

export const kmsCollector: Collector = {
  ...COLLECTOR_MANIFESTS.kms,
  async collect(ctx) {
    const client = ctx.client(SERVICE);
    // The alias index (ListAliases, 100 per page, one page after another) is read while the keys
    // are listed and read; only emitting a record waits for it. Awaited first, it delayed every
    // key read by its whole chain of pages, and the key reads set the unit's floor (the quota of
    // ListResourceTags, bench scenario 2).
    const aliases = readAliasIndex(ctx, client);
    aliases.catch(() => undefined); // awaited below; only an abort rejects it
    await ctx.list(SERVICE, "ListKeys", {
      pages: paginateListKeys({ client, pageSize: KEYS_PAGE }, {}),
      items: (page) => page.Keys,
      readRecord: async (k) => (k.KeyId ? readKey(ctx, k.KeyId, k) : undefined),
      complete: async (record) => withAliases(record, await aliases),
    });
    await aliases; // the unit ends with its ListAliases tally, even where no key waited for it
  },
};

async function readKey(ctx: CollectorContext, keyId: string, entry: KeyListEntry): Promise<EmittedResource> {
  const client = ctx.client(SERVICE);
  const [described, policy] = await Promise.all([
    ctx.detail(SERVICE, "DescribeKey", async () => {
      const out = await client.send(new DescribeKeyCommand({ KeyId: keyId }));
      if (!out.KeyMetadata)
        throw Object.assign(new Error("DescribeKey returned no KeyMetadata"), { name: "EmptyResponse" });
      return out.KeyMetadata;
    }),
    readKeyPolicy(ctx, client, keyId),
  ]);
  const meta = described.ok ? described.value : null;
  const supplementary: Record<string, unknown> = { KeyPolicy: policy }; // Aliases: withAliases()
  let tags: Tag[] = [];
  if (meta) {
    const [rotation, tagResult] = await Promise.all([
      rotationApplies(rotationInputsFromMetadata(meta)) ? readRotationStatus(ctx, client, keyId) : undefined,
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
    // undefined: not asked, or KMS says rotation does not exist for this key (not applicable).
    if (rotation !== undefined) supplementary.KeyRotationStatus = rotation;
    if (tagResult) {
      if (tagResult.ok) tags = tagResult.value ?? [];
      else supplementary.Tags = tagResult.marker; // the record's tags map cannot hold a marker
    }
  } else if (!described.ok) {
    // Without metadata nobody knows whether the key has tags: say so rather than show none.
    supplementary.Tags = described.marker;
  }
  return {
    resourceType: RESOURCE_TYPES.kmsKey,
    resourceId: keyId,
    arn: meta?.Arn ?? entry.KeyArn ?? null,
    // Unreadable metadata: the whole configuration is the marker, so every rule on the key is UNKNOWN.
    configuration: meta ? keyConfiguration(meta) : described.ok ? {} : described.marker,
    supplementaryConfiguration: supplementary,
    tags,
  };
}

/** The key's record with its `Aliases` fact, second as it always was (stored JSON keeps its key order). */
function withAliases(record: EmittedResource, index: AliasIndex): EmittedResource {
  const { KeyPolicy, ...rest } = record.supplementaryConfiguration ?? {};
  return {
    ...record,
    supplementaryConfiguration: { KeyPolicy, Aliases: aliasesOf(index, record.resourceId), ...rest },
  };
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
