// The simulator's HTTP core: one server on 127.0.0.1 that the unmodified AWS SDK v3 clients talk to
// as if it were AWS. Per request: read the body, parse and verify SigV4 (the secret is known here),
// resolve the service by signing name and the account by access key, count, inject faults, then
// hand the request to the service. Keep-alive and `Expect: 100-continue` are Node's defaults
// (without a 'checkContinue' listener Node answers 100 Continue itself).
import { createHash, createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { CredentialAuthority, baseCredentials } from "../behaviour/credentials.js";
import type { AccessKeyPair, CallerIdentity } from "../behaviour/credentials.js";
import { SimCounters } from "../behaviour/counters.js";
import { FaultInjector, GLOBAL_SERVICES, authError } from "../behaviour/faults.js";
import type { AuthFailureKind } from "../behaviour/faults.js";
import type { CallContext, SimHttpRequest, SimHttpResponse, SimService } from "./service.js";
import { SimError } from "./service.js";
import { allServices } from "../services/index.js";
import type { World } from "../world/types.js";
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

export async function startSimulator(opts: SimulatorOptions): Promise<Simulator> {
  const { world } = opts;
  const services = new Map<string, SimService>();
  for (const s of opts.services ?? defaultServices()) services.set(s.signingName, s);
  const counters = new SimCounters();
  const faults = new FaultInjector(world);
  const authority = new CredentialAuthority({
    seed: world.seed,
    now: opts.clock,
    accountExists: (id) => world.accounts.get(id) !== undefined,
  });

  const server = createServer({ keepAlive: true }, (req, res) => {
    handleHttp(req, res).catch((err: unknown) => {
      // Only reachable on a bug in error rendering itself; never leave the client hanging.
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(err instanceof Error ? err.message : "internal error");
    });
  });
  server.keepAliveTimeout = 30_000;
  server.headersTimeout = 35_000;

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (body === undefined) {
      send(res, req, {
        status: 413,
        headers: { "content-type": "text/plain" },
        body: "request body too large",
      });
      return;
    }
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
    const requestId = randomUUID();
    send(res, req, await dispatch(simReq, rawPath, rawQuery, requestId));
  }

  async function dispatch(
    req: SimHttpRequest,
    rawPath: string,
    rawQuery: string,
    requestId: string,
  ): Promise<SimHttpResponse> {
    const auth = parseAuthorization(req.headers["authorization"]);
    if (!auth) return bareError(req, authError("missing-auth", guessService(req)), requestId);
    const service = services.get(auth.service);
    if (!service) {
      return bareError(
        req,
        new SimError("UnknownService", `The simulator does not serve '${auth.service}'.`, 400),
        requestId,
      );
    }
    const fail = (kind: AuthFailureKind, account = "unknown"): SimHttpResponse => {
      const e = authError(kind, service.signingName);
      counters.error(service.signingName, "(auth)", account, auth.region, e.code);
      return service.error(e, req, requestId);
    };

    const resolved = authority.resolve(auth.accessKeyId, req.headers["x-amz-security-token"]);
    if (!resolved.ok && resolved.reason !== "expired") return fail(resolved.reason);
    const identity: CallerIdentity | undefined = resolved.identity;
    if (!identity) return fail("unknown-key");
    const sig = verifySignature(req, rawPath, rawQuery, auth, identity.secretAccessKey);
    if (sig !== "ok") return fail(sig, identity.accountId);
    if (!resolved.ok) return fail("expired", identity.accountId);
    const account = world.accounts.get(identity.accountId);
    if (!account || account.Status === "SUSPENDED") return fail("unknown-key", identity.accountId);

    const operation = service.operation(req);
    // Global services have one endpoint in us-east-1, whatever region a client signs for.
    const region = GLOBAL_SERVICES.has(service.signingName) ? "us-east-1" : auth.region;
    if (!operation) {
      const e = new SimError("InvalidAction", "Could not determine the operation of the request.", 400);
      counters.error(service.signingName, "(unknown)", account.Id, region, e.code);
      return service.error(e, req, requestId);
    }
    counters.call(service.signingName, operation, account.Id, region);

    const latency = faults.latencyMs();
    if (latency > 0) await sleep(latency);

    const errorOut = (e: SimError): SimHttpResponse => {
      counters.error(service.signingName, operation, account.Id, region, e.code);
      return service.error(e, req, requestId);
    };
    if (!GLOBAL_SERVICES.has(service.signingName) && account.disabledRegions.includes(region)) {
      return errorOut(authError("disabled-region", service.signingName));
    }
    const fault = faults.check({
      service: service.signingName,
      operation,
      accountId: account.Id,
      region,
      callerArn: identity.arn,
      throttleCode: service.throttleCode,
      req,
      resourceId: () => service.resourceId?.(operation, req),
    });
    if (fault?.kind === "throttled") {
      counters.throttle(service.signingName, operation, account.Id, region, fault.error.code);
      return service.error(fault.error, req, requestId);
    }
    if (fault) return errorOut(fault.error);

    const ctx: CallContext = {
      world,
      account,
      region,
      callerArn: identity.arn,
      requestId,
      caller: identity,
      credentials: authority,
    };
    try {
      const out = await service.handle(operation, req, ctx);
      if (out.status >= 400)
        counters.error(service.signingName, operation, account.Id, region, `HTTP${out.status}`);
      return out;
    } catch (err) {
      if (err instanceof SimError) return errorOut(err);
      const message = err instanceof Error ? err.message : String(err);
      return errorOut(new SimError("InternalError", `simulator bug: ${message}`, 500));
    }
  }

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
    counters,
    credentialsFor: baseCredentials,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
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

// ---------------------------------------------------------------------------------------------
// SigV4

interface ParsedAuth {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

function parseAuthorization(header: string | undefined): ParsedAuth | undefined {
  if (!header) return undefined;
  const m =
    /^AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-fA-F]+)\s*$/.exec(
      header,
    );
  if (!m) return undefined;
  const parts = m[1]!.split("/");
  if (parts.length !== 5 || parts[4] !== "aws4_request") return undefined;
  const [accessKeyId, date, region, service] = parts as [string, string, string, string];
  return {
    accessKeyId,
    date,
    region,
    service,
    signedHeaders: m[2]!.toLowerCase().split(";"),
    signature: m[3]!.toLowerCase(),
  };
}

