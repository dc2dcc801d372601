import { request as httpRequest, Agent } from "node:http";
import type { IncomingMessage } from "node:http";
import { DescribeVolumesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { RDSClient, DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lowerBound, lowerBoundSeconds } from "../../src/sim/behaviour/counters.js";
import { baseCredentials } from "../../src/sim/behaviour/credentials.js";
import { startSimulator } from "../../src/sim/wire/server.js";
import type { Simulator } from "../../src/sim/wire/server.js";
import { SimError } from "../../src/sim/wire/service.js";
import type { SimService } from "../../src/sim/wire/service.js";
import { stsService } from "../../src/sim/services/sts.js";
import { escapeXml } from "../../src/sim/wire/xml.js";
import { withSimulator } from "./harness.js";
import { MGMT, OUTSIDER, PROD, sdkConfig, sdkError, testWorld } from "../helpers/sim.js";

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ world: testWorld() });
});
afterAll(() => sim.close());

const sts = (creds = sim.credentials): STSClient =>
  new STSClient(sdkConfig(sim, "us-east-1", creds, { maxAttempts: 1 }));
const ec2 = (creds = sim.credentials): EC2Client =>
  new EC2Client(sdkConfig(sim, "us-east-1", creds, { maxAttempts: 1 }));

function raw(opts: {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  agent?: Agent;
}): Promise<{ res: IncomingMessage; body: string; sawContinue: boolean; reused: boolean }> {
  return new Promise((resolve, reject) => {
    let sawContinue = false;
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port: sim.port,
        method: opts.method ?? "POST",
        path: opts.path ?? "/",
        headers: opts.headers,
        agent: opts.agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            res,
            body: Buffer.concat(chunks).toString("utf8"),
            sawContinue,
            reused: req.reusedSocket,
          }),
        );
      },
    );
    req.on("error", reject);
    if (opts.headers?.["expect"] === "100-continue") {
      req.on("continue", () => {
        sawContinue = true;
        req.end(opts.body);
      });
      req.flushHeaders();
    } else {
      req.end(opts.body);
    }
  });
}

describe("startSimulator", () => {
  it("binds 127.0.0.1 on an ephemeral port and exposes stable base credentials", () => {
    expect(sim.endpoint).toBe(`http://127.0.0.1:${sim.port}`);
    expect(sim.port).toBeGreaterThan(0);
    expect(sim.credentials).toEqual(baseCredentials(MGMT));
    expect(sim.credentials.accessKeyId).toMatch(/^AKIA/);
    expect(baseCredentials(MGMT)).toEqual(baseCredentials(MGMT));
  });

  it("serves a real SDK client and identifies the account by access key", async () => {
    expect((await sts().send(new GetCallerIdentityCommand({}))).Account).toBe(MGMT);
    expect((await sts(sim.credentialsFor(PROD)).send(new GetCallerIdentityCommand({}))).Account).toBe(PROD);
  });
});

