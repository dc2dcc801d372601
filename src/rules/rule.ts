import type { JsonObject, ResourceRecord } from "../model/resource.js";
import type { Condition } from "./conditions/index.js";
import type { CompiledPath } from "./paths.js";
import type { Expectation } from "./schema.js";
import type { Severity } from "../model/severity.js";

export interface RuleParameter {
  type: "string" | "number" | "boolean" | "array";
  default: unknown;
  description: string;
}

export interface RuleExample {
  name: string;
  expect: Expectation;
  params: Record<string, unknown>;
  resource: ResourceRecord;
  /** Other records of the same scan, for `related` conditions. */
  related: ResourceRecord[];
  /** file:line:col of the example, for `rules test` output. */
  where: string;
}

export interface Rule {
  id: string;
  title: string;
  severity: Severity;
  resourceTypes: string[];
  description: string;
  rationale: string;
  remediation: string;
  references: { awsConfig?: string[]; securityHub?: string[]; urls?: string[] };
  parameters: Record<string, RuleParameter>;
  /**
   * Paths that must have been collected, else UNKNOWN. Needed before a predicate that reads absence
   * as meaningful (no bucket policy fails); redundant for a plain comparison on the same path,
   * which is UNKNOWN on a missing or unreadable fact anyway.
   */
  requires: CompiledPath[];
  appliesWhen?: Condition;
  failWhen: Condition;
  /** A FAIL whose predicates report one of these classes gets at least that severity. */
  severityByClass: Partial<Record<string, Severity>>;
  messages: { pass: string; fail: string };
  evidence: CompiledPath[];
  /** `related` conditions whose linked records are listed in the evidence (never the result). */
  relatedEvidence: Condition[];
  examples: RuleExample[];
  file: string;
  /** sha256 of the rule file, stored with each scan so a report can say which rule text judged it. */
  sha256: string;
  /** The parsed document, for `rules show`. */
  source: JsonObject;
}
