// Load rules/*.yaml: structural validation (ajv), condition compilation, example records.
// Every problem is reported as "file:line:col: field: message"; nothing is silently ignored.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import type { JsonObject } from "../model/resource.js";
import { isKnownResourceType } from "../model/resource-types.js";
import { referencesOf, referenceTarget } from "../model/references.js";
import { ItemError, normalizeItem } from "../model/normalize.js";
import { readBoundedText } from "../util/bounded-read.js";
import { InputError } from "../util/errors.js";
import { schemaIssues } from "../util/schema-errors.js";
import { suggest } from "../util/suggest.js";
import {
  formatPath,
  MAX_SOURCE_BYTES,
  parseSource,
  type PathSegment,
  type SourceDoc,
} from "../util/yaml-source.js";
import {
  checkOperand,
  compileCondition,
  type CompileEnv,
  type Condition,
  type ConditionIssue,
  type PredicateDef,
} from "./conditions/index.js";
import { EXAMPLES_NOW, exampleErrors } from "./examples.js";
import { compilePath, PathError } from "./paths.js";
import { PREDICATES } from "./predicates/index.js";
import type { Rule, RuleExample, RuleParameter } from "./rule.js";
import { structuralRuleSchema, type Expectation } from "./schema.js";
import type { Severity } from "../model/severity.js";
import { VERSION } from "../version.js";

// verbose: errors carry their schema, so an unknown field can say what it may have meant.
const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
const validateStructure = ajv.compile(structuralRuleSchema);
const argValidators = new Map<string, ReturnType<typeof ajv.compile>>();

export function defaultRulesDir(): string {
  return new URL("../../rules/", import.meta.url).pathname;
}

/** Rule files (by sha256) whose examples held in this process: each file's examples run once. */
const examplesHeld = new Set<string>();

let examplesCache: string | null | undefined;

/**
 * Where rule files whose examples held are remembered across runs (running them costs a few
 * hundred milliseconds): the user's cache directory, under a fingerprint of this dpscan's
 * version and of the code that judges (rules, policy, model), so changed code runs them again.
 */
function examplesCacheDir(): string | null {
  if (examplesCache !== undefined) return examplesCache;
  try {
    const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
    const here = dirname(fileURLToPath(import.meta.url));
    const h = createHash("sha256").update(VERSION);
    for (const dir of [
      here,
      join(here, "conditions"),
      join(here, "predicates"),
      join(here, "../policy"),
      join(here, "../model"),
    ])
      for (const name of readdirSync(dir).sort()) {
        const st = statSync(join(dir, name));
        if (st.isFile()) h.update(`${dir}/${name}:${st.size}:${st.mtimeMs}\n`);
      }
    examplesCache = join(base, "dpscan", "examples", h.digest("hex").slice(0, 32));
  } catch {
    examplesCache = null;
  }
  return examplesCache;
}

export interface LoadRulesOptions {
  /**
   * Refuse rules whose own examples do not hold (default). Only `rules test`, which reports each
   * example itself, turns this off.
   */
  checkExamples?: boolean;
}

/**
 * Load every rule in a directory; all files' errors are collected before failing, and a rule whose
 * examples do not hold is refused like a malformed one (it would judge resources wrongly).
 */
