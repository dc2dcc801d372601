// Elastic Load Balancing API version 2 (awsQuery, 2015-12-01): load balancers, listeners, their
// tags and the security policies (services/elbv2-policies.ts plus a region's own). Lists are
// `<member>`; DescribeLoadBalancers, DescribeListeners and DescribeSSLPolicies page with PageSize
// (1..400) and Marker/NextMarker; not-found errors are 400s, as ELB answers them.
import { isoTime, nextPageLeaf, pageStart, queryService, scanPage } from "../wire/protocol-query.js";
import type { QueryParams } from "../wire/protocol-query.js";
import type { CallContext, SimService } from "../wire/service.js";
import { SimError } from "../wire/service.js";
import type { XmlFragment } from "../wire/xml.js";
import { leaf, list, node, nodeOf, scalarList, type XmlScalar } from "../wire/xml.js";
import type {
  RegionResources,
  SimListener,
  SimListenerAction,
  SimLoadBalancer,
  SimSslPolicy,
  Tag,
} from "../world/types.js";
import { BUILT_IN_SSL_POLICIES } from "./elbv2-policies.js";

export const ELBV2_XMLNS = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/";

const MAX_PAGE = 400;
/** DescribeLoadBalancers takes at most 20 names or ARNs; DescribeTags 20 ARNs. */
const MAX_IDS = 20;

const validation = (message: string): SimError => new SimError("ValidationError", message, 400);
const lbNotFound = (): SimError =>
  new SimError("LoadBalancerNotFound", "One or more load balancers not found", 400);
const listenerNotFound = (): SimError =>
  new SimError("ListenerNotFound", "One or more listeners not found", 400);

const region = (ctx: CallContext): RegionResources | undefined => ctx.account.region(ctx.region);

function page(p: QueryParams, scope: string): { start: number; limit: number } {
  const size = p.int("PageSize", (raw) => validation(`Invalid value '${raw}' for PageSize`)) ?? MAX_PAGE;
  if (size < 1 || size > MAX_PAGE)
    throw validation(
      `1 validation error detected: Value '${size}' at 'pageSize' failed to satisfy constraint: Member must have value between 1 and ${MAX_PAGE}`,
    );
  const start = pageStart(p, "Marker", scope, () => validation("Invalid value for Marker"));
  return { start, limit: size };
}

function ids(p: QueryParams, key: string): string[] {
  const values = p.list(key);
  if (values.length > MAX_IDS)
    throw validation(
      `1 validation error detected: Value at '${key[0]?.toLowerCase()}${key.slice(1)}' failed to satisfy constraint: Member must have length less than or equal to ${MAX_IDS}`,
    );
  return values;
}

/** arn:aws:elasticloadbalancing:<region>:<account>:<kind>/<type>/<name>/<id>[/<listener id>] */
function arnParts(arn: string, ctx: CallContext): { kind: string; name: string } | undefined {
  const parts = arn.split(":");
  if (parts[2] !== "elasticloadbalancing" || parts[3] !== ctx.region || parts[4] !== ctx.account.Id)
    return undefined;
  const [kind = "", , name = ""] = (parts.slice(5).join(":") || "").split("/");
  return { kind, name };
}

function loadBalancerByArn(arn: string, ctx: CallContext): SimLoadBalancer | undefined {
  const at = arnParts(arn, ctx);
  const lb = at?.kind === "loadbalancer" ? region(ctx)?.loadBalancers.get(at.name) : undefined;
  return lb?.LoadBalancerArn === arn ? lb : undefined;
}

function listenerByArn(arn: string, ctx: CallContext): SimListener | undefined {
  return arnParts(arn, ctx)?.kind === "listener" ? region(ctx)?.listeners.get(arn) : undefined;
}

const tagList = (tags: Tag[]): XmlFragment | undefined =>
  list("Tags", "member", tags, (t, m) => node(m, leaf("Key", t.Key), leaf("Value", t.Value)));