/** RFC 3986 encoding, as the SDK signer does it. */
const escapeUri = (s: string): string =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const sha256Hex = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string): Buffer =>
  createHmac("sha256", key).update(data, "utf8").digest();

function canonicalPath(rawPath: string, signingName: string): string {
  // S3 signs the path as sent; every other service signs it normalised and encoded once more.
  if (signingName === "s3") return rawPath;
  const segs: string[] = [];
  for (const seg of rawPath.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") segs.pop();
    else segs.push(seg);
  }
  const normalized = `${rawPath.startsWith("/") ? "/" : ""}${segs.join("/")}${segs.length > 0 && rawPath.endsWith("/") ? "/" : ""}`;
  return escapeUri(normalized).replace(/%2F/g, "/");
}

function canonicalQuery(rawQuery: string): string {
  const byKey = new Map<string, string[]>();
  for (const part of rawQuery.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const k = safeDecode(eq < 0 ? part : part.slice(0, eq));
    const v = eq < 0 ? "" : safeDecode(part.slice(eq + 1));
    if (k.toLowerCase() === "x-amz-signature") continue;
    const ek = escapeUri(k);
    const list = byKey.get(ek) ?? [];
    list.push(`${ek}=${escapeUri(v)}`);
    byKey.set(ek, list);
  }
  return [...byKey.keys()]
    .sort()
    .map((k) => byKey.get(k)!.sort().join("&"))
    .join("&");
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function verifySignature(
  req: SimHttpRequest,
  rawPath: string,
  rawQuery: string,
  auth: ParsedAuth,
  secret: string,
): "ok" | "bad-signature" | "payload-hash" {
  const amzDate = req.headers["x-amz-date"];
  if (!amzDate || !amzDate.startsWith(auth.date)) return "bad-signature";
  const declared = req.headers["x-amz-content-sha256"];
  const bodyHash = sha256Hex(req.body);
  if (declared && /^[0-9a-f]{64}$/.test(declared) && declared !== bodyHash) return "payload-hash";
  const payloadHash = declared ?? bodyHash;
  const canonicalHeaders = auth.signedHeaders
    .map((h) => {
      const v = req.headers[h];
      if (v === undefined) return undefined;
      return `${h}:${v
        .replace(/[\r\n]/g, " ")
        .replace(/[ \t]+/g, " ")
        .replace(/^ | $/g, "")}`;
    })
    .filter((x): x is string => x !== undefined);
  if (canonicalHeaders.length !== auth.signedHeaders.length) return "bad-signature";
  const canonicalRequest = [
    req.method,
    canonicalPath(rawPath, auth.service),
    canonicalQuery(rawQuery),
    canonicalHeaders.join("\n") + "\n",
    auth.signedHeaders.join(";"),
    payloadHash,
  ].join("\n");
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonicalRequest)}`;
  let key: Buffer = hmac(`AWS4${secret}`, auth.date);
  for (const part of [auth.region, auth.service, "aws4_request"]) key = hmac(key, part);
  const expected = Buffer.from(createHmac("sha256", key).update(stringToSign, "utf8").digest("hex"), "utf8");
  const given = Buffer.from(auth.signature, "utf8");
  return expected.length === given.length && timingSafeEqual(expected, given) ? "ok" : "bad-signature";
}