describe("authentication", () => {
  it("rejects unknown access keys with each protocol's code", async () => {
    const bogus = { accessKeyId: "AKIAXXXXXXXXXXXXXXXX", secretAccessKey: "x" };
    expect(await sdkError(sts(bogus).send(new GetCallerIdentityCommand({})))).toMatchObject({
      name: "InvalidClientTokenId",
      status: 403,
    });
    expect(await sdkError(ec2(bogus).send(new DescribeVolumesCommand({})))).toMatchObject({
      name: "AuthFailure",
      status: 401,
    });
    // A well-formed base key of an account outside the world is unknown too.
    expect(
      await sdkError(sts(baseCredentials(OUTSIDER)).send(new GetCallerIdentityCommand({}))),
    ).toMatchObject({
      name: "InvalidClientTokenId",
    });
  });

  it("rejects a wrong secret: the signature is verified", async () => {
    const wrong = { accessKeyId: sim.credentials.accessKeyId, secretAccessKey: "not-the-secret" };
    expect(await sdkError(sts(wrong).send(new GetCallerIdentityCommand({})))).toMatchObject({
      name: "SignatureDoesNotMatch",
      status: 403,
    });
    const rds = new RDSClient(sdkConfig(sim, "us-east-1", wrong, { maxAttempts: 1 }));
    expect(await sdkError(rds.send(new DescribeDBInstancesCommand({})))).toMatchObject({
      name: "SignatureDoesNotMatch",
      status: 403,
    });
    expect(await sdkError(ec2(wrong).send(new DescribeVolumesCommand({})))).toMatchObject({
      name: "AuthFailure",
    });
    expect(sim.counters.errorCode("SignatureDoesNotMatch")).toBeGreaterThanOrEqual(2);
  });

  it("rejects a tampered session token and a token sent with long-term keys", async () => {
    const bad = { ...sim.credentials, sessionToken: "SIM1.e30.AAAA" };
    expect(await sdkError(sts(bad).send(new GetCallerIdentityCommand({})))).toMatchObject({
      name: "InvalidClientTokenId",
    });
    const fake = { accessKeyId: "ASIAAAAAAAAAAAAAAAAA", secretAccessKey: "x", sessionToken: "nope" };
    expect(await sdkError(sts(fake).send(new GetCallerIdentityCommand({})))).toMatchObject({
      name: "InvalidClientTokenId",
    });
  });

  it("answers an unsigned request with MissingAuthenticationToken", async () => {
    const { res, body } = await raw({
      body: "Action=GetCallerIdentity&Version=2011-06-15",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.statusCode).toBe(403);
    expect(body).toContain("<Code>MissingAuthenticationToken</Code>");
  });

  it("answers a service it does not serve with UnknownService", async () => {
    await withSimulator({ world: testWorld(), services: [stsService()] }, async (_sim, client) => {
      const c = client(EC2Client);
      expect(await sdkError(c.send(new DescribeVolumesCommand({})))).toMatchObject({
        name: "UnknownService",
        status: 400,
      });
    });
  });
});

describe("HTTP", () => {
  it("answers Expect: 100-continue before the body is sent", async () => {
    const { res, sawContinue } = await raw({
      headers: { "content-type": "application/x-www-form-urlencoded", expect: "100-continue" },
      body: "Action=GetCallerIdentity&Version=2011-06-15",
    });
    expect(sawContinue).toBe(true);
    expect(res.statusCode).toBe(403); // unsigned, but the exchange completed
  });

  it("a signed SDK request carrying Expect: 100-continue succeeds", async () => {
    const client = sts();
    client.middlewareStack.add(
      (next) => async (args) => {
        const req = args.request as { headers: Record<string, string> };
        req.headers["Expect"] = "100-continue";
        return next(args);
      },
      { step: "build", name: "expectContinue" },
    );
    expect((await client.send(new GetCallerIdentityCommand({}))).Account).toBe(MGMT);
  });

  it("keeps connections alive", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await raw({ agent, body: "x" });
      const second = await raw({ agent, body: "x" });
      expect(first.reused).toBe(false);
      expect(second.reused).toBe(true);
      expect(second.res.headers["connection"]).toBe("keep-alive");
    } finally {
      agent.destroy();
    }
  });

  it("renders a service's unexpected exception as its own InternalError", async () => {
    const boom: SimService = {
      ...stsService(),
      handle() {
        throw new Error("kaboom");
      },
    };
    await withSimulator({ world: testWorld(), services: [boom] }, async (_sim, client) => {
      const c = client(STSClient);
      expect(await sdkError(c.send(new GetCallerIdentityCommand({})))).toMatchObject({
        name: "InternalError",
        status: 500,
      });
    });
  });

  it("passes SimErrors thrown by a service through its error renderer", async () => {
    const denied: SimService = {
      ...stsService(),
      handle() {
        throw new SimError("SomethingSpecific", "nope", 409);
      },
    };
    await withSimulator({ world: testWorld(), services: [denied] }, async (_sim, client) => {
      const c = client(STSClient);
      expect(await sdkError(c.send(new GetCallerIdentityCommand({})))).toMatchObject({
        name: "SomethingSpecific",
        status: 409,
        message: "nope",
      });
    });
  });
});

describe("AWS_ENDPOINT_URL", () => {
  it("an SDK client given no endpoint reaches the simulator through the environment", async () => {
    const saved = process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL = sim.endpoint;
    try {
      const client = new STSClient({ region: "us-east-1", credentials: sim.credentials, maxAttempts: 1 });
      const before = sim.counters.calls({ service: "sts", operation: "GetCallerIdentity" });
      expect((await client.send(new GetCallerIdentityCommand({}))).Account).toBe(MGMT);
      expect(sim.counters.calls({ service: "sts", operation: "GetCallerIdentity" })).toBe(before + 1);
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL;
      else process.env.AWS_ENDPOINT_URL = saved;
    }
  });
});