function renderLoadBalancer(lb: SimLoadBalancer): XmlFragment {
  return node(
    "member",
    leaf("LoadBalancerArn", lb.LoadBalancerArn),
    leaf("DNSName", lb.DNSName),
    leaf("CanonicalHostedZoneId", lb.CanonicalHostedZoneId),
    leaf("CreatedTime", isoTime(lb.CreatedTime)),
    leaf("LoadBalancerName", lb.LoadBalancerName),
    leaf("Scheme", lb.Scheme),
    leaf("VpcId", lb.VpcId),
    node("State", leaf("Code", lb.State)),
    leaf("Type", lb.Type),
    list("AvailabilityZones", "member", lb.AvailabilityZones, (z, m) =>
      node(m, leaf("ZoneName", z.ZoneName), leaf("SubnetId", z.SubnetId), node("LoadBalancerAddresses")),
    ),
    lb.SecurityGroups.length > 0 ? scalarList("SecurityGroups", "member", lb.SecurityGroups) : undefined,
    leaf("IpAddressType", lb.IpAddressType),
  );
}

/** A structure of scalars (RedirectConfig, FixedResponseConfig): one element per field set. */
const struct = (name: string, o: Record<string, XmlScalar> | undefined): XmlFragment | undefined =>
  o && node(name, ...Object.entries(o).map(([k, v]) => leaf(k, v)));

function renderAction(a: SimListenerAction): XmlFragment {
  return node(
    "member",
    leaf("Type", a.Type),
    leaf("TargetGroupArn", a.TargetGroupArn),
    leaf("Order", a.Order),
    struct("RedirectConfig", a.RedirectConfig),
    struct("FixedResponseConfig", a.FixedResponseConfig),
    // ELB returns a forward action's target group in both shapes.
    a.TargetGroupArn !== undefined
      ? node(
          "ForwardConfig",
          node("TargetGroups", node("member", leaf("TargetGroupArn", a.TargetGroupArn), leaf("Weight", 1))),
          node("TargetGroupStickinessConfig", leaf("Enabled", false)),
        )
      : undefined,
  );
}

function renderListener(l: SimListener): XmlFragment {
  return node(
    "member",
    leaf("ListenerArn", l.ListenerArn),
    leaf("LoadBalancerArn", l.LoadBalancerArn),
    leaf("Port", l.Port),
    leaf("Protocol", l.Protocol),
    l.Certificates.length > 0
      ? list("Certificates", "member", l.Certificates, (c, m) =>
          node(m, leaf("CertificateArn", c.CertificateArn), leaf("IsDefault", c.IsDefault)),
        )
      : undefined,
    leaf("SslPolicy", l.SslPolicy),
    list("DefaultActions", "member", l.DefaultActions, renderAction),
    l.AlpnPolicy ? scalarList("AlpnPolicy", "member", l.AlpnPolicy) : undefined,
  );
}

function describeLoadBalancers(p: QueryParams, ctx: CallContext): (XmlFragment | undefined)[] {
  const arns = ids(p, "LoadBalancerArns");
  const names = ids(p, "Names");
  if (arns.length > 0 && names.length > 0)
    throw validation("Load balancer names and load balancer ARNs cannot be specified at the same time");
  const { start, limit } = page(p, "elb:DescribeLoadBalancers");
  const coll = region(ctx)?.loadBalancers;
  if (arns.length > 0 || names.length > 0) {
    const found = [...arns.map((a) => loadBalancerByArn(a, ctx)), ...names.map((n) => coll?.get(n))];
    if (found.some((lb) => lb === undefined)) throw lbNotFound();
    return [
      nodeOf(
        "LoadBalancers",
        found.map((lb) => renderLoadBalancer(lb as SimLoadBalancer)),
      ),
    ];
  }
  if (!coll) return [node("LoadBalancers")];
  const out = scanPage(coll, start, limit, undefined, renderLoadBalancer);
  return [
    nodeOf("LoadBalancers", out.items),
    nextPageLeaf("NextMarker", "elb:DescribeLoadBalancers", out.next),
  ];
}

