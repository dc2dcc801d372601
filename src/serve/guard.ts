// What stands in front of every route: a per-client rate limit, CORS for the configured origins
// only (none by default), bearer-token authentication with two roles (401 without a valid token,
// 403 for a read-only token on a write), security headers (a CSP on everything, no sniffing, no
// framing, no caching), one JSON access-log line per request (never the Authorization header or a
// token), and error bodies that name the problem without internals.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { presentedToken, type Principal } from "./auth.js";
import type { ApiContext } from "./context.js";

/** Routes anyone may call: probes and the icon carry no data. */
const PUBLIC = new Set(["/healthz", "/readyz", "/favicon.ico"]);
/** Routes a browser opens: their 401 asks for Basic credentials (the token as password). */
const isPage = (url: string): boolean => url === "/" || url.startsWith("/?") || url.startsWith("/findings/");

export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

declare module "fastify" {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** A token bucket per client address, refilled continuously; idle buckets are dropped. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds to wait, or 0 when the request may go ahead. */
  take(client: string): number {
    const t = this.now();
    const b = this.buckets.get(client) ?? { tokens: this.perMinute, at: t };
    b.tokens = Math.min(this.perMinute, b.tokens + ((t - b.at) / 60_000) * this.perMinute);
    b.at = t;
    if (this.buckets.size > 10_000) this.sweep(t);
    this.buckets.set(client, b);
    if (b.tokens < 1) return Math.ceil(((1 - b.tokens) / this.perMinute) * 60);
    b.tokens -= 1;
    return 0;
  }

  private sweep(t: number): void {
    for (const [k, v] of this.buckets) if (t - v.at > 60_000) this.buckets.delete(k);
  }
}

export function installGuard(app: FastifyInstance, ctx: ApiContext): void {
  const limiter = new RateLimiter(ctx.ratePerMinute);
  const cors = corsFor(ctx.corsOrigins);
  app.addHook("onRequest", async (req, reply) => {
    const wait = limiter.take(req.ip);
    if (wait > 0)
      return reply.code(429).header("retry-after", String(wait)).send({ error: "too many requests" });
    // Before authentication: a browser's preflight never carries the token.
    if (cors(req, reply)) return reply;
    const path = req.url.split("?")[0] ?? "";
    if (PUBLIC.has(path)) return;
    req.principal = authenticate(ctx, req);
    if (!req.principal) {
      const challenge = isPage(req.url) ? 'Basic realm="dpscan", charset="UTF-8"' : 'Bearer realm="dpscan"';
      return reply
        .code(401)
        .header("www-authenticate", challenge)
        .send({ error: "a valid token is required" });
    }
    if (req.method !== "GET" && req.method !== "HEAD" && req.principal.role !== "operator")
      return reply.code(403).send({ error: "this token may only read" });
  });
  app.addHook("onSend", async (_req, reply, payload) => {
    if (!reply.hasHeader("content-security-policy")) reply.header("content-security-policy", API_CSP);
    reply.header("x-content-type-options", "nosniff");
    reply.header("x-frame-options", "DENY");
    reply.header("referrer-policy", "no-referrer");
    reply.header("cache-control", "no-store");
    reply.header("cross-origin-resource-policy", "same-origin");
    return payload;
  });
  app.addHook("onResponse", async (req, reply) => accessLog(ctx, req, reply));
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err.validation)
      return reply.code(400).send({ error: `${err.validationContext ?? "request"} ${err.message}` });
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500)
      return reply
        .code(err.statusCode)
        .send({ error: err.code === "FST_ERR_CTP_BODY_TOO_LARGE" ? "request body too large" : err.message });
    ctx.log("http.error", { method: req.method, route: req.routeOptions.url ?? null, error: err.message });
    return reply.code(500).send({ error: "internal error; see the service log" });
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: "not found" }));
}

/** What a cross-origin caller may send: the methods of the API and the headers of a token and a body. */
const CORS_METHODS = "GET, HEAD, POST";
const CORS_HEADERS = "authorization, content-type";
/** Seconds a browser may reuse a preflight's answer. */
const CORS_MAX_AGE = "600";

/**
 * CORS by hand (a few headers, no plugin): a request from a listed origin gets its origin back in
 * Access-Control-Allow-Origin, and its preflight (OPTIONS with Access-Control-Request-Method) is
 * answered 204 at once; any other origin gets no CORS header at all, so its browser refuses to
 * hand the response to the page. No Allow-Credentials: the token travels in a header the page
 * sets, never in cookies. Returns whether the reply has been sent.
 */
export function corsFor(origins: readonly string[]): (req: FastifyRequest, reply: FastifyReply) => boolean {
  if (origins.length === 0) return () => false;
  const allowed = new Set(origins);
  return (req, reply) => {
    // Responses differ by Origin once CORS is on: caches (if any) must key on it.
    reply.header("vary", "Origin");
    const origin = req.headers.origin;
    if (origin === undefined || !allowed.has(origin)) return false;
    reply.header("access-control-allow-origin", origin);
    if (req.method !== "OPTIONS" || req.headers["access-control-request-method"] === undefined) return false;
    reply
      .code(204)
      .header("access-control-allow-methods", CORS_METHODS)
      .header("access-control-allow-headers", CORS_HEADERS)
      .header("access-control-max-age", CORS_MAX_AGE)
      .send();
    return true;
  };
}

/** With no tokens configured (loopback only, checked at start-up) the caller is a local operator. */
function authenticate(ctx: ApiContext, req: FastifyRequest): Principal | undefined {
  if (ctx.tokens.size === 0) return { name: "local", role: "operator" };
  const token = presentedToken(req.headers.authorization);
  return token === undefined ? undefined : ctx.tokens.check(token);
}

function accessLog(ctx: ApiContext, req: FastifyRequest, reply: FastifyReply): void {
  const route = req.routeOptions.url ?? "(unmatched)";
  ctx.metrics.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
  ctx.log("http.request", {
    method: req.method,
    // The path only: a query string is the client's and may be long; the route names the handler.
    path: (req.url.split("?")[0] ?? "").slice(0, 200),
    route,
    status: reply.statusCode,
    ms: Math.round(reply.elapsedTime),
    client: req.ip,
    principal: req.principal?.name ?? null,
  });
}
