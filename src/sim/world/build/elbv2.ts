// ELBv2 load balancers, their listeners and a region's extra security policies, from a world
// document: the identity AWS derives (ARNs, DNS name, subnets), the defaults the API applies (a
// target group to forward to; for HTTPS and TLS a certificate and ELBSecurityPolicy-2016-08), and
// the combinations AWS refuses, reported. A policy name no table has is accepted on purpose: it
// answers SSLPolicyNotFound, for scanners to meet.
import { arrayCollection } from "../collection.js";
import {
  DEFAULT_CREATED,
  DEFAULT_SSL_POLICY,
  REDIRECT_KEEPS,
  hexFrom,
  listenerArn,
  loadBalancerIdentity,
  uuidFrom,
} from "../defaults.js";
import type { ListenerActionDoc, ListenerDoc, LoadBalancerDoc, RegionDoc, SslPolicyDoc } from "../doc.js";
import type {
  RegionResources,
  SimListener,
  SimListenerAction,
  SimLoadBalancer,
  SimSslPolicy,
} from "../types.js";
import { collection, tags, type PathSeg, type Report, type Timestamp } from "./common.js";

/** What the builders need of the region they build in. */
export interface ElbPlace {
  account: string;
  region: string;
  path: PathSeg[];
  report: Report;
  ts: Timestamp;
}

type LbType = SimLoadBalancer["Type"];

/** Listener protocols per load balancer type. */
const PROTOCOLS: Record<LbType, readonly string[]> = {
  application: ["HTTP", "HTTPS"],
  network: ["TCP", "TLS", "UDP", "TCP_UDP", "QUIC", "TCP_QUIC"],
  gateway: ["GENEVE"],
};
const TERMINATES_TLS: ReadonlySet<string> = new Set(["HTTPS", "TLS"]);
/** Only Application Load Balancers route: every other type forwards. */
const ROUTING_ACTIONS: ReadonlySet<string> = new Set([
  "redirect",
  "fixed-response",
  "authenticate-oidc",
  "authenticate-cognito",
]);

export function elbResources(
  r: RegionDoc,
  place: ElbPlace,
): Pick<RegionResources, "loadBalancers" | "listeners" | "sslPolicies"> {
  const lbs = (r.loadBalancers ?? []).map((d, i) =>
    buildLoadBalancer(d, place, [...place.path, "loadBalancers", i]),
  );
  const policies = (r.sslPolicies ?? []).map(sslPolicy);
  const names = collection(policies, (x) => x.Name, [...place.path, "sslPolicies"], "Name", place.report);
  return {
    loadBalancers: collection(
      lbs,
      (lb) => lb.LoadBalancerName,
      [...place.path, "loadBalancers"],
      "LoadBalancerName",
      place.report,
    ),
    listeners: arrayCollection(
      lbs.flatMap((lb) => lb.Listeners),
      (l) => l.ListenerArn,
    ),
    sslPolicies: Array.from({ length: names.size }, (_, i) => names.at(i)),
  };
}

export function buildLoadBalancer(d: LoadBalancerDoc, place: ElbPlace, p: PathSeg[]): SimLoadBalancer {
  const type = d.Type ?? "application";
  const id = loadBalancerIdentity(place.account, place.region, d.LoadBalancerName, type);
  const listeners = (d.Listeners ?? []).map((l, i) =>
    buildListener(l, { type, name: d.LoadBalancerName, arn: id.LoadBalancerArn }, place, [
      ...p,
      "Listeners",
      i,
    ]),
  );
  const ports = new Set<number>();
  listeners.forEach((l, i) => {
    if (ports.has(l.Port)) place.report([...p, "Listeners", i, "Port"], `duplicate listener port ${l.Port}`);
    ports.add(l.Port);
  });
  return {
    LoadBalancerName: d.LoadBalancerName,
    ...id,
    Type: type,
    Scheme: d.Scheme ?? "internet-facing",
    CreatedTime: place.ts(d.CreatedTime, DEFAULT_CREATED, [...p, "CreatedTime"]),
    State: d.State ?? "active",
    IpAddressType: d.IpAddressType ?? "ipv4",
    SecurityGroups:
      d.SecurityGroups ?? (type === "application" ? [`sg-0${hexFrom(`sg/${id.LoadBalancerArn}`, 16)}`] : []),
    Listeners: listeners,
    Tags: tags(d.Tags),
  };
}

