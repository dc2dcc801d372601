// The simulator's HTTP core: one server on 127.0.0.1 that the unmodified AWS SDK v3 clients talk to
// as if it were AWS. Keep-alive and `Expect: 100-continue` are Node's defaults (without a
// 'checkContinue' listener Node answers 100 Continue itself). Each request runs the pipeline
//   read → authenticate → route → count → faults → handle
// where each stage either answers (an error, counted as the docs say) or passes the call on.
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { CredentialAuthority, baseCredentials } from "../behaviour/credentials.js";
import type { AccessKeyPair, CallerIdentity } from "../behaviour/credentials.js";
import { SimCounters } from "../behaviour/counters.js";
import { FaultInjector, GLOBAL_SERVICES, authError } from "../behaviour/faults.js";
import type { AuthFailureKind } from "../behaviour/faults.js";
import { allServices } from "../services/index.js";
import type { SimAccount, World } from "../world/types.js";
import type { CallContext, SimHttpRequest, SimHttpResponse, SimService } from "./service.js";
import { SimError } from "./service.js";
import { parseAuthorization, verifySignature } from "./sigv4.js";
import { document, leaf, node } from "./xml.js";

export interface Simulator {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  port: number;
  /** Base credentials of the management account. */
  credentials: AccessKeyPair;
  counters: SimCounters;
  /** Base credentials of any account in the world (tests that skip AssumeRole). */
  credentialsFor(accountId: string): AccessKeyPair;
  close(): Promise<void>;
}

export interface SimulatorOptions {
  world: World;
  /** Services to serve (default: all of them). */
  services?: SimService[];
  /** 0 or absent: an ephemeral port. */
  port?: number;
  host?: "127.0.0.1";
  /** Wall clock for credential expiry, epoch ms (tests move it forward). */
  clock?: () => number;
}

