// Load reports/frameworks/*.yaml: structural validation against the published schema, then the
// cross-checks only the loader can make (rule IDs against the loaded rule set, source IDs,
// unique requirement IDs). Every problem is "file:line:col: field: message", all at once.
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { readBoundedText } from "../util/bounded-read.js";
import { basename, join } from "node:path";
import { Ajv } from "ajv";
import type { Severity } from "../model/severity.js";
import type { Rule } from "../rules/rule.js";
import { InputError } from "../util/errors.js";
import { issueLines, schemaIssues } from "../util/schema-errors.js";
import { suggest } from "../util/suggest.js";
import { formatPath, MAX_SOURCE_BYTES, parseSource, type PathSegment } from "../util/yaml-source.js";
import { frameworkSchema } from "./framework-schema.js";

export interface FrameworkSource {
  id: string;
  title: string;
  url: string;
}

export interface Requirement {
  id: string;
  title: string;
  description: string | null;
  /** Rule IDs that evidence it; empty for manual requirements and pure headings. */
  rules: string[];
  sources: string[];
  rationale: string | null;
  limits: string | null;
  /** Set when dpscan cannot assess it: what the assessor examines instead. */
  manual: string | null;
  requirements: Requirement[];
}

/** What a report needs of each rule a framework names, taken from the loaded rule set. */
export interface FrameworkRule {
  id: string;
  title: string;
  severity: Severity;
  resourceTypes: string[];
  remediation: string;
  sha256: string;
}

export interface Framework {
  id: string;
  title: string;
  standard: string;
  version: string;
  publisher: string;
  url: string;
  description: string;
  sources: FrameworkSource[];
  decisions: string[];
  requirements: Requirement[];
  /** The rules the framework names, by ID. */
  rules: ReadonlyMap<string, FrameworkRule>;
  file: string;
  sha256: string;
}

const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
const validate = ajv.compile(frameworkSchema());

export function defaultFrameworksDir(): string {
  return new URL("../../reports/frameworks/", import.meta.url).pathname;
}

