// The simulator's ELBv2 (awsQuery, 2015-12-01) through the real SDK: load balancers and listeners
// paged with PageSize/Marker, lookups by name and ARN with ELB's error codes, tags of mixed ARNs,
// the security policy table; and load balancers written in a world file.
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeSSLPoliciesCommand,
  DescribeTagsCommand,
  ElasticLoadBalancingV2Client,
  paginateDescribeLoadBalancers,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { describe, expect, it } from "vitest";
import { BUILT_IN_SSL_POLICIES } from "../../src/sim/services/elbv2-policies.js";
import { arrayCollection } from "../../src/sim/world/collection.js";
import { WorldFileError, worldFromText } from "../../src/sim/world/file.js";
import { HOSTILE, HTTPS_REDIRECT, MGMT, PROD, makeAccount, sdkError, testWorld } from "../helpers/sim.js";
import { useSimulator } from "./harness.js";

const US = "us-east-1";
const big = makeAccount({ id: PROD, enabledRegions: [US], sizes: { loadBalancers: 450 } });
const { client } = useSimulator({
  world: testWorld({
    accounts: arrayCollection([makeAccount({ id: MGMT }), big], (a) => a.Id),
    faults: { accessDenied: [{ account: MGMT, region: "eu-west-1", service: "elasticloadbalancing" }] },
  }),
});
const elb = (account?: string, region = US) => client(ElasticLoadBalancingV2Client, region, account);

const lbArn = (account: string, i: number, kind = "app") =>
  `arn:aws:elasticloadbalancing:${US}:${account}:loadbalancer/${kind}/lb-${i}/${i.toString(16).padStart(16, "0")}`;

describe("DescribeLoadBalancers", () => {
  it("returns load balancers with their state, zones and security groups", async () => {
    const out = await elb().send(new DescribeLoadBalancersCommand({}));
    expect(out.LoadBalancers?.map((lb) => [lb.LoadBalancerName, lb.Type])).toEqual([
      ["lb-0", "application"],
      ["lb-1", "application"],
      ["lb-2", "network"],
      ["lb-3", "gateway"],
    ]);
    expect(out.NextMarker).toBeUndefined();
    expect(out.LoadBalancers?.[0]).toMatchObject({
      LoadBalancerArn: lbArn(MGMT, 0),
      State: { Code: "active" },
      Scheme: "internet-facing",
      SecurityGroups: ["sg-00000000000000000"],
      AvailabilityZones: [
        { ZoneName: `${US}a`, SubnetId: "subnet-00000000000000001" },
        { ZoneName: `${US}b`, SubnetId: "subnet-00000000000000002" },
      ],
    });
    expect(out.LoadBalancers?.[0]?.CreatedTime).toEqual(new Date("2024-01-15T12:00:00.000Z"));
    expect(out.LoadBalancers?.[2]?.SecurityGroups).toBeUndefined();
  });

  it("pages with PageSize up to 400 and Marker, through the SDK paginator (PageSize in the input)", async () => {
    const sizes: number[] = [];
    const names = new Set<string>();
    for await (const page of paginateDescribeLoadBalancers({ client: elb(PROD) }, { PageSize: 400 })) {
      sizes.push(page.LoadBalancers?.length ?? 0);
      for (const lb of page.LoadBalancers ?? []) names.add(lb.LoadBalancerName ?? "");
    }
    expect(sizes).toEqual([400, 50]);
    expect(names.size).toBe(450);
    const small: number[] = [];
    for await (const page of paginateDescribeLoadBalancers({ client: elb(PROD) }, { PageSize: 200 }))
      small.push(page.LoadBalancers?.length ?? 0);
    expect(small).toEqual([200, 200, 50]);
  });

  it("refuses a PageSize outside 1..400 and a forged Marker with ValidationError", async () => {
    for (const PageSize of [0, 401]) {
      const e = await sdkError(elb().send(new DescribeLoadBalancersCommand({ PageSize })));
      expect(e).toMatchObject({ name: "ValidationError", status: 400 });
    }
    const forged = await sdkError(
      elb().send(new DescribeLoadBalancersCommand({ Marker: "bm90LWEtdG9rZW4" })),
    );
    expect(forged.name).toBe("ValidationError");
  });

  it("looks load balancers up by name or ARN; an unknown one is LoadBalancerNotFound", async () => {
    const byName = await elb().send(new DescribeLoadBalancersCommand({ Names: ["lb-2", "lb-0"] }));
    expect(byName.LoadBalancers?.map((lb) => lb.LoadBalancerName)).toEqual(["lb-2", "lb-0"]);
    const byArn = await elb().send(
      new DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn(MGMT, 3, "gwy")] }),
    );
    expect(byArn.LoadBalancers?.map((lb) => lb.Type)).toEqual(["gateway"]);
    for (const input of [
      { Names: ["lb-0", "nope"] },
      { LoadBalancerArns: [lbArn(PROD, 0)] }, // another account's
      { LoadBalancerArns: [lbArn(MGMT, 0).replace(/[0-9a-f]{16}$/, "ffffffffffffffff")] },
    ]) {
      const e = await sdkError(elb().send(new DescribeLoadBalancersCommand(input)));
      expect(e).toMatchObject({ name: "LoadBalancerNotFoundException", status: 400 });
    }
    const both = await sdkError(
      elb().send(new DescribeLoadBalancersCommand({ Names: ["lb-0"], LoadBalancerArns: [lbArn(MGMT, 0)] })),
    );
    expect(both.name).toBe("ValidationError");
  });

  it("answers AccessDenied where a rule denies it", async () => {
    const e = await sdkError(elb(MGMT, "eu-west-1").send(new DescribeLoadBalancersCommand({})));
    expect(e).toMatchObject({ name: "AccessDenied", status: 403 });
  });
});

