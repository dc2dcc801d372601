// --enrich for DB instances: `TlsEnforcement`, which AWS Config cannot hold (it records the names of
// an instance's parameter groups, not their values), read in the instance's own account and region
// by the RDS collector's resolver (rds-tls.ts): same reads, each group once per region, same shape
// and markers as the API path. A cluster member's cluster group comes from DescribeDBClusters, once
// per cluster.
import { DescribeDBClustersCommand, type RDSClient } from "@aws-sdk/client-rds";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import type { Json, JsonObject, ResourceRecord } from "../../model/resource.js";
import { Lru } from "../../util/lru.js";
import { clusterGroupOf, instanceGroup, TlsResolver, type ClusterLookup } from "../rds-tls.js";
import type { CollectorContext } from "../types.js";
import { AccountEnricher, type EnrichAccess } from "./enrich.js";

/** Regions whose group reads are remembered; an evicted region reads its groups again (correct, a few calls more). */
const REGION_CACHE = 64;

export class TlsEnricher extends AccountEnricher {
  private readonly regions = new Lru<string, RegionReader>(REGION_CACHE);

  constructor(access: EnrichAccess) {
    super(access, "rds", "TlsEnforcement of its DB instances");
  }

  protected async enrichOne(
    r: ResourceRecord,
    credentials: AwsCredentialIdentityProvider,
  ): Promise<ResourceRecord> {
    const reader = this.regions.getOrSet(
      `${r.awsAccountId}/${r.awsRegion}`,
      () =>
        new RegionReader(
          this.context(r.awsAccountId, r.awsRegion),
          this.session(r.awsAccountId, credentials).client("rds", r.awsRegion),
        ),
    );
    const tls = await reader.resolve(r.configuration);
    return { ...r, supplementaryConfiguration: { ...r.supplementaryConfiguration, TlsEnforcement: tls } };
  }
}

const text = (v: Json | undefined): string | null => (typeof v === "string" && v !== "" ? v : null);

/** One (account, region): its TLS resolver and the clusters its instances named. */
class RegionReader {
  private readonly tls: TlsResolver;
  private readonly clusters = new Map<string, Promise<ClusterLookup>>();

  constructor(
    private readonly ctx: Pick<CollectorContext, "detail">,
    private readonly client: RDSClient,
  ) {
    this.tls = new TlsResolver(ctx, client);
  }

  /** From AWS Config's `configuration` of an AWS::RDS::DBInstance. */
  async resolve(c: JsonObject): Promise<Json> {
    const clusterId = text(c.dBClusterIdentifier);
    const groups = Array.isArray(c.dBParameterGroups) ? c.dBParameterGroups : [];
    const first = groups[0];
    const own =
      first && typeof first === "object" && !Array.isArray(first)
        ? { name: text(first.dBParameterGroupName), status: text(first.parameterApplyStatus) }
        : undefined;
    const instance = { id: text(c.dBInstanceIdentifier) ?? "", clusterId, own };
    const cluster = clusterId === null ? undefined : await this.cluster(clusterId);
    return this.tls.resolve(text(c.engine) ?? "", instanceGroup(instance, cluster));
  }

  private cluster(id: string): Promise<ClusterLookup> {
    let p = this.clusters.get(id);
    if (!p) {
      p = this.ctx
        .detail("rds", "DescribeDBClusters", async () => {
          const out = await this.client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }));
          return out.DBClusters?.[0];
        })
        .then((r): ClusterLookup =>
          !r.ok
            ? { ok: false, marker: r.marker }
            : r.value
              ? { ok: true, value: clusterGroupOf(r.value) }
              : undefined,
        );
      this.clusters.set(id, p);
    }
    return p;
  }
}
