// The waivers file (accepted risk): its JSON Schema (published as schemas/waivers.schema.json),
// loading with file:line:col errors, and matching waivers to findings. A waiver covers FAIL and
// UNKNOWN results alike; an expired one stops applying and is reported, and one that matched
// nothing in a scan is reported as stale. A waiver without an expiry, or longer than the maximum
// (default 365 days, `waiverMaxDays` in the settings file), is an error: acceptance is never open-ended.
import { createHash } from "node:crypto";
import { Ajv } from "ajv";
import { WHOLE_SCOPE_ID } from "../model/finding.js";
import type { JsonObject } from "../model/resource.js";
import { waiverState, type Waiver, type WaiverSet } from "../model/waiver.js";
import { globMatch } from "../policy/glob.js";
import { InputError } from "../util/errors.js";
import { issueLines, schemaIssues, type SchemaIssue } from "../util/schema-errors.js";
import { closest } from "../util/suggest.js";
import { readSourceFile, type SourceDoc } from "../util/yaml-source.js";

export const DEFAULT_WAIVER_MAX_DAYS = 365;
const DAY_MS = 86_400_000;
const DATE = "^\\d{4}-\\d{2}-\\d{2}$";
const nonBlank = (description: string, maxLength = 2000): JsonObject => ({
  type: "string",
  pattern: "\\S",
  maxLength,
  description,
});

/** The waivers file's JSON Schema. */
export function waiversSchema(): JsonObject {
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: "https://dpscan.dev/schemas/waivers.schema.json",
    title: "dpscan waivers (accepted risk)",
    type: "object",
    additionalProperties: false,
    required: ["waivers"],
    properties: {
      waivers: {
        type: "array",
        description: "Each entry waives the findings it matches (all given fields must match)",
        items: {
          type: "object",
          additionalProperties: false,
          required: ["rule", "justification", "approver", "expires"],
          properties: {
            rule: nonBlank("rule ID or glob (* any run of characters, ? one character)", 200),
            account: {
              type: "string",
              pattern: "^[0-9*?]{1,12}$",
              description: "12-digit account ID or glob",
            },
            region: nonBlank("region (global for global resources) or glob", 64),
            resource: nonBlank("resource ARN, resource ID, or a glob matched against both", 2048),
            tags: {
              type: "object",
              description: "resource tags that must all match (values may be globs)",
              additionalProperties: { type: "string" },
            },
            justification: nonBlank("why the risk is accepted"),
            approver: nonBlank("who accepted it (a person or a team address)", 200),
            expires: { type: "string", pattern: DATE, description: "last day it applies (YYYY-MM-DD, UTC)" },
            created: { type: "string", pattern: DATE, description: "day it was approved (YYYY-MM-DD)" },
          },
        },
      },
    },
  };
}

const validate = new Ajv({ allErrors: true, strict: false, verbose: true }).compile(waiversSchema());

export interface WaiverLoadOptions {
  /** The evaluation time: expiry and maximum duration count from its day. */
  now: Date;
  /** Longest allowed waiver in days (default 365). */
  maxDays?: number;
  /** Rule IDs that exist: a rule or glob matching none of them is an error, not a silent no-op. */
  ruleIds: readonly string[];
}

/** Read and check a waivers file; every problem is reported at once, as file:line:col lines. */
export function loadWaivers(file: string, opts: WaiverLoadOptions): WaiverSet {
  const src = readSourceFile(file);
  const data = src.data ?? {};
  if (!validate(data)) throw new InputError(issueLines(src, schemaIssues(validate.errors ?? [])));
  const entries = (data as { waivers: Omit<Waiver, "position" | "source">[] }).waivers;
  const issues: SchemaIssue[] = [];
  const waivers = entries.map((e, i) => {
    issues.push(...entryIssues(e, i, opts));
    return { ...e, position: i, source: src.where(["waivers", i]) };
  });
  if (issues.length > 0) throw new InputError(issueLines(src, issues));
  return { file, sha256: sha256Of(src), waivers };
}

function sha256Of(src: SourceDoc): string {
  return createHash("sha256").update(JSON.stringify(src.data)).digest("hex");
}

const isGlob = (s: string): boolean => /[*?]/.test(s);
const dayOf = (d: Date): number => Date.parse(d.toISOString().slice(0, 10));