/** Every framework in a directory, checked against `rules`; all files' errors before failing. */
export function loadFrameworks(rules: readonly Rule[], dir = defaultFrameworksDir()): Framework[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith(".yaml") || n.endsWith(".yml"));
  } catch (err) {
    throw new InputError([
      `${dir}: cannot read frameworks directory: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    ]);
  }
  const out: Framework[] = [];
  const lines: string[] = [];
  for (const name of names.sort()) {
    const file = join(dir, name);
    try {
      const text = readBoundedText(file, MAX_SOURCE_BYTES, { what: "a framework file" });
      out.push(parseFramework(file, text, rules));
    } catch (err) {
      if (err instanceof InputError) lines.push(...err.lines);
      else throw err;
    }
  }
  if (lines.length > 0) throw new InputError(lines);
  return out;
}

interface RawRequirement {
  id: string;
  title: string;
  description?: string;
  rules?: string[];
  sources?: string[];
  rationale?: string;
  limits?: string;
  manual?: string;
  requirements?: RawRequirement[];
}

export function parseFramework(file: string, text: string, rules: readonly Rule[]): Framework {
  const src = parseSource(file, text);
  if (!validate(src.data)) throw new InputError(issueLines(src, schemaIssues(validate.errors ?? [])));
  const d = src.data as Omit<Framework, "requirements" | "rules" | "file" | "sha256"> & {
    requirements: RawRequirement[];
  };
  const lines: string[] = [];
  const report = (path: PathSegment[], message: string): void => {
    lines.push(`${src.where(path)}: ${formatPath(path)}: ${message}`);
  };
  const stem = basename(file).replace(/\.ya?ml$/, "");
  if (stem !== d.id)
    report(["id"], `framework id "${d.id}" does not match the file name (expected ${d.id}.yaml)`);
  const sourceIds = checkSources(d.sources, report);
  const byId = new Map(rules.map((r) => [r.id, r]));
  const checker = new RequirementChecker(report, sourceIds, byId);
  const requirements = d.requirements.map((r, i) => checker.check(r, ["requirements", i]));
  if (lines.length > 0) throw new InputError([...new Set(lines)]);
  const named = new Map<string, FrameworkRule>();
  for (const id of [...checker.used].sort()) {
    const r = byId.get(id) as Rule;
    named.set(id, {
      id,
      title: r.title,
      severity: r.severity,
      resourceTypes: r.resourceTypes,
      remediation: r.remediation.trim(),
      sha256: r.sha256,
    });
  }
  return {
    id: d.id,
    title: d.title,
    standard: d.standard,
    version: d.version,
    publisher: d.publisher,
    url: d.url,
    description: d.description.trim(),
    sources: d.sources,
    decisions: (d.decisions ?? []).map((s) => s.trim()),
    requirements,
    rules: named,
    file,
    sha256: createHash("sha256").update(text).digest("hex"),
  };
}

function checkSources(
  sources: FrameworkSource[],
  report: (path: PathSegment[], message: string) => void,
): Set<string> {
  const ids = new Set<string>();
  sources.forEach((s, i) => {
    if (ids.has(s.id)) report(["sources", i, "id"], `duplicate source id "${s.id}"`);
    ids.add(s.id);
  });
  return ids;
}

/** The checks of one requirement tree: IDs unique, rules known, each node says how it is assessed. */
class RequirementChecker {
  readonly used = new Set<string>();
  private readonly seen = new Set<string>();

  constructor(
    private readonly report: (path: PathSegment[], message: string) => void,
    private readonly sourceIds: ReadonlySet<string>,
    private readonly rules: ReadonlyMap<string, Rule>,
  ) {}

  check(r: RawRequirement, at: PathSegment[]): Requirement {
    if (this.seen.has(r.id)) this.report([...at, "id"], `duplicate requirement id "${r.id}"`);
    this.seen.add(r.id);
    this.checkKind(r, at);
    (r.rules ?? []).forEach((id, i) => {
      if (this.rules.has(id)) this.used.add(id);
      else this.report([...at, "rules", i], `unknown rule "${id}"${suggest(id, [...this.rules.keys()])}`);
    });
    (r.sources ?? []).forEach((id, i) => {
      if (!this.sourceIds.has(id))
        this.report([...at, "sources", i], `unknown source "${id}"${suggest(id, [...this.sourceIds])}`);
    });
    return {
      id: r.id,
      title: oneLine(r.title),
      description: r.description ? oneLine(r.description) : null,
      rules: r.rules ?? [],
      sources: r.sources ?? [],
      rationale: r.rationale ? oneLine(r.rationale) : null,
      limits: r.limits ? oneLine(r.limits) : null,
      manual: r.manual ? oneLine(r.manual) : null,
      requirements: (r.requirements ?? []).map((c, i) => this.check(c, [...at, "requirements", i])),
    };
  }

  /** A node is assessed by rules or is manual (never both), or is a heading over sub-requirements. */
  private checkKind(r: RawRequirement, at: PathSegment[]): void {
    const hasRules = r.rules !== undefined;
    if (hasRules && r.manual !== undefined)
      this.report(at, `requirement "${r.id}" has both rules and manual: it is one or the other`);
    if (!hasRules && r.manual === undefined && r.requirements === undefined)
      this.report(at, `requirement "${r.id}" needs rules, manual or sub-requirements`);
    if (hasRules && r.sources === undefined)
      this.report(at, `requirement "${r.id}" maps rules without sources: cite where the mapping comes from`);
    if (hasRules && r.rationale === undefined)
      this.report(at, `requirement "${r.id}" maps rules without a rationale`);
    for (const field of ["sources", "rationale", "limits"] as const)
      if (!hasRules && r[field] !== undefined)
        this.report([...at, field], `${field} belongs to a requirement with rules`);
  }
}

/** YAML folded text as one line (trailing newline and doubled spaces removed). */
function oneLine(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}

/** Requirements depth first, each with its depth and parent's ID. */
export function* walkRequirements(
  reqs: readonly Requirement[],
  depth = 0,
  parent: string | null = null,
): Generator<{ requirement: Requirement; depth: number; parent: string | null }> {
  for (const r of reqs) {
    yield { requirement: r, depth, parent };
    yield* walkRequirements(r.requirements, depth + 1, r.id);
  }
}

export interface RuleMapping {
  framework: string;
  requirement: string;
  title: string;
}

/** For each rule ID, the requirements it evidences across frameworks (for `rules show` and `list`). */
export function requirementsByRule(frameworks: readonly Framework[]): Map<string, RuleMapping[]> {
  const out = new Map<string, RuleMapping[]>();
  for (const f of frameworks) {
    for (const { requirement } of walkRequirements(f.requirements)) {
      for (const id of requirement.rules) {
        const list = out.get(id) ?? [];
        list.push({ framework: f.id, requirement: requirement.id, title: requirement.title });
        out.set(id, list);
      }
    }
  }
  return out;
}