export function loadRules(dir = defaultRulesDir(), opts: LoadRulesOptions = {}): Rule[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith(".yaml") || n.endsWith(".yml"));
  } catch (err) {
    throw new InputError([
      `${dir}: cannot read rules directory: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    ]);
  }
  if (names.length === 0) throw new InputError([`${dir}: no rule files (*.yaml) in this rules directory`]);
  const rules: Rule[] = [];
  const lines: string[] = [];
  const seen = new Map<string, string>();
  for (const name of names.sort()) {
    const file = join(dir, name);
    try {
      const rule = loadRuleFile(file);
      const prev = seen.get(rule.id);
      if (prev) throw new InputError([`${file}: duplicate rule id "${rule.id}" (also in ${prev})`]);
      seen.set(rule.id, file);
      rules.push(rule);
    } catch (err) {
      if (err instanceof InputError) lines.push(...err.lines);
      else throw err;
    }
  }
  if (opts.checkExamples !== false) lines.push(...checkExamples(rules));
  if (lines.length > 0) throw new InputError(lines);
  return rules;
}

/** Lines for the examples that do not hold, running each rule file's examples once per process. */
export function checkExamples(rules: readonly Rule[]): string[] {
  const lines: string[] = [];
  const cache = examplesCacheDir();
  for (const r of rules.filter((x) => !examplesHeld.has(x.sha256))) {
    if (cache && existsSync(join(cache, r.sha256))) {
      examplesHeld.add(r.sha256);
      continue;
    }
    const problems = exampleErrors([r]);
    lines.push(...problems);
    if (problems.length > 0) continue;
    examplesHeld.add(r.sha256);
    try {
      if (cache) {
        mkdirSync(cache, { recursive: true });
        writeFileSync(join(cache, r.sha256), "");
      }
    } catch {
      // A read-only home only costs the next run the time to run the examples again.
    }
  }
  return lines;
}

export function loadRuleFile(file: string): Rule {
  return parseRule(file, readBoundedText(file, MAX_SOURCE_BYTES, { what: "a rule file" }));
}

export function parseRule(file: string, text: string): Rule {
  const src = parseSource(file, text);
  const lines: string[] = [];
  const report = (path: PathSegment[], message: string, key?: string): void => {
    lines.push(`${src.where(path, key)}: ${formatPath(key ? [...path, key] : path)}: ${message}`);
  };
  const doc = src.data;
  if (!validateStructure(doc)) {
    for (const i of schemaIssues(validateStructure.errors ?? [])) report(i.path, i.message, i.key);
    throw new InputError(dedupe(lines));
  }
  const d = doc as Record<string, unknown> & JsonObject;
  const expectedName = `${String(d.id)}.yaml`;
  if (basename(file) !== expectedName && basename(file) !== `${String(d.id)}.yml`) {
    report(["id"], `rule id "${String(d.id)}" does not match the file name (expected ${expectedName})`);
  }
  const resourceTypes = d.resourceTypes as string[];
  resourceTypes.forEach((t, i) => {
    if (!isKnownResourceType(t)) report(["resourceTypes", i], `unknown resource type "${t}"`);
  });
  const parameters = (d.parameters ?? {}) as unknown as Record<string, RuleParameter>;
  for (const [name, p] of Object.entries(parameters)) {
    if (!typeMatches(p.type, p.default))
      report(["parameters", name, "default"], `default must be of type ${p.type}`);
  }
  const paramNames = new Set(Object.keys(parameters));
  const compilePaths = (field: "requires" | "evidence") =>
    ((d[field] ?? []) as unknown[]).flatMap((p, i) => {
      if (typeof p !== "string") return []; // a related evidence entry, compiled below
      try {
        return [compilePath(p)];
      } catch (err) {
        if (!(err instanceof PathError)) throw err;
        report([field, i], `malformed path: ${err.message}`);
        return [];
      }
    });
  const requires = compilePaths("requires");
  const evidence = compilePaths("evidence");
  const env: CompileEnv = {
    predicates: PREDICATES,
    params: paramNames,
    issues: [],
    checkArgs,
    resourceTypes,
  };
  const appliesWhen =
    d.appliesWhen === undefined ? undefined : compileCondition(d.appliesWhen, ["appliesWhen"], env);
  const failWhen = compileCondition(d.failWhen, ["failWhen"], env);
  const relatedEvidence = compileRelatedEvidence(d.evidence, env);
  for (const i of env.issues) report(i.path, i.message, i.key);
  const severityByClass = (d.severityByClass ?? {}) as Rule["severityByClass"];
  if (failWhen) checkClasses(severityByClass, failWhen, report);
  checkTemplates(d.messages as Record<string, string>, paramNames, report);
  const examples = compileExamples(src, d, resourceTypes, parameters, report);
  if (lines.length > 0 || !failWhen) throw new InputError(dedupe(lines));
  return {
    id: d.id as string,
    title: d.title as string,
    severity: d.severity as Severity,
    resourceTypes,
    description: d.description as string,
    rationale: d.rationale as string,
    remediation: d.remediation as string,
    references: (d.references ?? {}) as Rule["references"],
    parameters,
    requires,
    ...(appliesWhen ? { appliesWhen } : {}),
    failWhen,
    severityByClass,
    messages: d.messages as Rule["messages"],
    evidence,
    relatedEvidence,
    examples,
    file,
    sha256: createHash("sha256").update(text).digest("hex"),
    source: d,
  };
}

/** Every class severityByClass maps must be one that a predicate in failWhen can report. */
function checkClasses(
  severityByClass: Rule["severityByClass"],
  failWhen: Condition,
  report: (path: PathSegment[], message: string, key?: string) => void,
): void {
  const reportable = [...new Set(predicateClasses(failWhen))];
  for (const cls of Object.keys(severityByClass)) {
    if (reportable.includes(cls)) continue;
    const known =
      reportable.length > 0
        ? `failWhen can report: ${reportable.join(", ")}`
        : "failWhen uses no predicate that reports classes";
    report(["severityByClass"], `unknown class "${cls}"${suggest(cls, reportable)}; ${known}`, cls);
  }
}

function predicateClasses(c: Condition): readonly string[] {
  switch (c.kind) {
    case "all":
    case "any":
      return c.items.flatMap(predicateClasses);
    case "not":
      return predicateClasses(c.item);
    case "predicate":
      return c.classes;
    case "compare":
    case "related":
      return [];
  }
}

function checkArgs(def: PredicateDef, args: unknown, at: PathSegment[], issues: ConditionIssue[]): boolean {
  let v = argValidators.get(def.name);
  if (!v) {
    v = ajv.compile(def.argsSchema);
    argValidators.set(def.name, v);
  }
  if (v(args)) {
    // Paths inside predicate arguments are compiled here so a typo fails at load time.
    for (const [k, val] of Object.entries(args as Record<string, unknown>)) {
      if (typeof val === "string" && /path$/i.test(k)) {
        try {
          compilePath(val);
        } catch (err) {
          if (!(err instanceof PathError)) throw err;
          issues.push({ path: [...at, k], message: `malformed path: ${err.message}` });
        }
      }
    }
    return !issues.some((i) => i.path.length >= at.length && at.every((s, j) => i.path[j] === s));
  }
  issues.push(...schemaIssues(v.errors ?? [], { base: at }));
  return false;
}

function typeMatches(type: RuleParameter["type"], v: unknown): boolean {
  return type === "array" ? Array.isArray(v) : typeof v === type;
}

const TEMPLATE_VAR = /\{([^{}]+)\}/g;

function checkTemplates(
  messages: Record<string, string>,
  params: ReadonlySet<string>,
  report: (path: PathSegment[], message: string) => void,
): void {
  for (const [k, text] of Object.entries(messages)) {
    for (const m of text.matchAll(TEMPLATE_VAR)) {
      const name = (m[1] as string).trim();
      if (name === "detail") continue;
      if (name.startsWith("param.")) {
        if (!params.has(name.slice(6)))
          report(["messages", k], `template refers to unknown parameter "${name.slice(6)}"`);
        continue;
      }
      try {
        compilePath(name);
      } catch (err) {
        if (!(err instanceof PathError)) throw err;
        report(["messages", k], `template {${name}}: ${err.message}`);
      }
    }
  }
}

function compileExamples(
  src: SourceDoc,
  d: Record<string, unknown>,
  resourceTypes: string[],
  parameters: Record<string, RuleParameter>,
  report: (path: PathSegment[], message: string, key?: string) => void,
): RuleExample[] {
  const out: RuleExample[] = [];
  const raw = d.examples as {
    name: string;
    expect: Expectation;
    params?: Record<string, unknown>;
    resource: unknown;
    related?: unknown[];
  }[];
  const expects = new Set(raw.map((e) => e.expect));
  if (!expects.has("PASS")) report(["examples"], "needs at least one example with expect: PASS");
  if (!expects.has("FAIL")) report(["examples"], "needs at least one example with expect: FAIL");
  raw.forEach((ex, i) => {
    for (const [name, value] of Object.entries(ex.params ?? {})) {
      const p = parameters[name];
      if (!p) report(["examples", i, "params"], `unknown parameter "${name}"`, name);
      else if (!typeMatches(p.type, value))
        report(["examples", i, "params", name], `must be of type ${p.type}`);
    }
    const defaults = {
      awsAccountId: "123456789012",
      awsRegion: "us-east-1",
      captureTime: EXAMPLES_NOW.toISOString(),
    };
    const related: RuleExample["related"] = [];
    (ex.related ?? []).forEach((r, j) => {
      try {
        const record = normalizeItem(r, defaults);
        if (!isKnownResourceType(record.resourceType))
          report(
            ["examples", i, "related", j, "resourceType"],
            `unknown resource type "${record.resourceType}"`,
          );
        related.push(record);
      } catch (err) {
        if (!(err instanceof ItemError)) throw err;
        report(["examples", i, "related", j], err.message);
      }
    });
    try {
      const resource = normalizeItem(ex.resource, { ...defaults, resourceType: resourceTypes[0] as string });
      if (!resourceTypes.includes(resource.resourceType)) {
        report(
          ["examples", i, "resource", "resourceType"],
          `"${resource.resourceType}" is not one of this rule's resourceTypes`,
        );
      }
      out.push({
        name: ex.name,
        expect: ex.expect,
        params: ex.params ?? {},
        resource,
        related,
        where: src.where(["examples", i]),
      });
    } catch (err) {
      if (!(err instanceof ItemError)) throw err;
      report(["examples", i, "resource"], err.message);
    }
  });
  return out;
}

