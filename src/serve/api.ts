// The HTTP surface of `dpscan serve` (fastify): health, the JSON API, /metrics and the dashboard.
// Every route has a JSON schema (unknown query parameters are refused, not ignored). Security is
// one layer of hooks in front of every route (see guard.ts); this file is only the routes.
import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import type { Registry } from "prom-client";
import { waiverOf } from "../report/finding-history.js";
import { waiversForOutput } from "../report/waived.js";
import { diffJson, diffMarkdown } from "../report/diff-view.js";
import { diffScans } from "../store/diff.js";
import { lifecycleSeq, previousLifecycleScan } from "../store/lifecycle.js";
import { findingDoc, type WaiverLookup } from "../report/findings-view.js";
import type { Rule } from "../rules/rule.js";
import { isCoverageGap } from "../model/coverage.js";
import { SEVERITIES, STATUSES, type Severity, type Status } from "../model/severity.js";
import type { FindingDocRow, FindingFilter, ScanRow } from "../store/store.js";
import { clip } from "../util/text.js";
import { VERSION } from "../version.js";
import { registerDashboard } from "./dashboard.js";
import { installGuard } from "./guard.js";
import { SCAN_PARAM, scanFor, strictQuery, type ApiContext } from "./context.js";
import { registerReports } from "./reports.js";

/** A request's body is a schedule name: nothing larger is ever needed. */
export const BODY_LIMIT_BYTES = 16 * 1024;
const MAX_PAGE = 1000;

export async function buildApi(ctx: ApiContext): Promise<FastifyInstance> {
  const app = Fastify({
    // No logger at all, so no request logs (disableRequestLogging is deprecated in Fastify 5).
    logger: false,
    bodyLimit: BODY_LIMIT_BYTES,
    return503OnClosing: true,
    forceCloseConnections: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } },
  });
  installGuard(app, ctx);
  registerHealth(app, ctx);
  registerScans(app, ctx);
  registerFindings(app, ctx);
  registerDiff(app, ctx);
  registerRules(app, ctx.rules);
  registerMetrics(app, ctx.metrics.registry);
  if (ctx.reports) registerReports(app, ctx, ctx.reports);
  registerDashboard(app, ctx);
  await app.ready();
  return app;
}

const error = (reply: FastifyReply, code: number, message: string): FastifyReply =>
  reply.code(code).send({ error: message });

const errorSchema = {
  type: "object",
  properties: { error: { type: "string" }, scanId: { type: "integer" } },
  required: ["error"],
} as const;
const anyObject = { type: "object", additionalProperties: true } as const;

function registerHealth(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    "/healthz",
    { schema: { response: { 200: { type: "object", properties: { status: { const: "ok" } } } } } },
    () => ({ status: "ok" as const }),
  );
  app.get(
    "/readyz",
    {
      schema: {
        response: {
          "2xx": anyObject,
          503: anyObject,
        },
      },
    },
    (_req, reply) => {
      let database = true;
      try {
        ctx.store.db.prepare("SELECT 1").get();
      } catch {
        database = false;
      }
      const schedules = ctx.ready();
      const ok = database && schedules;
      return reply
        .code(ok ? 200 : 503)
        .send({ status: ok ? "ready" : "not ready", checks: { database, schedules } });
    },
  );
}

/** A scan as the API shows it: no credentials, no ExternalId, errors clipped. */
export function scanJson(s: ScanRow): Record<string, unknown> {
  const { externalId: _e, profile: _p, ...options } = s.options;
  return {
    id: s.id,
    kind: s.kind,
    status: s.status,
    // A running scan whose owner is gone (its ownership row), as `dpscan scans` shows it.
    stale: s.stale,
    source: s.source,
    options,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt,
    durationMs: s.durationMs,
    summary: s.summary,
    error: s.error === null ? null : clip(s.error, 300),
  };
}

function registerScans(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: { limit: number; before?: number } }>(
    "/api/scans",
    {
      schema: {
        querystring: strictQuery({
          limit: { type: "integer", minimum: 1, maximum: 500, default: 50 },
          before: { type: "integer", minimum: 1, description: "cursor: scans older than this id" },
        }),
        response: { 200: anyObject },
      },
    },
    (req) => {
      const rows = ctx.store.listScansBefore(req.query.limit + 1, req.query.before);
      const page = rows.slice(0, req.query.limit);
      const last = page.at(-1);
      return {
        scans: page.map(scanJson),
        running: ctx.scheduler.running ?? null,
        ...(rows.length > req.query.limit && last ? { next: String(last.id) } : {}),
      };
    },
  );
  app.get<{ Params: { id: number } }>(
    "/api/scans/:id",
    {
      schema: {
        params: { type: "object", properties: { id: { type: "integer", minimum: 1 } }, required: ["id"] },
        response: { 200: anyObject, 404: errorSchema },
      },
    },
    (req, reply) => {
      const s = ctx.store.getScan(req.params.id);
      if (!s) return error(reply, 404, `no scan ${req.params.id}`);
      return scanDetail(ctx, s);
    },
  );
  registerStartScan(app, ctx);
}

