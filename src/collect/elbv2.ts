// ELBv2 collector: Application, Network and Gateway Load Balancers and their listeners. Each HTTPS or
// TLS listener carries the protocols its security policy allows, resolved with DescribeSSLPolicies
// (once per account and region, by name for a policy the listing lacks), so a rule judges the TLS
// versions a policy really allows instead of a list of policy names that goes stale. Classic Load
// Balancers (ELB API version 1) are out of scope. See docs/collectors/elbv2.md.
import {
  DescribeSSLPoliciesCommand,
  DescribeTagsCommand,
  paginateDescribeListeners,
  paginateDescribeLoadBalancers,
  type ElasticLoadBalancingV2Client,
  type Listener,
  type LoadBalancer,
  type SslPolicy,
  type Tag,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { boundJson } from "../model/normalize.js";
import { unreadable, type Json, type JsonObject } from "../model/resource.js";
import { RESOURCE_TYPES } from "../model/resource-types.js";
import { classify } from "./coverage.js";
import { configShape } from "./shape.js";
import { COLLECTOR_MANIFESTS } from "./manifests.js";
import type { Collector, CollectorContext, DetailResult, EmittedResource } from "./types.js";

const SERVICE = "elasticloadbalancing";
/** DescribeLoadBalancers, DescribeListeners and DescribeSSLPolicies take PageSize 1..400. */
const PAGE = 400;
/** DescribeTags takes at most 20 ARNs per call. */
const TAG_BATCH = 20;
/** Listener protocols that terminate TLS under a security policy (QUIC listeners pass TLS through). */
export const TLS_PROTOCOLS: ReadonlySet<string> = new Set(["HTTPS", "TLS"]);

export const elbv2Collector: Collector = {
  ...COLLECTOR_MANIFESTS.elbv2,
  async collect(ctx) {
    const client = ctx.client(SERVICE);
    const policyOf = policyResolver(ctx, client);
    await ctx.unit(SERVICE, "DescribeLoadBalancers", async () => {
      let count = 0;
      // ELBv2's paginators have no page-size token: PageSize goes in the input.
      for await (const page of paginateDescribeLoadBalancers({ client }, { PageSize: PAGE })) {
        const lbs = (page.LoadBalancers ?? []).filter((lb): lb is Named<LoadBalancer> =>
          Boolean(lb.LoadBalancerArn),
        );
        count += await collectPage(ctx, client, lbs, policyOf);
      }
      return count;
    });
  },
};

type Named<T> = T & { LoadBalancerArn: string };
type NamedListener = Listener & { ListenerArn: string };

/**
 * One page of load balancers: their listeners, the tags of both (batched across the page), the
 * security policies of the TLS listeners; then the records. Returns the load balancers recorded.
 */
async function collectPage(
  ctx: CollectorContext,
  client: ElasticLoadBalancingV2Client,
  lbs: Named<LoadBalancer>[],
  policyOf: (name: string) => Promise<Json>,
): Promise<number> {
  const listeners = new Map<string, NamedListener[] | "gone">();
  await ctx.forEach(lbs, async (lb) => {
    const found = await readListeners(ctx, client, lb.LoadBalancerArn);
    if (found) listeners.set(lb.LoadBalancerArn, found);
  });
  const live = lbs.filter((lb) => listeners.get(lb.LoadBalancerArn) !== "gone");
  const all = live.flatMap((lb) => {
    const l = listeners.get(lb.LoadBalancerArn);
    return Array.isArray(l) ? l : [];
  });
  const tags = await readTags(ctx, client, [
    ...live.map((lb) => lb.LoadBalancerArn),
    ...all.map((l) => l.ListenerArn),
  ]);
  const policies = new Map<string, Json>();
  await ctx.forEach(new Set(all.filter(terminatesTls).flatMap((l) => l.SslPolicy ?? [])), async (name) => {
    policies.set(name, await policyOf(name));
  });
  for (const lb of live) ctx.emit(loadBalancerRecord(lb, tags.get(lb.LoadBalancerArn)));
  for (const l of all) ctx.emit(listenerRecord(l, tags.get(l.ListenerArn), policies));
  return live.length;
}

const terminatesTls = (l: Listener): boolean => TLS_PROTOCOLS.has(l.Protocol ?? "");

/**
 * A load balancer's listeners, as a listing unit (a failure hides listeners: a coverage gap), or
 * "gone" when the load balancer was deleted since it was listed; undefined when the call failed.
 */
async function readListeners(
  ctx: CollectorContext,
  client: ElasticLoadBalancingV2Client,
  lbArn: string,
): Promise<NamedListener[] | "gone" | undefined> {
  let gone = false;
  const out: NamedListener[] = [];
  const ok = await ctx.unit(SERVICE, "DescribeListeners", async () => {
    try {
      const pages = paginateDescribeListeners({ client }, { LoadBalancerArn: lbArn, PageSize: PAGE });
      for await (const page of pages)
        out.push(...(page.Listeners ?? []).filter((l): l is NamedListener => Boolean(l.ListenerArn)));
    } catch (err) {
      if (classify(err).code !== "LoadBalancerNotFound" || ctx.signal.aborted) throw err;
      gone = true;
    }
    return out.length;
  });
  return gone ? "gone" : ok ? out : undefined;
}

/** DescribeTags for up to 20 ARNs (load balancers and listeners alike) per call; a failed batch marks each of its ARNs. */
async function readTags(
  ctx: CollectorContext,
  client: ElasticLoadBalancingV2Client,
  arns: string[],
): Promise<Map<string, DetailResult<Tag[] | null>>> {
  const out = new Map<string, DetailResult<Tag[] | null>>();
  const batches: string[][] = [];
  for (let i = 0; i < arns.length; i += TAG_BATCH) batches.push(arns.slice(i, i + TAG_BATCH));
  await ctx.forEach(batches, async (batch) => {
    const r = await ctx.detail(SERVICE, "DescribeTags", async () => {
      const res = await client.send(new DescribeTagsCommand({ ResourceArns: batch }));
      return new Map((res.TagDescriptions ?? []).map((d) => [d.ResourceArn ?? "", d.Tags ?? []]));
    });
    for (const arn of batch) out.set(arn, r.ok ? { ok: true, value: r.value?.get(arn) ?? [] } : r);
  });
  return out;
}

/**
 * The security policy of a name, as the listener's supplementary `SslPolicy` (or a marker): every
 * policy is listed once per account and region (paginated); a name the listing lacks is asked by
 * name, once. Denied, failed or unknown: the marker, so TLS rules say UNKNOWN.
 */
export function policyResolver(
  ctx: Pick<CollectorContext, "detail">,
  client: ElasticLoadBalancingV2Client,
): (name: string) => Promise<Json> {
  let listed: Promise<DetailResult<Map<string, SslPolicy> | null>> | undefined;
  const byName = new Map<string, Promise<Json>>();
  const listAll = () =>
    ctx.detail(SERVICE, "DescribeSSLPolicies", async () => {
      const all = new Map<string, SslPolicy>();
      let marker: string | undefined;
      do {
        const res = await client.send(new DescribeSSLPoliciesCommand({ PageSize: PAGE, Marker: marker }));
        for (const p of res.SslPolicies ?? []) if (p.Name) all.set(p.Name, p);
        marker = res.NextMarker || undefined;
      } while (marker);
      return all;
    });
  const askByName = async (name: string): Promise<Json> => {
    const r = await ctx.detail(SERVICE, "DescribeSSLPolicies", async () => {
      const res = await client.send(new DescribeSSLPoliciesCommand({ Names: [name] }));
      const p = res.SslPolicies?.find((x) => x.Name === name);
      if (!p)
        throw Object.assign(new Error(`DescribeSSLPolicies did not return ${name}`), {
          name: "EmptyResponse",
        });
      return p;
    });
    return r.ok ? policyShape(r.value) : r.marker;
  };
  return async (name) => {
    listed ??= listAll();
    const all = await listed;
    if (!all.ok) return all.marker;
    const p = all.value?.get(name);
    if (p) return policyShape(p);
    let asked = byName.get(name);
    if (!asked) {
      asked = askByName(name);
      byName.set(name, asked);
    }
    return asked;
  };
}

/** `SslPolicy` camelCased: `{ name, sslProtocols, ciphers: [{ name, priority }], supportedLoadBalancerTypes }`. */
function policyShape(p: SslPolicy | null): Json {
  return p ? configShape(p) : null;
}

function loadBalancerRecord(
  lb: Named<LoadBalancer>,
  tags: DetailResult<Tag[] | null> | undefined,
): EmittedResource {
  return {
    resourceType: RESOURCE_TYPES.elbLoadBalancer,
    // AWS Config identifies a load balancer by its ARN.
    resourceId: lb.LoadBalancerArn,
    resourceName: lb.LoadBalancerName ?? null,
    arn: lb.LoadBalancerArn,
    configuration: configShape(lb),
    supplementaryConfiguration: tags && !tags.ok ? { Tags: tags.marker } : {},
    tags: tags?.ok ? (tags.value ?? []) : [],
  };
}

function listenerRecord(
  l: NamedListener,
  tags: DetailResult<Tag[] | null> | undefined,
  policies: ReadonlyMap<string, Json>,
): EmittedResource {
  const supplementary: JsonObject = {};
  if (terminatesTls(l)) {
    supplementary.SslPolicy = l.SslPolicy
      ? (policies.get(l.SslPolicy) ?? null)
      : unreadable({
          errorCode: "MissingSslPolicy",
          message: `DescribeListeners returned no SslPolicy for this ${l.Protocol} listener`,
          operation: "DescribeListeners",
        });
  }
  // Tags cannot hold a marker: an unreadable tag list is recorded beside them.
  if (tags && !tags.ok) supplementary.Tags = tags.marker;
  return {
    resourceType: RESOURCE_TYPES.elbListener,
    resourceId: l.ListenerArn,
    arn: l.ListenerArn,
    configuration: listenerConfiguration(l),
    supplementaryConfiguration: supplementary,
    tags: tags?.ok ? (tags.value ?? []) : [],
  };
}

/**
 * `Listener` as AWS Config records it: PascalCase, as the API (Config's schema for this type follows
 * CloudFormation). Absent scalars are null, absent lists empty.
 */
export function listenerConfiguration(l: Listener): JsonObject {
  return {
    ListenerArn: l.ListenerArn ?? null,
    LoadBalancerArn: l.LoadBalancerArn ?? null,
    Port: l.Port ?? null,
    Protocol: l.Protocol ?? null,
    SslPolicy: l.SslPolicy ?? null,
    Certificates: boundJson(l.Certificates ?? []),
    DefaultActions: boundJson(l.DefaultActions ?? []),
    AlpnPolicy: boundJson(l.AlpnPolicy ?? []),
  };
}