function dedupe(lines: string[]): string[] {
  return [...new Set(lines)];
}

/** Validate a parameter override (from a config file) against the rule's declaration. */
export function checkParamValue(rule: Rule, name: string, value: unknown): string | undefined {
  const p = rule.parameters[name];
  if (!p) return `rule ${rule.id} has no parameter "${name}"`;
  if (!typeMatches(p.type, value)) return `parameter ${rule.id}.${name} must be of type ${p.type}`;
  return checkOperand("eq", value);
}

/**
 * `evidence: [{related: ...}]` entries. A rule over several types lists the links on the types the
 * reference concerns (a policy's attached identities, not a user's), so the direction is checked
 * against those; an entry that concerns none of the rule's types is an error.
 */
function compileRelatedEvidence(raw: unknown, env: CompileEnv): Condition[] {
  const out: Condition[] = [];
  (Array.isArray(raw) ? raw : []).forEach((e: unknown, i) => {
    if (typeof e === "string") return;
    const spec = (e as { related?: { via?: unknown; direction?: unknown } }).related;
    const via = typeof spec?.via === "string" ? spec.via : "";
    const concerned = (env.resourceTypes ?? []).filter((t) =>
      spec?.direction === "reverse"
        ? referenceTarget(via) === t
        : referencesOf(t).some((r) => r.name === via),
    );
    const c = compileCondition(e, ["evidence", i], {
      ...env,
      resourceTypes: concerned.length > 0 ? concerned : (env.resourceTypes ?? []),
    });
    if (c) out.push(c);
  });
  return out;
}