describe("DescribeListeners", () => {
  it("lists a load balancer's listeners with actions, certificates, policy and ALPN", async () => {
    const out = await elb().send(new DescribeListenersCommand({ LoadBalancerArn: lbArn(MGMT, 0) }));
    expect(out.Listeners?.map((l) => [l.Protocol, l.Port, l.SslPolicy])).toEqual([
      ["HTTP", 80, undefined],
      ["HTTPS", 443, "ELBSecurityPolicy-2016-08"],
    ]);
    expect(out.Listeners?.[0]?.DefaultActions).toEqual([HTTPS_REDIRECT]);
    expect(out.Listeners?.[1]?.Certificates?.[0]?.CertificateArn).toMatch(/^arn:aws:acm:us-east-1:/);
    // A forward action comes back in both shapes, as ELB returns it.
    expect(out.Listeners?.[1]?.DefaultActions?.[0]).toMatchObject({
      Type: "forward",
      ForwardConfig: { TargetGroups: [{ Weight: 1 }], TargetGroupStickinessConfig: { Enabled: false } },
    });
    const nlb = await elb().send(new DescribeListenersCommand({ LoadBalancerArn: lbArn(MGMT, 2, "net") }));
    expect(nlb.Listeners?.[0]).toMatchObject({ Protocol: "TLS", AlpnPolicy: ["HTTP2Preferred"] });
  });

  it("pages a load balancer's listeners and looks listeners up by ARN", async () => {
    const first = await elb().send(
      new DescribeListenersCommand({ LoadBalancerArn: lbArn(MGMT, 0), PageSize: 1 }),
    );
    expect(first.Listeners).toHaveLength(1);
    const second = await elb().send(
      new DescribeListenersCommand({
        LoadBalancerArn: lbArn(MGMT, 0),
        PageSize: 1,
        Marker: first.NextMarker,
      }),
    );
    expect(second.Listeners?.[0]?.Port).toBe(443);
    expect(second.NextMarker).toBeUndefined();
    const arn = second.Listeners?.[0]?.ListenerArn ?? "";
    const byArn = await elb().send(new DescribeListenersCommand({ ListenerArns: [arn] }));
    expect(byArn.Listeners?.map((l) => l.ListenerArn)).toEqual([arn]);
  });

  it("answers ListenerNotFound, LoadBalancerNotFound and ValidationError as ELB does", async () => {
    const noListener = await sdkError(
      elb().send(
        new DescribeListenersCommand({
          ListenerArns: [`${lbArn(MGMT, 0).replace("loadbalancer", "listener")}/0`],
        }),
      ),
    );
    expect(noListener).toMatchObject({
      name: "ListenerNotFoundException",
      status: 400,
    });
    const noLb = await sdkError(
      elb().send(new DescribeListenersCommand({ LoadBalancerArn: lbArn(PROD, 0) })),
    );
    expect(noLb.name).toBe("LoadBalancerNotFoundException");
    const neither = await sdkError(elb().send(new DescribeListenersCommand({})));
    expect(neither.name).toBe("ValidationError");
  });
});

