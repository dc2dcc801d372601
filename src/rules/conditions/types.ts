// The shapes shared by the condition compiler, the evaluator and the predicates.
import type { ScanFacts } from "../scan-facts.js";
import type { JsonObject } from "../../model/resource.js";
import type { PathSegment } from "../../util/yaml-source.js";
import type { CompiledPath } from "../paths.js";
import type { Operator } from "./operators.js";

export type Tri = "true" | "false" | "unknown";

export interface Outcome {
  value: Tri;
  /** Why the result is unknown (one line per unreadable or unparseable fact). */
  unknownReasons: string[];
  /** Sentences from predicates that explain the result (true or false), for messages. */
  details: string[];
  evidence: JsonObject;
  /** Classes a predicate found (e.g. "public-unrestricted"); the rule's severityByClass maps them. */
  classes?: string[];
}

export interface EvalContext {
  record: unknown;
  params: Record<string, unknown>;
  now: Date;
  /** The scan's references (a RelatedIndex, src/rules/related.ts); absent: `related` is unknown. */
  related?: RelatedRecords;
  /** Facts about the whole scan (src/rules/scan-facts.ts); absent: none are known. */
  scan?: ScanFacts;
  /**
   * What a prepared rule remembers across its records (src/rules/evaluate-rule.ts): a `related`
   * condition's `where` judged on one target record, the same for every record referring to it
   * while params, now, scan and index stay those of the rule. Absent: nothing is kept.
   */
  memo?: Map<object, Map<unknown, Outcome>>;
}

/** What the condition language knows of the reference index: that it is one (no import cycle). */
export interface RelatedRecords {
  readonly kind: "related-index";
}

/** A predicate compiled from its arguments; evaluation never throws for bad data. */
export type CompiledPredicate = (ctx: EvalContext) => Outcome;

export interface PredicateDef {
  name: string;
  description: string;
  /** JSON Schema of the arguments (published for editors, enforced at load time). */
  argsSchema: JsonObject;
  /** Every class the predicate can report in `Outcome.classes`; a rule may map them to severities. */
  classes?: readonly string[];
  /** The classes it can report with these (validated) arguments, when narrower than `classes`. */
  emits?(args: Record<string, unknown>): readonly string[];
  /** Checks of schema-valid arguments that a schema cannot express (paths inside templates). */
  check?(args: Record<string, unknown>): { at: PathSegment[]; message: string }[];
  compile(args: Record<string, unknown>): CompiledPredicate;
}

export type ValueRef = { literal: unknown } | { param: string };

export type Condition =
  | { kind: "all" | "any"; items: Condition[] }
  | { kind: "not"; item: Condition }
  | { kind: "compare"; path: CompiledPath; op: Operator; value: ValueRef }
  | { kind: "predicate"; name: string; classes: readonly string[]; run: CompiledPredicate }
  | {
      kind: "related";
      spec: RelatedSpec;
      run: CompiledPredicate;
      /** `run` for a value alone (appliesWhen): the same value and unknown reasons, no details or evidence. */
      test: CompiledPredicate;
    };

/** `related: {via, direction, types, where}`: records linked to this one by a declared reference. */
export interface RelatedSpec {
  /** A reference name from src/model/references.ts. */
  via: string;
  /** forward: the records this one names; reverse: the records (of `types`) that name this one. */
  direction: "forward" | "reverse";
  types: string[];
  where?: Condition;
  /** The paths `where` reads on the related record (the index keeps only these). */
  reads: CompiledPath[];
}

export interface ConditionIssue {
  path: PathSegment[];
  key?: string;
  message: string;
}

/** What compiling a condition needs from its rule file. */
export interface CompileEnv {
  predicates: ReadonlyMap<string, PredicateDef>;
  /** The rule's declared parameter names, for `{param: NAME}` operands. */
  params: ReadonlySet<string>;
  /** Problems found, each with its location; compilation goes on to find the rest. */
  issues: ConditionIssue[];
  /** Validate a predicate's arguments (pushing issues); true when it may be compiled. */
  checkArgs(def: PredicateDef, args: unknown, at: PathSegment[], issues: ConditionIssue[]): boolean;
  /** The rule's resource types, to check that a `related` reference applies to them. */
  resourceTypes?: readonly string[];
  /** Inside a `related.where`: only comparisons and all/any/not (the index keeps only their paths). */
  inRelated?: boolean;
}