interface LbOf {
  type: LbType;
  name: string;
  arn: string;
}

function buildListener(l: ListenerDoc, lb: LbOf, place: ElbPlace, p: PathSeg[]): SimListener {
  const { report } = place;
  if (!PROTOCOLS[lb.type].includes(l.Protocol))
    report(
      [...p, "Protocol"],
      `a ${lb.type} load balancer has no ${l.Protocol} listeners (${PROTOCOLS[lb.type].join(", ")})`,
    );
  const tls = TERMINATES_TLS.has(l.Protocol);
  if (!tls && l.SslPolicy !== undefined)
    report([...p, "SslPolicy"], `only HTTPS and TLS listeners have a security policy, not ${l.Protocol}`);
  if (!tls && l.Certificates !== undefined)
    report([...p, "Certificates"], `only HTTPS and TLS listeners have certificates, not ${l.Protocol}`);
  const arn = listenerArn(lb.arn, hexFrom(`listener/${lb.arn}/${l.Port}`, 16));
  const forward: ListenerActionDoc = { Type: "forward" };
  return {
    ListenerArn: arn,
    LoadBalancerArn: lb.arn,
    Port: l.Port,
    Protocol: l.Protocol,
    ...(tls ? { SslPolicy: l.SslPolicy ?? DEFAULT_SSL_POLICY } : {}),
    Certificates: tls
      ? (l.Certificates ?? [
          {
            CertificateArn: `arn:aws:acm:${place.region}:${place.account}:certificate/${uuidFrom(`cert/${arn}`)}`,
          },
        ])
      : [],
    ...(l.AlpnPolicy !== undefined ? { AlpnPolicy: [...l.AlpnPolicy] } : {}),
    DefaultActions: (l.DefaultActions ?? [forward]).map((a, i) =>
      buildAction(a, lb, l.Port, place, [...p, "DefaultActions", i]),
    ),
    Tags: tags(l.Tags),
  };
}

function buildAction(
  a: ListenerActionDoc,
  lb: LbOf,
  port: number,
  place: ElbPlace,
  p: PathSeg[],
): SimListenerAction {
  const { report } = place;
  if (lb.type !== "application" && ROUTING_ACTIONS.has(a.Type))
    report(
      [...p, "Type"],
      `only application load balancers take ${a.Type} actions; a ${lb.type} one forwards`,
    );
  if ((a.Type === "redirect") !== (a.RedirectConfig !== undefined))
    report(
      [...p, a.RedirectConfig ? "RedirectConfig" : "Type"],
      "a redirect action, and only one, has a RedirectConfig",
    );
  if ((a.Type === "fixed-response") !== (a.FixedResponseConfig !== undefined))
    report(
      [...p, a.FixedResponseConfig ? "FixedResponseConfig" : "Type"],
      "a fixed-response action, and only one, has a FixedResponseConfig",
    );
  if (a.Type !== "forward" && a.TargetGroupArn !== undefined)
    report([...p, "TargetGroupArn"], "only a forward action has a target group");
  const group = `${lb.name}-${port}`.slice(0, 32).replace(/-+$/, "");
  const targetGroup =
    a.Type === "forward"
      ? (a.TargetGroupArn ??
        `arn:aws:elasticloadbalancing:${place.region}:${place.account}:targetgroup/${group}/${hexFrom(`tg/${lb.arn}/${port}`, 16)}`)
      : undefined;
  return {
    Type: a.Type,
    ...(a.Order !== undefined ? { Order: a.Order } : {}),
    ...(targetGroup !== undefined ? { TargetGroupArn: targetGroup } : {}),
    // What DescribeListeners shows for the parts a redirect leaves as they were.
    ...(a.RedirectConfig ? { RedirectConfig: { ...REDIRECT_KEEPS, ...a.RedirectConfig } } : {}),
    ...(a.FixedResponseConfig ? { FixedResponseConfig: { ...a.FixedResponseConfig } } : {}),
  };
}

function sslPolicy(d: SslPolicyDoc): SimSslPolicy {
  return {
    Name: d.Name,
    SslProtocols: [...d.SslProtocols],
    Ciphers: (d.Ciphers ?? []).map((Name, i) => ({ Name, Priority: i + 1 })),
    SupportedLoadBalancerTypes: d.SupportedLoadBalancerTypes ?? ["application", "network"],
    Listed: d.Listed ?? true,
  };
}