describe("DescribeTags", () => {
  it("tags load balancers and listeners in one call, hostile strings intact", async () => {
    const listeners = await elb().send(new DescribeListenersCommand({ LoadBalancerArn: lbArn(MGMT, 0) }));
    const listener = listeners.Listeners?.[0]?.ListenerArn ?? "";
    const out = await elb().send(
      new DescribeTagsCommand({ ResourceArns: [lbArn(MGMT, 0), listener, lbArn(MGMT, 1)] }),
    );
    expect(out.TagDescriptions).toEqual([
      { ResourceArn: lbArn(MGMT, 0), Tags: [{ Key: HOSTILE, Value: HOSTILE }] },
      { ResourceArn: listener, Tags: [{ Key: HOSTILE, Value: HOSTILE }] },
      { ResourceArn: lbArn(MGMT, 1), Tags: [{ Key: "env", Value: "prod" }] },
    ]);
  });

  it("takes at most 20 ARNs and names a missing resource's kind", async () => {
    const many = Array.from({ length: 21 }, (_, i) => lbArn(PROD, i));
    const tooMany = await sdkError(elb(PROD).send(new DescribeTagsCommand({ ResourceArns: many })));
    expect(tooMany.name).toBe("ValidationError");
    const missing = await sdkError(elb().send(new DescribeTagsCommand({ ResourceArns: [lbArn(MGMT, 9)] })));
    expect(missing.name).toBe("LoadBalancerNotFoundException");
  });
});

describe("DescribeSSLPolicies", () => {
  it("lists AWS's predefined policies with their real protocol lists", async () => {
    const out = await elb().send(new DescribeSSLPoliciesCommand({}));
    const protocols = new Map(out.SslPolicies?.map((p) => [p.Name, p.SslProtocols]));
    expect(protocols.size).toBe(BUILT_IN_SSL_POLICIES.length);
    expect(protocols.get("ELBSecurityPolicy-2016-08")).toEqual(["TLSv1.2", "TLSv1.1", "TLSv1"]);
    expect(protocols.get("ELBSecurityPolicy-TLS-1-0-2015-04")).toEqual(["TLSv1.2", "TLSv1.1", "TLSv1"]);
    expect(protocols.get("ELBSecurityPolicy-TLS13-1-2-2021-06")).toEqual(["TLSv1.3", "TLSv1.2"]);
    expect(protocols.get("ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09")).toEqual(["TLSv1.3", "TLSv1.2"]);
    expect(protocols.get("ELBSecurityPolicy-TLS13-1-1-2021-06")).toEqual(["TLSv1.3", "TLSv1.2", "TLSv1.1"]);
    expect(protocols.get("ELBSecurityPolicy-FS-1-2-Res-2020-10")).toEqual(["TLSv1.2"]);
    expect(protocols.get("ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04")).toEqual(["TLSv1.3"]);
    const res = out.SslPolicies?.find((p) => p.Name === "ELBSecurityPolicy-FS-1-2-Res-2020-10");
    expect(res?.Ciphers?.map((c) => c.Name)).toEqual([
      "ECDHE-ECDSA-AES128-GCM-SHA256",
      "ECDHE-RSA-AES128-GCM-SHA256",
      "ECDHE-ECDSA-AES256-GCM-SHA384",
      "ECDHE-RSA-AES256-GCM-SHA384",
    ]);
    expect(res?.Ciphers?.map((c) => c.Priority)).toEqual([1, 2, 3, 4]);
  });

  it("pages with PageSize and describes policies by name; an unknown name is SSLPolicyNotFound", async () => {
    const first = await elb().send(new DescribeSSLPoliciesCommand({ PageSize: 10 }));
    expect(first.SslPolicies).toHaveLength(10);
    const rest = await elb().send(new DescribeSSLPoliciesCommand({ Marker: first.NextMarker }));
    expect((first.SslPolicies?.length ?? 0) + (rest.SslPolicies?.length ?? 0)).toBe(
      BUILT_IN_SSL_POLICIES.length,
    );
    const named = await elb().send(
      new DescribeSSLPoliciesCommand({ Names: ["ELBSecurityPolicy-TLS-1-2-2017-01"] }),
    );
    expect(named.SslPolicies?.map((p) => p.SslProtocols)).toEqual([["TLSv1.2"]]);
    const unknown = await sdkError(
      elb().send(
        new DescribeSSLPoliciesCommand({ Names: ["ELBSecurityPolicy-2016-08", "ELBSecurityPolicy-Nope"] }),
      ),
    );
    expect(unknown).toMatchObject({ name: "SSLPolicyNotFoundException", status: 400 });
    const gateway = await elb().send(new DescribeSSLPoliciesCommand({ LoadBalancerType: "gateway" }));
    expect(gateway.SslPolicies).toEqual([]);
  });
});

