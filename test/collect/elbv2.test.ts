// The ELBv2 collector through the real @aws-sdk/client-elastic-load-balancing-v2 against the
// simulator: load balancers and listeners as AWS Config records them, each TLS listener with its
// security policy's protocols (DescribeSSLPolicies once per region, by name for a policy the listing
// lacks), tags batched by 20, pagination, and what a denied or failed call leaves behind.
import { describe, expect, it } from "vitest";
import { judgeScan } from "../../src/app/judge.js";
import { elbv2Collector } from "../../src/collect/elbv2.js";
import { RESOURCE_TYPES } from "../../src/model/resource-types.js";
import { asUnreadable, type ResourceRecord } from "../../src/model/resource.js";
import { loadRules } from "../../src/rules/loader.js";
import type { Collection, SimLoadBalancer, SimSslPolicy, World } from "../../src/sim/world/types.js";
import { collectFromWorld, expectCalledActionsDeclared, type CollectResult } from "../helpers/collect.js";
import { configItem, configTags, expectConfigParity } from "../helpers/config-items.js";
import {
  HOSTILE,
  HTTPS_REDIRECT,
  MGMT,
  makeLoadBalancers,
  type AccountSpec,
  type RegionSizes,
} from "../helpers/sim.js";
import { useTmpDir } from "../helpers/tmp.js";
import { mgmtOnlyWorld } from "../helpers/world.js";

const tmp = useTmpDir();
const US = "us-east-1";
const T = RESOURCE_TYPES;
const SVC = "elasticloadbalancing";
const ELB_RULES = loadRules().filter((r) => r.id.startsWith("elb-listener-"));

const lbArn = (i: number, kind = "app"): string =>
  `arn:aws:elasticloadbalancing:${US}:${MGMT}:loadbalancer/${kind}/lb-${i}/${i.toString(16).padStart(16, "0")}`;
const listenerArn = (lb: string, port: number): string =>
  `${lb.replace(":loadbalancer/", ":listener/")}/${port.toString(16).padStart(16, "0")}`;

function world(
  sizes: RegionSizes = { loadBalancers: 4 },
  faults: World["faults"] = {},
  region: AccountSpec["regions"] = {},
): World {
  return mgmtOnlyWorld({ enabledRegions: [US], sizes, regions: region }, { faults });
}

const collect = (w: World, rates = false): Promise<CollectResult> =>
  collectFromWorld(w, [elbv2Collector], {
    dir: tmp(),
    regions: [US],
    ...(rates ? { rates: { elasticloadbalancing: { ratePerSecond: 5000, burst: 5000 } } } : {}),
  });

const calls = (r: CollectResult, operation: string): number =>
  r.sim.counters.calls({ service: SVC, operation });
const row = (r: CollectResult, operation: string) => r.coverage.find((c) => c.operation === operation);
const of = (r: CollectResult, type: string): ResourceRecord[] =>
  r.records.filter((x) => x.resourceType === type);

/** The two ELB rules' findings of a collected scan (judged as `scan` judges it). */
function findings(r: CollectResult): { rule: string; status: string; id: string }[] {
  judgeScan(r.store, { id: r.scanId, now: new Date() }, ELB_RULES);
  return r.store
    .queryFindings(r.scanId)
    .map((f) => ({ rule: f.ruleId.replace("elb-listener-", ""), status: f.status, id: f.resourceId }))
    .sort((a, b) => `${a.rule} ${a.id}`.localeCompare(`${b.rule} ${b.id}`));
}

/** A region's own security policies, merged into the makeRegion defaults. */
const withPolicies = (policies: SimSslPolicy[], lbs = makeLoadBalancers(MGMT, US, 4)) => ({
  [US]: { ...lbs, sslPolicies: policies },
});