function describeListeners(p: QueryParams, ctx: CallContext): (XmlFragment | undefined)[] {
  const lbArn = p.get("LoadBalancerArn");
  const arns = p.list("ListenerArns");
  if ((lbArn !== undefined) === arns.length > 0)
    throw validation("You must specify either listener ARNs or a load balancer ARN");
  if (lbArn === undefined) {
    const found = arns.map((a) => listenerByArn(a, ctx));
    if (found.some((l) => l === undefined)) throw listenerNotFound();
    return [
      nodeOf(
        "Listeners",
        found.map((l) => renderListener(l as SimListener)),
      ),
    ];
  }
  const lb = loadBalancerByArn(lbArn, ctx);
  if (!lb) throw lbNotFound();
  const scope = `elb:DescribeListeners:${lb.LoadBalancerArn}`;
  const { start, limit } = page(p, scope);
  const items = lb.Listeners.slice(start, start + limit).map(renderListener);
  const next = start + limit < lb.Listeners.length ? start + limit : undefined;
  return [nodeOf("Listeners", items), nextPageLeaf("NextMarker", scope, next)];
}

/** Tags of load balancers and listeners, mixed; target groups and rules are not modelled. */
function describeTags(p: QueryParams, ctx: CallContext): XmlFragment[] {
  const arns = ids(p, "ResourceArns");
  if (arns.length === 0) throw validation("ResourceArns is required");
  const described = arns.map((arn) => {
    const kind = arnParts(arn, ctx)?.kind;
    const res = kind === "listener" ? listenerByArn(arn, ctx) : loadBalancerByArn(arn, ctx);
    if (!res) throw kind === "listener" ? listenerNotFound() : lbNotFound();
    return node("member", leaf("ResourceArn", arn), tagList(res.Tags));
  });
  return [nodeOf("TagDescriptions", described)];
}

function renderPolicy(x: SimSslPolicy): XmlFragment {
  return node(
    "member",
    scalarList("SslProtocols", "member", x.SslProtocols),
    list("Ciphers", "member", x.Ciphers, (c, m) =>
      node(m, leaf("Name", c.Name), leaf("Priority", c.Priority)),
    ),
    leaf("Name", x.Name),
    scalarList("SupportedLoadBalancerTypes", "member", x.SupportedLoadBalancerTypes),
  );
}

/** The policies a region serves: the built-in ones, then its own (which win on a name both have). */
function policiesOf(ctx: CallContext): SimSslPolicy[] {
  const own = region(ctx)?.sslPolicies ?? [];
  if (own.length === 0) return [...BUILT_IN_SSL_POLICIES];
  const names = new Set(own.map((x) => x.Name));
  return [...BUILT_IN_SSL_POLICIES.filter((x) => !names.has(x.Name)), ...own];
}

function describeSslPolicies(p: QueryParams, ctx: CallContext): (XmlFragment | undefined)[] {
  const all = policiesOf(ctx);
  const names = p.list("Names");
  const type = p.get("LoadBalancerType");
  if (type !== undefined && !["application", "network", "gateway"].includes(type))
    throw validation(`Invalid value '${type}' for LoadBalancerType`);
  const fits = (x: SimSslPolicy): boolean =>
    type === undefined || x.SupportedLoadBalancerTypes.includes(type);
  if (names.length > 0) {
    const found = names.map((n) => {
      const x = all.find((y) => y.Name === n);
      if (!x) throw new SimError("SSLPolicyNotFound", `SSL policy '${n}' not found`, 400);
      return x;
    });
    return [nodeOf("SslPolicies", found.filter(fits).map(renderPolicy))];
  }
  const listed = all.filter((x) => x.Listed && fits(x));
  const { start, limit } = page(p, "elb:DescribeSSLPolicies");
  const items = listed.slice(start, start + limit).map(renderPolicy);
  const next = start + limit < listed.length ? start + limit : undefined;
  return [nodeOf("SslPolicies", items), nextPageLeaf("NextMarker", "elb:DescribeSSLPolicies", next)];
}

export function elbv2Service(): SimService {
  return queryService({
    signingName: "elasticloadbalancing",
    flavour: "awsQuery",
    xmlns: ELBV2_XMLNS,
    // The ELB API throttles with ThrottlingException ("Rate exceeded").
    throttleCode: "ThrottlingException",
    operations: {
      DescribeLoadBalancers: describeLoadBalancers,
      DescribeListeners: describeListeners,
      DescribeTags: describeTags,
      DescribeSSLPolicies: describeSslPolicies,
    },
    resourceId: (_operation, p) => p.get("LoadBalancerArn") ?? p.list("ListenerArns")[0],
  });
}