describe("load balancers in a world file", () => {
  const text = `
accounts:
  - Id: "123456789012"
    regions:
      us-east-1:
        sslPolicies:
          - { Name: Hidden-TLS12, SslProtocols: [TLSv1.2], Listed: false }
        loadBalancers:
          - LoadBalancerName: web
            Listeners:
              - { Port: 80, Protocol: HTTP, DefaultActions: [{ Type: redirect, RedirectConfig: { Protocol: HTTPS, Port: "443", StatusCode: HTTP_301 } }] }
              - { Port: 443, Protocol: HTTPS }
          - LoadBalancerName: db
            Type: network
            Scheme: internal
            Listeners: [{ Port: 5432, Protocol: TLS, SslPolicy: Hidden-TLS12 }]
`;

  it("fills in identity, a target group, a certificate and the API's default policy", () => {
    const r = worldFromText(text, "elb.yaml").accounts.at(0).region(US);
    const web = r?.loadBalancers.get("web");
    expect(web).toMatchObject({
      Type: "application",
      Scheme: "internet-facing",
      State: "active",
      IpAddressType: "ipv4",
      CreatedTime: "2025-03-03T09:00:00.000Z",
    });
    expect(web?.LoadBalancerArn).toMatch(
      /^arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer\/app\/web\/[0-9a-f]{16}$/,
    );
    expect(web?.DNSName).toMatch(/^web-\d+\.us-east-1\.elb\.amazonaws\.com$/);
    expect(web?.SecurityGroups).toHaveLength(1);
    const [http, https] = web?.Listeners ?? [];
    expect(http?.DefaultActions).toEqual([HTTPS_REDIRECT]);
    expect(http?.SslPolicy).toBeUndefined();
    expect(https?.SslPolicy).toBe("ELBSecurityPolicy-2016-08");
    expect(https?.Certificates[0]?.CertificateArn).toMatch(
      /^arn:aws:acm:us-east-1:123456789012:certificate\//,
    );
    expect(https?.DefaultActions[0]?.TargetGroupArn).toMatch(/:targetgroup\/web-443\/[0-9a-f]{16}$/);
    expect(
      https?.ListenerArn.startsWith(web?.LoadBalancerArn.replace(":loadbalancer/", ":listener/") ?? "x"),
    ).toBe(true);
    const db = r?.loadBalancers.get("db");
    expect(db?.DNSName).toMatch(/^db-[0-9a-f]{16}\.elb\.us-east-1\.amazonaws\.com$/);
    expect(db?.SecurityGroups).toEqual([]);
    expect(r?.listeners.size).toBe(3);
    expect(r?.listeners.get(https?.ListenerArn ?? "")?.Port).toBe(443);
    expect(r?.sslPolicies).toEqual([
      {
        Name: "Hidden-TLS12",
        SslProtocols: ["TLSv1.2"],
        Ciphers: [],
        SupportedLoadBalancerTypes: ["application", "network"],
        Listed: false,
      },
    ]);
  });

  it("reports listeners and actions AWS would refuse", () => {
    const bad = `
accounts:
  - Id: "123456789012"
    regions:
      us-east-1:
        loadBalancers:
          - LoadBalancerName: web
            Listeners:
              - { Port: 80, Protocol: TCP }
              - { Port: 80, Protocol: HTTP, SslPolicy: ELBSecurityPolicy-2016-08 }
              - { Port: 81, Protocol: HTTP, DefaultActions: [{ Type: redirect }] }
          - LoadBalancerName: db
            Type: network
            Listeners: [{ Port: 443, Protocol: TLS, DefaultActions: [{ Type: fixed-response, FixedResponseConfig: { StatusCode: "403" } }] }]
          - LoadBalancerName: web
`;
    let lines: string[] = [];
    try {
      worldFromText(bad, "bad.yaml");
    } catch (err) {
      if (err instanceof WorldFileError) lines = err.lines;
    }
    const lb = "accounts[0].regions.us-east-1.loadBalancers";
    expect(lines.map((l) => l.replace(/^bad\.yaml:\d+:\d+: /, ""))).toEqual([
      `${lb}[0].Listeners[0].Protocol: a application load balancer has no TCP listeners (HTTP, HTTPS)`,
      `${lb}[0].Listeners[1].Port: duplicate listener port 80`,
      `${lb}[0].Listeners[1].SslPolicy: only HTTPS and TLS listeners have a security policy, not HTTP`,
      `${lb}[0].Listeners[2].DefaultActions[0].Type: a redirect action, and only one, has a RedirectConfig`,
      `${lb}[1].Listeners[0].DefaultActions[0].Type: only application load balancers take fixed-response actions; a network one forwards`,
      `${lb}[2].LoadBalancerName: duplicate LoadBalancerName "web"`,
    ]);
  });
});
