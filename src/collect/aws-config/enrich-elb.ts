// --enrich for load-balancer listeners: the protocols their security policy allows. AWS Config
// records a listener's policy by name only; the TLS rule judges the protocols, read with
// DescribeSSLPolicies in the listener's own account and region by the ELBv2 collector's resolver
// (elbv2.ts): every policy listed once per region, same shape and markers as the API path.
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import type { Json, ResourceRecord } from "../../model/resource.js";
import { Lru } from "../../util/lru.js";
import { policyResolver, TLS_PROTOCOLS } from "../elbv2.js";
import { AccountEnricher, type EnrichAccess } from "./enrich.js";

/** Regions whose policy listings are remembered; an evicted region lists them again. */
const REGION_CACHE = 64;

export class SslPolicyEnricher extends AccountEnricher {
  private readonly regions = new Lru<string, (name: string) => Promise<Json>>(REGION_CACHE);

  constructor(access: EnrichAccess) {
    super(access, "elasticloadbalancing", "the TLS protocols of its listeners' security policies");
  }

  protected async enrichOne(
    r: ResourceRecord,
    credentials: AwsCredentialIdentityProvider,
  ): Promise<ResourceRecord> {
    const c = r.configuration;
    const name = c.SslPolicy;
    // HTTP, TCP, UDP...: nothing to read. A TLS listener without a policy name keeps Config's
    // facts, and the rule says UNKNOWN.
    if (!TLS_PROTOCOLS.has(typeof c.Protocol === "string" ? c.Protocol : "")) return r;
    if (typeof name !== "string" || name === "") return r;
    const policyOf = this.regions.getOrSet(`${r.awsAccountId}/${r.awsRegion}`, () =>
      policyResolver(
        this.context(r.awsAccountId, r.awsRegion),
        this.session(r.awsAccountId, credentials).client("elasticloadbalancing", r.awsRegion),
      ),
    );
    const SslPolicy = await policyOf(name);
    return { ...r, supplementaryConfiguration: { ...r.supplementaryConfiguration, SslPolicy } };
  }
}