describe("elbv2 collector", () => {
  it("records load balancers and listeners by ARN, TLS listeners with their policy's protocols", async () => {
    const r = await collect(world());
    try {
      expect(of(r, T.elbLoadBalancer)).toHaveLength(4);
      expect(of(r, T.elbListener)).toHaveLength(7);
      const alb = r.byId(lbArn(0));
      expect(alb).toMatchObject({ resourceName: "lb-0", arn: lbArn(0), tags: { [HOSTILE]: HOSTILE } });
      expect(alb?.configuration).toMatchObject({
        loadBalancerArn: lbArn(0),
        loadBalancerName: "lb-0",
        type: "application",
        scheme: "internet-facing",
        state: { code: "active" },
        dNSName: `lb-0-${"0".repeat(16)}.${US}.elb.amazonaws.com`,
        securityGroups: ["sg-00000000000000000"],
      });
      const https = r.byId(listenerArn(lbArn(0), 443));
      expect(https?.configuration).toMatchObject({
        Protocol: "HTTPS",
        Port: 443,
        SslPolicy: "ELBSecurityPolicy-2016-08",
        LoadBalancerArn: lbArn(0),
      });
      expect(https?.supplementaryConfiguration.SslPolicy).toMatchObject({
        name: "ELBSecurityPolicy-2016-08",
        sslProtocols: ["TLSv1.2", "TLSv1.1", "TLSv1"],
        supportedLoadBalancerTypes: ["application", "network"],
      });
      const tls = r.byId(listenerArn(lbArn(2, "net"), 443));
      expect(tls?.configuration).toMatchObject({ Protocol: "TLS", AlpnPolicy: ["HTTP2Preferred"] });
      expect(tls?.supplementaryConfiguration.SslPolicy).toMatchObject({ sslProtocols: ["TLSv1.2"] });
      // Listeners that do not terminate TLS carry no policy at all.
      for (const [lb, port] of [
        [lbArn(0), 80],
        [lbArn(2, "net"), 22],
        [lbArn(3, "gwy"), 6081],
      ] as const)
        expect(r.byId(listenerArn(lb, port))?.supplementaryConfiguration).toEqual({});
      expect(r.byId(listenerArn(lbArn(0), 80))?.configuration.DefaultActions).toEqual([HTTPS_REDIRECT]);
      expect(r.byId(listenerArn(lbArn(0), 80))?.tags).toEqual({ [HOSTILE]: HOSTILE });
      expect(row(r, "DescribeLoadBalancers")).toMatchObject({ status: "ok", resourceCount: 4 });
      expect(row(r, "DescribeListeners")).toMatchObject({ status: "ok", resourceCount: 7 });
      // One listing of the policies for the region; one DescribeTags for 4 + 7 ARNs.
      expect(calls(r, "DescribeSSLPolicies")).toBe(1);
      expect(calls(r, "DescribeTags")).toBe(1);
      expectCalledActionsDeclared(r, elbv2Collector);
    } finally {
      await r.close();
    }
  });

  it("matches what AWS Config records for the same load balancers and listeners (parity)", async () => {
    const w = world();
    const r = await collect(w);
    try {
      for (const lb of of(r, T.elbLoadBalancer)) {
        const ci = configItem(w, T.elbLoadBalancer, lb.resourceId);
        expectConfigParity(lb, ci, { subset: true });
      }
      for (const l of of(r, T.elbListener)) {
        const ci = configItem(w, T.elbListener, l.resourceId);
        expect(ci, l.resourceId).toBeDefined();
        // Config records the listener's configuration exactly (PascalCase) and gives it no name.
        expect(l.configuration, l.resourceId).toEqual(ci?.configuration);
        expect(l.arn).toBe(ci?.arn);
        expect(l.resourceName).toBeNull();
        expect(ci?.resourceName).toBeUndefined();
        expect(l.tags).toEqual(configTags(ci));
      }
    } finally {
      await r.close();
    }
  });

  it("pages through 900 load balancers at PageSize 400 and batches tags by 20 ARNs", async () => {
    const r = await collect(world({ loadBalancers: 900 }), true);
    try {
      expect(of(r, T.elbLoadBalancer)).toHaveLength(900);
      // 225 rows of four load balancers: 2 + 2 + 2 + 1 listeners.
      expect(of(r, T.elbListener)).toHaveLength(1575);
      expect(new Set(r.records.map((x) => x.resourceId)).size).toBe(r.records.length);
      expect(calls(r, "DescribeLoadBalancers")).toBe(3);
      expect(calls(r, "DescribeListeners")).toBe(900);
      // Per page: (400 load balancers + 700 listeners) / 20 = 55, twice; then (100 + 175) / 20 → 14.
      expect(calls(r, "DescribeTags")).toBe(55 + 55 + 14);
      expect(calls(r, "DescribeSSLPolicies")).toBe(1);
      expect(row(r, "DescribeLoadBalancers")?.resourceCount).toBe(900);
      expect(row(r, "DescribeListeners")?.resourceCount).toBe(1575);
    } finally {
      await r.close();
    }
  });

  it("pages through the policy listing, and asks by name for a policy the listing leaves out", async () => {
    // 420 extra listed policies: the listing takes two pages. One unlisted policy, used twice.
    const extra: SimSslPolicy[] = Array.from({ length: 420 }, (_, i) => ({
      Name: `Custom-${i}`,
      SslProtocols: ["TLSv1.2"],
      Ciphers: [],
      SupportedLoadBalancerTypes: ["application"],
      Listed: true,
    }));
    const hidden: SimSslPolicy = {
      Name: "ELBSecurityPolicy-TLS13-1-2-Hidden-2030-01",
      SslProtocols: ["TLSv1.3", "TLSv1.2"],
      Ciphers: [{ Name: "TLS_AES_128_GCM_SHA256", Priority: 1 }],
      SupportedLoadBalancerTypes: ["application", "network"],
      Listed: false,
    };
    const lbs = makeLoadBalancers(MGMT, US, 8);
    const https = (i: number, policy: string) => {
      const l = lbs.loadBalancers.at(i).Listeners[1];
      if (l) l.SslPolicy = policy;
    };
    https(0, hidden.Name);
    https(4, hidden.Name);
    https(1, "Custom-419"); // on the second page of the listing
    https(5, "ELBSecurityPolicy-Retired-2014"); // no such policy anywhere
    const r = await collect(world({}, {}, withPolicies([...extra, hidden], lbs)));
    try {
      const policy = (i: number) =>
        r.byId(listenerArn(lbArn(i), 443))?.supplementaryConfiguration.SslPolicy as Record<string, unknown>;
      expect(policy(0)).toMatchObject({ name: hidden.Name, sslProtocols: ["TLSv1.3", "TLSv1.2"] });
      expect(policy(4)).toEqual(policy(0));
      expect(policy(1)).toMatchObject({ name: "Custom-419", sslProtocols: ["TLSv1.2"] });
      expect(asUnreadable(policy(5))).toMatchObject({
        errorCode: "SSLPolicyNotFound",
        operation: "DescribeSSLPolicies",
      });
      // Two listing pages, then one call per missing name (the hidden one once, for both listeners).
      expect(calls(r, "DescribeSSLPolicies")).toBe(2 + 2);
      // The unknown policy is a failed read of a fact, not a hidden type.
      expect(row(r, "DescribeSSLPolicies")).toMatchObject({ status: "failed", resourceTypes: [] });
      const outcome = findings(r).filter((f) => f.rule === "tls-policy-outdated");
      expect(outcome.find((f) => f.id === listenerArn(lbArn(0), 443))?.status).toBe("PASS");
      expect(outcome.find((f) => f.id === listenerArn(lbArn(5), 443))?.status).toBe("UNKNOWN");
    } finally {
      await r.close();
    }
  });

  it("a denied load balancer listing is a gap: every listener rule is UNKNOWN there, never PASS", async () => {
    const r = await collect(
      world({ loadBalancers: 4 }, { accessDenied: [{ service: SVC, operation: "DescribeLoadBalancers" }] }),
    );
    try {
      expect(row(r, "DescribeLoadBalancers")).toMatchObject({
        status: "denied",
        errorCode: "AccessDenied",
        resourceTypes: [T.elbLoadBalancer, T.elbListener],
      });
      expect(r.records).toHaveLength(0);
      expect(findings(r)).toEqual([
        { rule: "http-no-redirect", status: "UNKNOWN", id: "*" },
        { rule: "tls-policy-outdated", status: "UNKNOWN", id: "*" },
      ]);
    } finally {
      await r.close();
    }
  });

  it("a denied listener listing of one load balancer hides listeners (a gap), not its load balancer", async () => {
    const denied = { service: SVC, operation: "DescribeListeners", resourceId: lbArn(1) };
    const r = await collect(world({ loadBalancers: 4 }, { accessDenied: [denied] }));
    try {
      expect(of(r, T.elbLoadBalancer)).toHaveLength(4);
      expect(of(r, T.elbListener).map((l) => l.configuration.LoadBalancerArn)).not.toContain(lbArn(1));
      expect(of(r, T.elbListener)).toHaveLength(5);
      expect(row(r, "DescribeListeners")).toMatchObject({ status: "denied", resourceTypes: [T.elbListener] });
      expect(row(r, "DescribeListeners")?.errorMessage).toContain("(1 of 4 calls)");
      const gaps = findings(r).filter((f) => f.id === "*");
      expect(gaps.map((f) => `${f.rule} ${f.status}`)).toEqual([
        "http-no-redirect UNKNOWN",
        "tls-policy-outdated UNKNOWN",
      ]);
    } finally {
      await r.close();
    }
  });

  it("a denied DescribeSSLPolicies is a marker on each TLS listener: the TLS rule is UNKNOWN", async () => {
    const r = await collect(
      world({ loadBalancers: 4 }, { accessDenied: [{ service: SVC, operation: "DescribeSSLPolicies" }] }),
    );
    try {
      for (const [lb, port] of [
        [lbArn(0), 443],
        [lbArn(1), 443],
        [lbArn(2, "net"), 443],
      ] as const) {
        const marker = asUnreadable(r.byId(listenerArn(lb, port))?.supplementaryConfiguration.SslPolicy);
        expect(marker).toMatchObject({ errorCode: "AccessDenied", operation: "DescribeSSLPolicies" });
      }
      // Listed once: the denial is not asked again per policy or listener.
      expect(calls(r, "DescribeSSLPolicies")).toBe(1);
      expect(row(r, "DescribeSSLPolicies")).toMatchObject({ status: "denied", resourceTypes: [] });
      expect(row(r, "DescribeLoadBalancers")?.status).toBe("ok");
      expect(findings(r)).toEqual([
        { rule: "http-no-redirect", status: "PASS", id: listenerArn(lbArn(0), 80) },
        { rule: "http-no-redirect", status: "FAIL", id: listenerArn(lbArn(1), 80) },
        { rule: "tls-policy-outdated", status: "UNKNOWN", id: listenerArn(lbArn(0), 443) },
        { rule: "tls-policy-outdated", status: "UNKNOWN", id: listenerArn(lbArn(1), 443) },
        { rule: "tls-policy-outdated", status: "UNKNOWN", id: listenerArn(lbArn(2, "net"), 443) },
      ]);
    } finally {
      await r.close();
    }
  });

  it("judges what was read: HTTPS 2016-08 and HTTP forward fail, TLS 1.3 and redirects pass", async () => {
    const r = await collect(world({ loadBalancers: 4 }));
    try {
      expect(findings(r)).toEqual([
        { rule: "http-no-redirect", status: "PASS", id: listenerArn(lbArn(0), 80) },
        { rule: "http-no-redirect", status: "FAIL", id: listenerArn(lbArn(1), 80) },
        { rule: "tls-policy-outdated", status: "FAIL", id: listenerArn(lbArn(0), 443) },
        { rule: "tls-policy-outdated", status: "PASS", id: listenerArn(lbArn(1), 443) },
        { rule: "tls-policy-outdated", status: "PASS", id: listenerArn(lbArn(2, "net"), 443) },
      ]);
    } finally {
      await r.close();
    }
  });

  it("a denied DescribeTags marks the records of its batch; they are still recorded", async () => {
    const r = await collect(
      world({ loadBalancers: 4 }, { accessDenied: [{ service: SVC, operation: "DescribeTags" }] }),
    );
    try {
      expect(r.records).toHaveLength(11);
      for (const rec of r.records) {
        expect(rec.tags).toEqual({});
        expect(asUnreadable(rec.supplementaryConfiguration.Tags)?.errorCode).toBe("AccessDenied");
      }
      // The policies were still resolved.
      expect(r.byId(listenerArn(lbArn(1), 443))?.supplementaryConfiguration.SslPolicy).toMatchObject({
        sslProtocols: ["TLSv1.3", "TLSv1.2"],
      });
    } finally {
      await r.close();
    }
  });

  it("a load balancer deleted between listing and DescribeListeners is dropped, not a gap", async () => {
    const lbs = makeLoadBalancers(MGMT, US, 4);
    // Listed, but gone by the time its listeners are asked for (get() no longer finds it).
    const vanishing: Collection<SimLoadBalancer> = {
      size: lbs.loadBalancers.size,
      at: (i) => lbs.loadBalancers.at(i),
      get: (name) => (name === "lb-1" ? undefined : lbs.loadBalancers.get(name)),
    };
    const r = await collect(world({}, {}, { [US]: { ...lbs, loadBalancers: vanishing } }));
    try {
      expect(of(r, T.elbLoadBalancer).map((x) => x.resourceName)).toEqual(["lb-0", "lb-2", "lb-3"]);
      expect(row(r, "DescribeListeners")?.status).toBe("ok");
      expect(row(r, "DescribeLoadBalancers")).toMatchObject({ status: "ok", resourceCount: 3 });
    } finally {
      await r.close();
    }
  });

  it("a region without load balancers calls nothing but the listing", async () => {
    const r = await collect(world({ loadBalancers: 0 }));
    try {
      expect(r.records).toHaveLength(0);
      expect(calls(r, "DescribeLoadBalancers")).toBe(1);
      expect(calls(r, "DescribeSSLPolicies") + calls(r, "DescribeTags") + calls(r, "DescribeListeners")).toBe(
        0,
      );
      expect(row(r, "DescribeLoadBalancers")).toMatchObject({ status: "ok", resourceCount: 0 });
    } finally {
      await r.close();
    }
  });
});