describe("counters", () => {
  it("counts calls per service, operation, account and region and snapshots as JSON", async () => {
    await withSimulator({ world: testWorld() }, async (s) => {
      const c = new EC2Client(sdkConfig(s, "us-west-2", s.credentials));
      await c.send(new DescribeVolumesCommand({}));
      await c.send(new DescribeVolumesCommand({}));
      await new STSClient(sdkConfig(s, "eu-west-1", s.credentialsFor(PROD))).send(
        new GetCallerIdentityCommand({}),
      );
      const snap = JSON.parse(JSON.stringify(s.counters)) as ReturnType<Simulator["counters"]["snapshot"]>;
      expect(snap.totals).toEqual({ calls: 3, throttles: 0, errors: 0 });
      expect(snap.rows).toEqual([
        {
          service: "ec2",
          operation: "DescribeVolumes",
          account: MGMT,
          region: "us-west-2",
          calls: 2,
          throttles: 0,
          errors: 0,
        },
        {
          service: "sts",
          operation: "GetCallerIdentity",
          account: PROD,
          region: "eu-west-1",
          calls: 1,
          throttles: 0,
          errors: 0,
        },
      ]);
      expect(s.counters.calls({ account: PROD })).toBe(1);
    });
  });
});

describe("lowerBoundSeconds", () => {
  it("is 0 without latency or throttling", () => {
    expect(lowerBoundSeconds(testWorld())).toBe(0);
  });

  it("is the longest sequential chain times the mean latency", () => {
    // ListAccounts page, AssumeRole, then ListKeys + DescribeKey + GetKeyPolicy for a member account.
    const lb = lowerBound(testWorld({ faults: { latency: { distribution: "uniform", min: 50, max: 150 } } }));
    expect(lb.latencySeconds).toBeCloseTo(0.5, 9);
    expect(lb.seconds).toBeCloseTo(0.5, 9);
    expect(lb.throttleSeconds).toBe(0);
    expect(lb.calls).toBeGreaterThan(100);
  });

  it("is bounded below by the tightest quota after its burst", () => {
    const world = testWorld({
      faults: {
        latency: { distribution: "fixed", value: 100 },
        throttling: { enabled: true, overrides: { rds: { capacity: 1, refillPerSecond: 1 } } },
      },
    });
    // Per account and region: 4 RDS listings + the parameters of the 2 DB parameter groups and the
    // 1 cluster parameter group in use = 7 calls on one bucket (no shipped rule reads snapshot
    // attributes, so they are not among the calls a scan needs).
    const lb = lowerBound(world);
    expect(lb.throttleSeconds).toBeCloseTo(6.1, 9);
    expect(lb.seconds).toBeCloseTo(6.1, 9);
    expect(lb.bottleneck).toMatchObject({
      scope: "rds",
      calls: 7,
      quota: { capacity: 1, refillPerSecond: 1 },
    });
  });

  it("can bound the calls a scan actually made", async () => {
    const world = testWorld({
      faults: {
        throttling: {
          enabled: true,
          overrides: { "ec2:DescribeVolumes": { capacity: 1, refillPerSecond: 1000 } },
        },
      },
    });
    await withSimulator({ world }, async (s) => {
      const c = new EC2Client(sdkConfig(s, "us-east-1", s.credentials, { maxAttempts: 5 }));
      for (let i = 0; i < 3; i++) await c.send(new DescribeVolumesCommand({ MaxResults: 5 }));
      world.faults.throttling!.overrides!["ec2:DescribeVolumes"] = { capacity: 1, refillPerSecond: 1 };
      const observed = s.counters.snapshot();
      const calls = observed.rows.reduce((n, r) => n + r.calls, 0);
      expect(lowerBound(world, { observed })).toMatchObject({
        calls,
        bottleneck: { scope: "ec2:DescribeVolumes", account: MGMT },
      });
      expect(lowerBoundSeconds(world, { observed })).toBeCloseTo(calls - 1, 9);
    });
  });
});

describe("escapeXml", () => {
  it("escapes markup, quotes, line breaks, controls and lone surrogates; keeps valid unicode", () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;");
    expect(escapeXml("a\r\nb\tc\u0000\u001f\u007f\u0085\u2028")).toBe(
      "a&#xD;&#xA;b\tc&#x0;&#x1F;&#x7F;&#x85;&#x2028;",
    );
    expect(escapeXml("ü 🔐 \u202e")).toBe("ü 🔐 \u202e");
    expect(escapeXml("x\ud800y\udc00")).toBe("x&#xD800;y&#xDC00;");
    expect(escapeXml("plain")).toBe("plain");
  });
});