/** Every service the simulator serves. */
export function defaultServices(): SimService[] {
  return allServices();
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** What the pipeline stages share for the lifetime of one simulator. */
interface Core {
  world: World;
  services: Map<string, SimService>;
  counters: SimCounters;
  faults: FaultInjector;
  authority: CredentialAuthority;
}

/** A received request: the parsed form services read, and the raw path and query SigV4 signs. */
interface Received {
  req: SimHttpRequest;
  rawPath: string;
  rawQuery: string;
  requestId: string;
}

/** A request whose signature, caller and account are known. */
interface Authenticated extends Received {
  service: SimService;
  /** The region of the SigV4 credential scope. */
  signedRegion: string;
  identity: CallerIdentity;
  account: SimAccount;
}

/** An authenticated request with its operation and effective region. */
interface Routed extends Authenticated {
  operation: string;
  region: string;
}

/** A stage's outcome: the call goes on, or the simulator answers now. */
type Stage<T> = { next: T } | { answer: SimHttpResponse };

export async function startSimulator(opts: SimulatorOptions): Promise<Simulator> {
  const { world } = opts;
  const core: Core = {
    world,
    services: new Map((opts.services ?? defaultServices()).map((s) => [s.signingName, s])),
    counters: new SimCounters(),
    faults: new FaultInjector(world),
    authority: new CredentialAuthority({
      seed: world.seed,
      now: opts.clock,
      accountExists: (id) => world.accounts.get(id) !== undefined,
    }),
  };
  const server = createServer({ keepAlive: true }, (req, res) => {
    handleHttp(core, req, res).catch((err: unknown) => {
      // Only reachable on a bug in error rendering itself; never leave the client hanging.
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(err instanceof Error ? err.message : "internal error");
    });
  });
  server.keepAliveTimeout = 30_000;
  server.headersTimeout = 35_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    credentials: baseCredentials(world.managementAccountId),
    counters: core.counters,
    credentialsFor: baseCredentials,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function handleHttp(core: Core, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  if (body === undefined) {
    send(res, req, {
      status: 413,
      headers: { "content-type": "text/plain" },
      body: "request body too large",
    });
    return;
  }
  send(res, req, await dispatch(core, receive(req, body)));
}

/** The request pipeline; each stage answers or hands on a call that knows more. */
async function dispatch(core: Core, received: Received): Promise<SimHttpResponse> {
  const authenticated = authenticate(core, received);
  if ("answer" in authenticated) return authenticated.answer;
  const routed = route(core, authenticated.next);
  if ("answer" in routed) return routed.answer;
  const call = routed.next;
  count(core, call);
  const fault = await applyFaults(core, call);
  if (fault) return fault;
  return handle(core, call);
}

function receive(req: IncomingMessage, body: Buffer): Received {
  const rawUrl = req.url ?? "/";
  const q = rawUrl.indexOf("?");
  const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const rawQuery = q < 0 ? "" : rawUrl.slice(q + 1);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(",") : v;
  }
  const simReq: SimHttpRequest = {
    method: req.method ?? "GET",
    path: decodePath(rawPath),
    query: new URLSearchParams(rawQuery),
    headers,
    body,
  };
  return { req: simReq, rawPath, rawQuery, requestId: randomUUID() };
}

/**
 * Authenticate: a parseable Authorization header, a served service, a known (unexpired) key, a valid
 * signature and an active account. Failures after the service is known count as `(auth)` errors.
 */
function authenticate(core: Core, r: Received): Stage<Authenticated> {
  const { req, requestId } = r;
  const auth = parseAuthorization(req.headers["authorization"]);
  if (!auth) return { answer: bareError(req, authError("missing-auth", guessService(req)), requestId) };
  const service = core.services.get(auth.service);
  if (!service) {
    const e = new SimError("UnknownService", `The simulator does not serve '${auth.service}'.`, 400);
    return { answer: bareError(req, e, requestId) };
  }
  const fail = (kind: AuthFailureKind, account = "unknown"): Stage<Authenticated> => {
    const e = authError(kind, service.signingName);
    core.counters.error(service.signingName, "(auth)", account, auth.region, e.code);
    return { answer: service.error(e, req, requestId) };
  };
  const resolved = core.authority.resolve(auth.accessKeyId, req.headers["x-amz-security-token"]);
  if (!resolved.ok && resolved.reason !== "expired") return fail(resolved.reason);
  const identity: CallerIdentity | undefined = resolved.identity;
  if (!identity) return fail("unknown-key");
  const sig = verifySignature(req, r.rawPath, r.rawQuery, auth, identity.secretAccessKey);
  if (sig !== "ok") return fail(sig, identity.accountId);
  if (!resolved.ok) return fail("expired", identity.accountId);
  const account = core.world.accounts.get(identity.accountId);
  if (!account || account.Status === "SUSPENDED") return fail("unknown-key", identity.accountId);
  return { next: { ...r, service, signedRegion: auth.region, identity, account } };
}

/** Route: the operation the service recognises, and the region the call runs in. */
function route(core: Core, a: Authenticated): Stage<Routed> {
  const { service, req } = a;
  const operation = service.operation(req);
  // Global services have one endpoint in us-east-1, whatever region a client signs for.
  const region = GLOBAL_SERVICES.has(service.signingName) ? "us-east-1" : a.signedRegion;
  if (!operation) {
    const e = new SimError("InvalidAction", "Could not determine the operation of the request.", 400);
    core.counters.error(service.signingName, "(unknown)", a.account.Id, region, e.code);
    return { answer: service.error(e, req, a.requestId) };
  }
  return { next: { ...a, operation, region } };
}

/** Count: every routed call, before latency and faults, so failed attempts and retries are calls too. */
function count(core: Core, c: Routed): void {
  core.counters.call(c.service.signingName, c.operation, c.account.Id, c.region);
}

/** Counts an error response of a routed call under its code and renders it in the service's protocol. */
function errorOut(core: Core, c: Routed, e: SimError): SimHttpResponse {
  core.counters.error(c.service.signingName, c.operation, c.account.Id, c.region, e.code);
  return c.service.error(e, c.req, c.requestId);
}

/** Faults: latency, then a disabled region, throttling, AccessDenied or a transient error. */
async function applyFaults(core: Core, c: Routed): Promise<SimHttpResponse | undefined> {
  const { service, operation, req } = c;
  const latency = core.faults.latencyMs();
  if (latency > 0) await sleep(latency);
  if (!GLOBAL_SERVICES.has(service.signingName) && c.account.disabledRegions.includes(c.region))
    return errorOut(core, c, authError("disabled-region", service.signingName));
  const fault = core.faults.check({
    service: service.signingName,
    operation,
    accountId: c.account.Id,
    region: c.region,
    callerArn: c.identity.arn,
    throttleCode: service.throttleCode,
    req,
    resourceId: () => service.resourceId?.(operation, req),
  });
  if (fault?.kind === "throttled") {
    core.counters.throttle(service.signingName, operation, c.account.Id, c.region, fault.error.code);
    return service.error(fault.error, req, c.requestId);
  }
  return fault ? errorOut(core, c, fault.error) : undefined;
}

/** Handle: the service answers; a thrown SimError is its error, anything else a simulator bug. */
async function handle(core: Core, c: Routed): Promise<SimHttpResponse> {
  const ctx: CallContext = {
    world: core.world,
    account: c.account,
    region: c.region,
    callerArn: c.identity.arn,
    requestId: c.requestId,
    caller: c.identity,
    credentials: core.authority,
  };
  try {
    const out = await c.service.handle(c.operation, c.req, ctx);
    if (out.status >= 400)
      core.counters.error(c.service.signingName, c.operation, c.account.Id, c.region, `HTTP${out.status}`);
    return out;
  } catch (err) {
    if (err instanceof SimError) return errorOut(core, c, err);
    const message = err instanceof Error ? err.message : String(err);
    return errorOut(core, c, new SimError("InternalError", `simulator bug: ${message}`, 500));
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP plumbing

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, req: IncomingMessage, out: SimHttpResponse): void {
  const body = typeof out.body === "string" ? Buffer.from(out.body, "utf8") : out.body;
  const headers: Record<string, string | number> = { ...out.headers };
  if (!Object.keys(headers).some((h) => h.toLowerCase() === "content-length"))
    headers["content-length"] = body.length;
  res.writeHead(out.status, headers);
  res.end(req.method === "HEAD" ? undefined : body);
}

function decodePath(rawPath: string): string {
  return rawPath
    .split("/")
    .map((seg) => {
      try {
        return decodeURIComponent(seg);
      } catch {
        return seg;
      }
    })
    .join("/");
}

/** Guess the protocol of an unsigned request, to answer in a shape its client can parse. */
function guessService(req: SimHttpRequest): string {
  if ((req.headers["content-type"] ?? "").includes("x-amz-json")) return "kms";
  return "sts";
}

/** An error before any service is known: a JSON body for JSON clients, awsQuery XML otherwise. */
function bareError(req: SimHttpRequest, err: SimError, requestId: string): SimHttpResponse {
  if ((req.headers["content-type"] ?? "").includes("x-amz-json")) {
    return {
      status: err.status,
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amzn-requestid": requestId,
        "x-amzn-errortype": err.code,
      },
      body: JSON.stringify({ __type: err.code, message: err.message }),
    };
  }
  const xml = node(
    "ErrorResponse",
    node("Error", leaf("Type", err.type), leaf("Code", err.code), leaf("Message", err.message)),
    leaf("RequestId", requestId),
  );
  return {
    status: err.status,
    headers: { "content-type": "text/xml", "x-amzn-requestid": requestId },
    body: document(xml),
  };
}
