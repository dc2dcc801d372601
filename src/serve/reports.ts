// The framework reports over HTTP: GET /api/reports/{framework}?format=html|json|md|csv&scan=ID,
// built by the report layer exactly as `dpscan report` builds them (the same frameworks and the
// settings file's scopes), streamed in chunks so a large report is never one string. The
// dashboard's requirement summary reads the same models, cached per scan (a stored scan's
// findings do not change once complete).
import { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { inMemory, prepareReport, reportChunks, TEXT_FORMATS, type TextFormat } from "../report/index.js";
import { CSP as REPORT_CSP } from "../report/html-assets.js";
import type { RequirementStatus } from "../report/model.js";
import type { Store } from "../store/store.js";
import { SCAN_PARAM, scanFor, strictQuery, type ApiContext, type ReportSource } from "./context.js";

const CONTENT_TYPES: Record<TextFormat, string> = {
  html: "text/html; charset=utf-8",
  md: "text/markdown; charset=utf-8",
  json: "application/json; charset=utf-8",
  csv: "text/csv; charset=utf-8",
};

export function registerReports(app: FastifyInstance, ctx: ApiContext, source: ReportSource): void {
  app.get<{ Params: { framework: string }; Querystring: { format: TextFormat; scan?: number } }>(
    "/api/reports/:framework",
    {
      schema: {
        params: {
          type: "object",
          required: ["framework"],
          properties: { framework: { type: "string", maxLength: 100 } },
        },
        querystring: strictQuery({
          format: { enum: [...TEXT_FORMATS], default: "html" },
          scan: SCAN_PARAM,
        }),
        response: {
          "4xx": { type: "object", properties: { error: { type: "string" } }, required: ["error"] },
        },
      },
    },
    (req, reply) => {
      const fw = source.frameworks.find((f) => f.id === req.params.framework);
      if (!fw)
        return reply.code(404).send({
          error: `no framework "${req.params.framework.slice(0, 100)}"; known: ${source.frameworks.map((f) => f.id).join(", ")}`,
        });
      const scan = scanFor(ctx.store, req.query.scan);
      if (!scan)
        return reply
          .code(404)
          .send({ error: req.query.scan ? `no scan ${req.query.scan}` : "no complete scan yet" });
      // Sent as the socket drains while other requests read the store: findings read first.
      const model = inMemory(prepareReport(ctx.store, scan.id, fw, source.scopeFor(fw.id)));
      const format = req.query.format;
      reply.type(CONTENT_TYPES[format]);
      if (format === "html") reply.header("content-security-policy", `${REPORT_CSP}; frame-ancestors 'none'`);
      else reply.header("content-disposition", `inline; filename="${fw.id}-scan-${scan.id}.${format}"`);
      return reply.send(Readable.from(reportChunks(model, format)));
    },
  );
}

export interface FrameworkStatus {
  id: string;
  title: string;
  requirements: Record<RequirementStatus, number>;
}

/** Requirement statuses of every framework for one scan, built once per scan. */
export class RequirementSummary {
  private readonly cache = new Map<number, FrameworkStatus[]>();

  constructor(
    private readonly store: Store,
    private readonly source: ReportSource,
  ) {}

  of(scanId: number): FrameworkStatus[] {
    const hit = this.cache.get(scanId);
    if (hit) return hit;
    const statuses = this.source.frameworks.map((fw) => {
      const m = prepareReport(this.store, scanId, fw, this.source.scopeFor(fw.id));
      return { id: fw.id, title: fw.title, requirements: m.summary.requirements };
    });
    if (this.store.getScan(scanId)?.status === "complete") {
      if (this.cache.size > 20) this.cache.clear();
      this.cache.set(scanId, statuses);
    }
    return statuses;
  }
}
