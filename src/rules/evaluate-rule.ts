// Evaluate one rule on one resource record: not applicable (null), or PASS / FAIL / UNKNOWN
// with a sentence a person can act on and the evidence behind it.
import type { JsonObject, ResourceRecord } from "../model/resource.js";
import { boundJson } from "../model/normalize.js";
import { describeUnreadable, evaluateCondition, type EvalContext } from "./conditions/index.js";
import { compilePath, resolvePath, type CompiledPath } from "./paths.js";
import { relatedEvidence, type RelatedIndex } from "./related.js";
import type { ScanFacts } from "./scan-facts.js";
import type { Rule } from "./rule.js";
import { jsonFitsIn } from "../util/json.js";
import { clip } from "../util/text.js";
import { maxSeverity, type Severity, type Status } from "../model/severity.js";

export interface RuleResult {
  status: Status;
  severity: Severity;
  message: string;
  evidence: JsonObject;
}

export interface EvaluateOptions {
  /** Parameter overrides (already validated); defaults come from the rule. */
  params?: Record<string, unknown>;
  /** Evaluation time, for age comparisons. */
  now?: Date;
  /** The scan's reference index, for `related` conditions (without it they are unknown). */
  related?: RelatedIndex;
  /** Facts about the whole scan (the organisation's accounts). */
  scan?: ScanFacts;
}

const MAX_EVIDENCE_CHARS = 64 * 1024;
const MAX_TEMPLATE_VALUE = 200;

export function ruleParams(rule: Rule, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, p] of Object.entries(rule.parameters)) out[k] = k in overrides ? overrides[k] : p.default;
  return out;
}

export function evaluateRule(
  rule: Rule,
  record: ResourceRecord,
  opts: EvaluateOptions = {},
): RuleResult | null {
  if (!rule.resourceTypes.includes(record.resourceType)) return null;
  const ctx: EvalContext = {
    record,
    params: ruleParams(rule, opts.params),
    now: opts.now ?? new Date(),
    ...(opts.related ? { related: opts.related } : {}),
    ...(opts.scan ? { scan: opts.scan } : {}),
  };
  if (rule.appliesWhen) {
    const a = evaluateCondition(rule.appliesWhen, ctx);
    if (a.value === "false") return null;
    if (a.value === "unknown") return unknown(rule, record, a.unknownReasons, ctx);
  }
  const missing: string[] = [];
  for (const p of rule.requires) {
    const r = resolvePath(p, record);
    if (r.kind === "unreadable") missing.push(describeUnreadable(r.at || p.source, r.info));
    else if (r.value === undefined || r.value === null) missing.push(`${p.source} was not collected`);
  }
  if (missing.length > 0) return unknown(rule, record, missing, ctx);
  const o = evaluateCondition(rule.failWhen, ctx);
  if (o.value === "unknown") return unknown(rule, record, o.unknownReasons, ctx);
  const status: Status = o.value === "true" ? "FAIL" : "PASS";
  const detail = o.details.join("; ");
  return {
    status,
    severity: status === "FAIL" ? classSeverity(rule, o.classes ?? []) : rule.severity,
    message: render(status === "FAIL" ? rule.messages.fail : rule.messages.pass, ctx, detail),
    evidence: evidence(rule, ctx, status === "FAIL" ? o.evidence : {}),
  };
}

/** The rule's severity, raised by its severityByClass for each class the predicates reported. */
function classSeverity(rule: Rule, classes: readonly string[]): Severity {
  return classes.reduce<Severity>((s, c) => maxSeverity(s, rule.severityByClass[c]), rule.severity);
}

function unknown(rule: Rule, record: ResourceRecord, reasons: string[], ctx: EvalContext): RuleResult {
  // Paths that read the same unreadable fact give the same reason: say it once.
  const why =
    reasons.length > 0 ? [...new Set(reasons)].join("; ") : "required facts could not be determined";
  return {
    status: "UNKNOWN",
    severity: rule.severity,
    message: `Cannot evaluate ${rule.id} for ${label(record, ctx)}: ${why}`,
    evidence: evidence(rule, ctx, { unknownReasons: reasons }),
  };
}

function label(record: ResourceRecord, _ctx: EvalContext): string {
  return `${record.resourceType} ${clipValue(record.resourceId)}`;
}

function evidence(rule: Rule, ctx: EvalContext, extra: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const p of rule.evidence) {
    const r = resolvePath(p, ctx.record);
    out[p.source] =
      r.kind === "unreadable" ? { unreadable: describeUnreadable(r.at, r.info) } : boundJson(r.value);
  }
  for (const c of rule.relatedEvidence)
    if (c.kind === "related") Object.assign(out, relatedEvidence(c.spec, ctx));
  Object.assign(out, extra);
  // The store serialises the evidence: only serialise it here when it might be too long.
  if (jsonFitsIn(out, MAX_EVIDENCE_CHARS)) return out;
  const text = JSON.stringify(out);
  if (text.length > MAX_EVIDENCE_CHARS) {
    return {
      truncated: true,
      note: `evidence of ${text.length} characters exceeded ${MAX_EVIDENCE_CHARS}`,
      head: text.slice(0, 4096),
    };
  }
  return out;
}

type Part = string | { detail: true } | { param: string } | { path: CompiledPath };

// A rule's few templates are split into parts once, not re-scanned for every record.
const templates = new Map<string, Part[]>();

function templateParts(template: string): Part[] {
  const hit = templates.get(template);
  if (hit) return hit;
  const parts: Part[] = [];
  let last = 0;
  for (const m of template.matchAll(/\{([^{}]+)\}/g)) {
    if (m.index > last) parts.push(template.slice(last, m.index));
    const name = (m[1] ?? "").trim();
    if (name === "detail") parts.push({ detail: true });
    else if (name.startsWith("param.")) parts.push({ param: name.slice(6) });
    else parts.push({ path: compilePath(name) });
    last = m.index + m[0].length;
  }
  if (last < template.length) parts.push(template.slice(last));
  templates.set(template, parts);
  return parts;
}

/** Fill {path}, {param.NAME} and {detail}; values are clipped so hostile names cannot flood a report. */
export function render(template: string, ctx: EvalContext, detail: string): string {
  let out = "";
  for (const part of templateParts(template)) {
    if (typeof part === "string") out += part;
    else if ("detail" in part) out += detail;
    else if ("param" in part) out += clipValue(show(ctx.params[part.param]));
    else {
      const r = resolvePath(part.path, ctx.record);
      out += r.kind === "unreadable" ? "(unreadable)" : clipValue(show(r.value));
    }
  }
  return out;
}

function show(v: unknown): string {
  if (v === undefined || v === null) return "(none)";
  if (typeof v === "string") return v;
  return JSON.stringify(v);
}

function clipValue(s: string): string {
  return clip(s, MAX_TEMPLATE_VALUE);
}
