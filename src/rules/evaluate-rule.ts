// Evaluate one rule on one resource record: not applicable (null), or PASS / FAIL / UNKNOWN
// with a sentence a person can act on and the evidence behind it.
import type { JsonObject, ResourceRecord } from "../model/resource.js";
import { boundJson } from "../model/normalize.js";
import { describeUnreadable, judgeOf, type EvalContext } from "./conditions/index.js";
import { compilePath, readPath, UnreadableAt, type CompiledPath } from "./paths.js";
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
  return prepareRule(rule, opts)(record);
}

/**
 * `evaluateRule` of one rule with these options, for many records: parameters, judges and
 * templates are bound once. `prepareRule(rule, opts)(record)` is `evaluateRule(rule, record, opts)`.
 */
export function prepareRule(
  rule: Rule,
  opts: EvaluateOptions = {},
): (record: ResourceRecord) => RuleResult | null {
  const types = rule.resourceTypes;
  const params = ruleParams(rule, opts.params);
  const now = opts.now ?? new Date();
  const { related, scan } = opts;
  // Only its value and unknown reasons are read.
  const applies = rule.appliesWhen ? judgeOf(rule.appliesWhen, true) : undefined;
  const fails = judgeOf(rule.failWhen);
  const requires = rule.requires;
  const pass = templateParts(rule.messages.pass);
  const fail = templateParts(rule.messages.fail);
  const memo: NonNullable<EvalContext["memo"]> = new Map();
  return (record) => {
    if (!types.includes(record.resourceType)) return null;
    const ctx: EvalContext = related
      ? scan
        ? { record, params, now, related, scan, memo }
        : { record, params, now, related, memo }
      : scan
        ? { record, params, now, scan, memo }
        : { record, params, now, memo };
    if (applies) {
      const a = applies(ctx);
      if (a.value === "false") return null;
      if (a.value === "unknown") return unknown(rule, record, a.unknownReasons, ctx);
    }
    let missing: string[] | undefined;
    for (const p of requires) {
      const v = readPath(p, record);
      if (v instanceof UnreadableAt) (missing ??= []).push(describeUnreadable(v.at || p.source, v.info));
      else if (v === undefined || v === null) (missing ??= []).push(`${p.source} was not collected`);
    }
    if (missing) return unknown(rule, record, missing, ctx);
    const o = fails(ctx);
    if (o.value === "unknown") return unknown(rule, record, o.unknownReasons, ctx);
    const failed = o.value === "true";
    const detail = o.details.length === 0 ? "" : o.details.join("; ");
    return {
      status: failed ? "FAIL" : "PASS",
      severity: failed ? classSeverity(rule, o.classes ?? []) : rule.severity,
      message: fill(failed ? fail : pass, ctx, detail),
      evidence: evidence(rule, ctx, failed ? o.evidence : {}),
    };
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
    const v = readPath(p, ctx.record);
    out[p.source] =
      v instanceof UnreadableAt ? { unreadable: describeUnreadable(v.at, v.info) } : boundJson(v);
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
  return fill(templateParts(template), ctx, detail);
}

function fill(parts: readonly Part[], ctx: EvalContext, detail: string): string {
  let out = "";
  for (const part of parts) {
    if (typeof part === "string") out += part;
    else if ("detail" in part) out += detail;
    else if ("param" in part) out += clipValue(show(ctx.params[part.param]));
    else {
      const v = readPath(part.path, ctx.record);
      out += v instanceof UnreadableAt ? "(unreadable)" : clipValue(show(v));
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