/** Checks the schema cannot express: real dates, the maximum duration, known rules and accounts. */
function entryIssues(
  e: Omit<Waiver, "position" | "source">,
  i: number,
  opts: WaiverLoadOptions,
): SchemaIssue[] {
  const at = (field: string, message: string): SchemaIssue => ({ path: ["waivers", i, field], message });
  const out: SchemaIssue[] = [];
  const maxDays = opts.maxDays ?? DEFAULT_WAIVER_MAX_DAYS;
  const expires = Date.parse(e.expires);
  const created = e.created === undefined ? undefined : Date.parse(e.created);
  if (!realDate(e.expires)) out.push(at("expires", `"${e.expires}" is not a calendar date`));
  if (e.created !== undefined && !realDate(e.created))
    out.push(at("created", `"${e.created}" is not a calendar date`));
  const today = dayOf(opts.now);
  if (created !== undefined && created > today)
    out.push(at("created", `${e.created} is in the future (today is ${isoDay(today)})`));
  const from = created ?? today;
  const days = Math.round((expires - from) / DAY_MS) + 1;
  if (realDate(e.expires) && days > maxDays)
    out.push(
      at(
        "expires",
        `waiver lasts ${days} days from ${isoDay(from)}; at most ${maxDays} are allowed (waiverMaxDays)`,
      ),
    );
  if (created !== undefined && expires < created) out.push(at("expires", "is before created"));
  if (!isGlob(e.rule) && !opts.ruleIds.includes(e.rule)) {
    const near = closest(e.rule, opts.ruleIds);
    out.push(at("rule", `no rule "${e.rule}"${near ? ` (did you mean "${near}"?)` : ""}`));
  } else if (isGlob(e.rule) && !opts.ruleIds.some((r) => globMatch(e.rule, r, false)))
    out.push(at("rule", `"${e.rule}" matches no rule`));
  if (e.account !== undefined && !isGlob(e.account) && e.account.length !== 12)
    out.push(at("account", `"${e.account}" is not a 12-digit account ID`));
  return out;
}

function realDate(s: string): boolean {
  const t = Date.parse(`${s}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === s;
}

const isoDay = (t: number): string => new Date(t).toISOString().slice(0, 10);

/** What a waiver is matched against: a finding, and its resource's tags when it has a resource. */
export interface WaivableFinding {
  ruleId: string;
  accountId: string;
  region: string;
  resourceId: string;
  arn: string | null;
}

/** Whether every field the waiver gives matches the finding. */
export function waiverMatches(
  w: Waiver,
  f: WaivableFinding,
  tags: Record<string, string> | undefined,
): boolean {
  const g = (pattern: string | undefined, value: string): boolean =>
    pattern === undefined || globMatch(pattern, value, false);
  if (!g(w.rule, f.ruleId) || !g(w.account, f.accountId) || !g(w.region, f.region)) return false;
  if (w.resource !== undefined && !globMatch(w.resource, f.resourceId, false)) {
    if (f.arn === null || !globMatch(w.resource, f.arn, false)) return false;
  }
  if (w.tags && Object.keys(w.tags).length > 0) {
    // A coverage gap stands for resources nobody saw: their tags are unknown, so tags never match it.
    if (!tags || f.resourceId === WHOLE_SCOPE_ID) return false;
    for (const [k, v] of Object.entries(w.tags))
      if (tags[k] === undefined || !globMatch(v, tags[k], false)) return false;
  }
  return true;
}

/** A waiver's outcome in one scan. */
export interface WaiverOutcome {
  waiver: Waiver;
  state: ReturnType<typeof waiverState>;
  /** FAIL/UNKNOWN results it matches (an expired waiver: that it would have matched). */
  matched: number;
}

/**
 * Applies waivers to a scan's results: the first active waiver that matches covers a result;
 * every waiver counts the results it matches, so outcomes tell stale and expired ones apart.
 */
export class WaiverMatcher {
  private readonly counts: number[];
  private readonly states: ReturnType<typeof waiverState>[];

  constructor(
    readonly set: WaiverSet,
    readonly now: Date,
  ) {
    this.counts = set.waivers.map(() => 0);
    this.states = set.waivers.map((w) => waiverState(w, now));
  }

  /** Whether any waiver needs resource tags (so callers read them only then). */
  get needsTags(): boolean {
    return this.set.waivers.some((w) => w.tags && Object.keys(w.tags).length > 0);
  }

  /** The active waiver covering a FAIL or UNKNOWN result, if any. */
  match(f: WaivableFinding & { status: string }, tags?: Record<string, string>): Waiver | undefined {
    if (f.status === "PASS") return undefined;
    let covering: Waiver | undefined;
    this.set.waivers.forEach((w, i) => {
      if (!waiverMatches(w, f, tags)) return;
      this.counts[i] = (this.counts[i] ?? 0) + 1;
      if (!covering && this.states[i] === "active") covering = w;
    });
    return covering;
  }

  outcomes(): WaiverOutcome[] {
    return this.set.waivers.map((waiver, i) => ({
      waiver,
      state: this.states[i] ?? "active",
      matched: this.counts[i] ?? 0,
    }));
  }
}

/** Outcomes that need a person's attention: expired waivers, and active ones that matched nothing. */
export function waiverProblems(outcomes: readonly WaiverOutcome[]): {
  expired: WaiverOutcome[];
  stale: WaiverOutcome[];
} {
  return {
    expired: outcomes.filter((o) => o.state === "expired"),
    stale: outcomes.filter((o) => o.state === "active" && o.matched === 0),
  };
}
