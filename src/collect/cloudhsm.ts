// CloudHSM (v2) collector: every cluster of the region with its HSMs (and their Availability
// Zones), its tags, and the KMS custom key stores it backs. AWS Config does not record CloudHSM:
// the record's configuration is the DescribeClusters shape with the first letter of each field
// lowercased (as for the types Config does record that way), minus the PRECO password and the
// certificates (see docs/collectors/cloudhsm.md).
import {
  paginateDescribeClusters,
  paginateListTags,
  type Cluster,
  type Tag,
} from "@aws-sdk/client-cloudhsm-v2";
import { paginateDescribeCustomKeyStores } from "@aws-sdk/client-kms";
import type { Json, JsonObject } from "../model/resource.js";
import { RESOURCE_TYPES } from "../model/resource-types.js";
import { configShape } from "./shape.js";
import { COLLECTOR_MANIFESTS } from "./manifests.js";
import type { Collector, CollectorContext, DetailResult, EmittedResource } from "./types.js";

const SERVICE = "cloudhsm";
/** The API reference's limits: DescribeClusters MaxResults 1..25, ListTags 1..100, DescribeCustomKeyStores Limit 1..1000. */
const CLUSTERS_PAGE = 25;
const TAGS_PAGE = 100;
const STORES_PAGE = 1000;

export const cloudHsmCollector: Collector = {
  ...COLLECTOR_MANIFESTS.cloudhsm,
  async collect(ctx) {
    const client = ctx.client(SERVICE);
    // Asked once per region, and only when there is a cluster to match the stores to.
    let stores: Promise<DetailResult<StoreEntry[] | null>> | undefined;
    await ctx.list(SERVICE, "DescribeClusters", {
      // The pinned client's paginator types come from its own (older) @aws-sdk/types: same shape.
      pages: paginateDescribeClusters({ client, pageSize: CLUSTERS_PAGE }, {}),
      items: (page) => page.Clusters,
      readRecord: async (c) => {
        if (!c.ClusterId) return undefined;
        stores ??= readCustomKeyStores(ctx);
        return readCluster(ctx, c, c.ClusterId, await stores);
      },
    });
  },
};

interface StoreEntry {
  clusterId: string | null;
  store: JsonObject;
}

/** The region's custom key stores (KMS DescribeCustomKeyStores, all pages): one detail for every cluster. */
function readCustomKeyStores(ctx: CollectorContext): Promise<DetailResult<StoreEntry[] | null>> {
  const kms = ctx.client("kms");
  return ctx.detail("kms", "DescribeCustomKeyStores", async () => {
    const out: StoreEntry[] = [];
    for await (const page of paginateDescribeCustomKeyStores({ client: kms, pageSize: STORES_PAGE }, {})) {
      for (const s of page.CustomKeyStores ?? []) {
        out.push({
          clusterId: s.CloudHsmClusterId ?? null,
          store: {
            customKeyStoreId: s.CustomKeyStoreId ?? null,
            customKeyStoreName: s.CustomKeyStoreName ?? null,
            customKeyStoreType: s.CustomKeyStoreType ?? null,
            connectionState: s.ConnectionState ?? null,
            connectionErrorCode: s.ConnectionErrorCode ?? null,
          },
        });
      }
    }
    return out;
  });
}

async function readCluster(
  ctx: CollectorContext,
  c: Cluster,
  clusterId: string,
  stores: DetailResult<StoreEntry[] | null>,
): Promise<EmittedResource> {
  const client = ctx.client(SERVICE);
  const tags = await ctx.detail(SERVICE, "ListTags", async () => {
    const all: Tag[] = [];
    for await (const page of paginateListTags({ client, pageSize: TAGS_PAGE }, { ResourceId: clusterId }))
      all.push(...(page.TagList ?? []));
    return all;
  });
  const supplementary: Record<string, unknown> = {
    CustomKeyStores: stores.ok
      ? (stores.value ?? []).filter((s) => s.clusterId === clusterId).map((s) => s.store)
      : stores.marker,
  };
  // The record's tags map cannot hold a marker: an unreadable tag list is said here instead.
  if (!tags.ok) supplementary.Tags = tags.marker;
  return {
    resourceType: RESOURCE_TYPES.cloudHsmCluster,
    resourceId: clusterId,
    resourceName: clusterId,
    arn: `arn:${ctx.partition}:cloudhsm:${ctx.region}:${ctx.accountId}:cluster/${clusterId}`,
    configuration: clusterConfiguration(c),
    supplementaryConfiguration: supplementary,
    tags: tags.ok ? (tags.value ?? []) : [],
  };
}

/**
 * `Cluster` with camelCased keys. Dropped: PreCoPassword (the default password of a new cluster's
 * pre-crypto-officer: a credential, never stored), Certificates (PEM text nothing judges), TagList
 * (the record's tags). `hsms` is always a list, so an empty cluster reads as zero HSMs.
 */
export function clusterConfiguration(c: Cluster): JsonObject {
  const { PreCoPassword: _password, Certificates: _certificates, TagList: _tags, ...rest } = c;
  const shaped = configShape(rest);
  const hsms: Json = shaped.hsms ?? [];
  return { ...shaped, hsms };
}