function scanDetail(ctx: ApiContext, s: ScanRow): Record<string, unknown> {
  const coverage = ctx.store.coverage(s.id);
  const gaps = coverage.filter(isCoverageGap).map((g) => ({
    accountId: g.accountId,
    region: g.region,
    service: g.service,
    operation: g.operation,
    status: g.status,
    resourceTypes: g.resourceTypes,
    errorCode: g.errorCode,
    errorMessage: g.errorMessage === null || g.errorMessage === undefined ? null : clip(g.errorMessage, 300),
  }));
  const running = ctx.scheduler.running;
  return {
    ...scanJson(s),
    findings: ctx.store.findingCounts(s.id),
    resources: ctx.store.countResources(s.id),
    coverage: { units: coverage.length, gaps },
    progress:
      running && running.scanId === s.id
        ? { unitsPlanned: running.unitsPlanned, unitsDone: running.unitsDone }
        : null,
  };
}

function registerStartScan(app: FastifyInstance, ctx: ApiContext): void {
  app.post<{ Body: { schedule: string } }>(
    "/api/scans",
    {
      schema: {
        body: {
          type: "object",
          additionalProperties: false,
          required: ["schedule"],
          properties: { schedule: { type: "string", maxLength: 64 } },
        },
        response: {
          202: {
            type: "object",
            properties: { scanId: { type: "integer" }, schedule: { type: "string" } },
            required: ["scanId", "schedule"],
          },
          "4xx": errorSchema,
          "5xx": errorSchema,
        },
      },
    },
    async (req, reply) => {
      const r = await ctx.scheduler.trigger(req.body.schedule, "request");
      switch (r.status) {
        case "started":
          return reply.code(202).send({ scanId: r.scanId, schedule: req.body.schedule });
        case "busy":
          return reply.code(409).send({ error: `scan ${r.scanId} is running`, scanId: r.scanId });
        case "unknown-schedule":
          return error(reply, 404, `no schedule "${clip(req.body.schedule, 64)}"`);
        case "stopping":
          return error(reply, 503, "the service is stopping");
        case "failed":
          return error(reply, 500, "the scan could not start; see the service log");
      }
    },
  );
}

/** The cursor of a findings page (the last finding's id): opaque to clients, checked on the way back in. */
function encodeCursor(findingId: number): string {
  return Buffer.from(`f${findingId}`).toString("base64url");
}

function decodeCursor(c: string): number | undefined {
  const m = /^f([1-9][0-9]{0,15})$/.exec(Buffer.from(c, "base64url").toString("utf8"));
  return m ? Number(m[1]) : undefined;
}

interface FindingsQuery {
  scan?: number;
  status?: string;
  severity?: Severity;
  rule?: string;
  account?: string;
  region?: string;
  type?: string;
  limit: number;
  cursor?: string;
}

const list = (v: string | undefined): string[] | undefined => {
  const items = (v ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length > 0 ? items : undefined;
};

/** A finding as the API shows it: the finding document's finding, its row id and its evidence page. */
export function apiFinding(f: FindingDocRow, waived: WaiverLookup): Record<string, unknown> {
  return { id: f.id, ...findingDoc(f, waiverOf(f, waived)), links: { evidence: `/findings/${f.id}` } };
}

function registerFindings(app: FastifyInstance, ctx: ApiContext): void {
  const csvOf = (values: readonly string[]): string => `^(${values.join("|")})(,(${values.join("|")}))*$`;
  app.get<{ Querystring: FindingsQuery }>(
    "/api/findings",
    {
      schema: {
        querystring: strictQuery({
          scan: SCAN_PARAM,
          status: { type: "string", pattern: csvOf(STATUSES), description: "default FAIL,UNKNOWN" },
          severity: { enum: [...SEVERITIES], description: "at or above" },
          rule: { type: "string", maxLength: 4096 },
          account: { type: "string", maxLength: 4096 },
          region: { type: "string", maxLength: 4096 },
          type: { type: "string", maxLength: 4096 },
          limit: { type: "integer", minimum: 1, maximum: MAX_PAGE, default: 100 },
          cursor: { type: "string", maxLength: 200 },
        }),
        response: { 200: anyObject, "4xx": errorSchema },
      },
    },
    (req, reply) => {
      const q = req.query;
      const scan = scanFor(ctx.store, q.scan);
      if (!scan) return error(reply, 404, q.scan ? `no scan ${q.scan}` : "no complete scan yet");
      const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
      if (q.cursor !== undefined && (after === undefined || ctx.store.getFinding(after)?.scanId !== scan.id))
        return error(reply, 400, "cursor is not one this API gave for this scan");
      const selection: FindingFilter = {
        statuses: (list(q.status) ?? ["FAIL", "UNKNOWN"]) as Status[],
        ...(q.severity ? { minSeverity: q.severity } : {}),
        ...optional("ruleIds", list(q.rule)),
        ...optional("accountIds", list(q.account)),
        ...optional("regions", list(q.region)),
        ...optional("resourceTypes", list(q.type)),
      };
      // One more than a page: whether there is a next one.
      const rows = [...ctx.store.iterateFindingDocs(scan.id, { ...selection, limit: q.limit + 1 }, after)];
      const page = rows.slice(0, q.limit);
      // The waivers recorded with the scan (applied when it completed, from the settings' file).
      const waived = waiversForOutput(ctx.store, scan.id, undefined, { now: new Date() });
      const last = page.at(-1);
      return {
        dpscanVersion: VERSION,
        scan: {
          id: scan.id,
          status: scan.status,
          complete: scan.status === "complete",
          startedAt: scan.startedAt,
        },
        selection,
        findings: page.map((f) => apiFinding(f, waived)),
        ...(rows.length > q.limit && last ? { next: encodeCursor(last.id) } : {}),
      };
    },
  );
}

function optional<K extends string>(key: K, v: string[] | undefined): Partial<Record<K, string[]>> {
  return v ? ({ [key]: v } as Partial<Record<K, string[]>>) : {};
}

/** GET /api/diff: what `dpscan diff` shows, between two complete scans (default: the two latest). */
function registerDiff(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: { from?: number; to?: number; format?: "json" | "md" } }>(
    "/api/diff",
    {
      schema: {
        querystring: strictQuery({
          from: { ...SCAN_PARAM, description: "the earlier scan (default: the complete scan before `to`)" },
          to: { ...SCAN_PARAM, description: "the later scan (default: the latest complete scan)" },
          format: { enum: ["json", "md"], default: "json" },
        }),
        response: { 400: errorSchema, 404: errorSchema },
      },
    },
    (req, reply) => {
      const q = req.query;
      const complete = (id: number | undefined, name: string): ScanRow | string => {
        const s = id === undefined ? ctx.store.latestCompleteScan() : ctx.store.getScan(id);
        if (!s) return id === undefined ? "no complete scan yet" : `no scan ${id} (${name})`;
        return s.status === "complete"
          ? s
          : `scan ${s.id} (${name}) is ${s.status}: diffs are made of complete scans`;
      };
      const to = complete(q.to, "to");
      if (typeof to === "string") return error(reply, 404, to);
      const from = q.from === undefined ? previousLifecycleScan(ctx.store, to.id) : complete(q.from, "from");
      if (from === undefined)
        return error(reply, 404, `scan ${to.id} is the first complete scan: nothing to compare`);
      if (typeof from === "string") return error(reply, 404, from);
      if (from.id === to.id) return error(reply, 400, "from and to name the same scan");
      if (lifecycleSeq(ctx.store, from.id) > lifecycleSeq(ctx.store, to.id))
        return error(reply, 400, `scan ${from.id} completed after scan ${to.id}: swap from and to`);
      const diff = diffScans(ctx.store, from, to);
      const waived = waiversForOutput(ctx.store, to.id, undefined, { now: new Date() });
      if (q.format === "md")
        return reply.type("text/markdown; charset=utf-8").send(diffMarkdown(diff, waived));
      return reply.type("application/json; charset=utf-8").send(diffJson(diff, waived));
    },
  );
}

function registerRules(app: FastifyInstance, rules: readonly Rule[]): void {
  app.get("/api/rules", { schema: { response: { 200: anyObject } } }, () => ({
    rules: rules.map((r) => ({
      id: r.id,
      title: r.title,
      severity: r.severity,
      resourceTypes: r.resourceTypes,
      references: r.references,
      sha256: r.sha256,
    })),
  }));
}

function registerMetrics(app: FastifyInstance, registry: Registry): void {
  app.get("/metrics", { schema: { response: { 200: { type: "string" } } } }, async (_req, reply) => {
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });
}
