// Does a resource policy hold an effective Deny: one that applies to every principal, covers the
// given actions on the given resources, and is conditioned only on a Bool test of one key
// (e.g. aws:SecureTransport = false)? When not, say which statement falls short and how.

import { conditionEntries, parseOperator } from "./condition.js";
import type { ConditionEntry } from "./condition.js";
import { actionQuery } from "./grants.js";
import { coversAction, coversResource } from "./match.js";
import { denyAppliesToEveryone } from "./principal.js";
import type { NormalizedPolicy, NormalizedStatement, StatementRef } from "./types.js";
import { describeStatement, statementRef } from "./types.js";

export interface DenyQuery {
  /** Action patterns the Deny must cover ("s3:*"). */
  actions: readonly string[];
  /** Resource ARNs or patterns it must cover; "X/*" means every non-empty name under X. */
  resources: readonly string[];
  /**
   * The condition it must be conditioned on: Bool/BoolIfExists `key` = `value` (default), or
   * NumericLessThan `key` `value` (a Deny below a higher bound, or NumericLessThanEquals at or above
   * it, also covers every value below `value`).
   */
  when: { key: string; value: string; operator?: DenyOperator };
}

export type DenyOperator = "Bool" | "NumericLessThan";

export interface DenyCandidate extends StatementRef {
  /** Why this statement does not deny everything the query asks for. */
  problem: string;
}

export interface DenyResult {
  enforced: boolean;
  /** The enforcing statement when enforced. */
  statement?: StatementRef;
  reason: string;
  /** Deny statements on the condition key that fall short, with what is missing. */
  candidates: DenyCandidate[];
}

/** How sentences name what the Deny refuses, per condition (the key in lower case, "=", the value). */
interface Topic {
  refused: string;
  notRefused: string;
  everyRefused: string;
  usedAnyway: string;
  /** Deny statements on neighbouring keys that people mistake for this one. */
  lookalikes: { key: string; sentence(where: string): string }[];
}

const TOPICS: Record<string, Topic> = {
  "s3:tlsversion<1.2": {
    refused: "requests over TLS older than 1.2",
    notRefused: "requests over TLS 1.0 and 1.1 are not denied",
    everyRefused: "every request over TLS older than 1.2",
    usedAnyway: "over TLS 1.0 or 1.1",
    lookalikes: [],
  },
  "aws:securetransport=false": {
    refused: "requests without TLS",
    notRefused: "requests over plain HTTP are not denied",
    everyRefused: "every plain-HTTP request",
    usedAnyway: "over plain HTTP",
    lookalikes: [
      {
        key: "s3:tlsversion",
        sentence: (where) =>
          `${where} denies old TLS versions (s3:TlsVersion) but requests over plain HTTP are still not denied.`,
      },
    ],
  },
};

const numeric = (when: DenyQuery["when"]): boolean => when.operator === "NumericLessThan";

/** "is 1.2" or "is below 1.2", for sentences. */
const relation = (when: DenyQuery["when"]): string =>
  numeric(when) ? `is below ${when.value}` : `is ${when.value}`;

function topicOf(when: DenyQuery["when"]): Topic {
  const { key, value } = when;
  const known = TOPICS[`${key.toLowerCase()}${numeric(when) ? "<" : "="}${value.toLowerCase()}`];
  if (known) return known;
  const rel = relation(when);
  const refused = `requests where ${key} ${rel}`;
  return {
    refused,
    notRefused: `${refused} are not denied`,
    everyRefused: `every request where ${key} ${rel}`,
    usedAnyway: `when ${key} ${rel}`,
    lookalikes: [],
  };
}

/** How sentences name the resource and what lies under it, per ARN service. */
const NOUNS: Record<string, { policy: string; self: string; children: string }> = {
  s3: { policy: "bucket policy", self: "the bucket", children: "its objects" },
};
const GENERIC_NOUNS = { policy: "policy", self: "the resource", children: "everything under it" };

function nounsOf(resources: readonly string[]): (typeof NOUNS)[string] {
  const service = resources[0]?.split(":")[2];
  return (service !== undefined ? NOUNS[service] : undefined) ?? GENERIC_NOUNS;
}

/** Resource names are never empty, so "X/*" asks for every "X/?*". */
const resourceQuery = (r: string): string => (r.endsWith("/*") ? `${r.slice(0, -1)}?*` : r);

/** "all S3 actions" for ["s3:*"], "all actions" for ["*"], else the patterns. */
function actionsPhrase(actions: readonly string[]): string {
  const only = actions.length === 1 ? actions[0] : undefined;
  if (only === "*") return "all actions";
  const service = only !== undefined && /^([A-Za-z0-9-]+):\*$/.exec(only)?.[1];
  return service ? `all ${service.toUpperCase()} actions` : actions.join(", ");
}

/** "X and its objects" for [X, X/*], else the list. */
function resourcesPhrase(resources: readonly string[], children: string): string {
  const [first, second] = resources;
  if (resources.length === 2 && first !== undefined && second === `${first}/*`)
    return `${first} and ${children}`;
  return resources.join(" and ");
}

function isTest(e: ConditionEntry, when: DenyQuery["when"]): boolean {
  const { key, value } = when;
  const op = parseOperator(e.operator);
  if (numeric(when)) return coversBelow(e, key, Number(value));
  return (
    e.key.toLowerCase() === key.toLowerCase() &&
    op.base.toLowerCase() === "bool" &&
    op.qualifier === undefined &&
    e.values.length > 0 &&
    e.values.every((v) => v.toLowerCase() === value.toLowerCase())
  );
}

/** Does a numeric test deny every value below `bound` (NumericLessThan >= bound, ...Equals >= bound)? */
function coversBelow(e: ConditionEntry, key: string, bound: number): boolean {
  const op = parseOperator(e.operator);
  const base = op.base.toLowerCase();
  if (e.key.toLowerCase() !== key.toLowerCase() || op.qualifier !== undefined) return false;
  if (base !== "numericlessthan" && base !== "numericlessthanequals") return false;
  // Several values: the Deny applies when the request is below any of them.
  const values = e.values.map(Number).filter((v) => !Number.isNaN(v));
  return values.length > 0 && Math.max(...values) >= bound;
}

const opposite = (value: string): string | undefined =>
  ({ true: "false", false: "true" })[value.toLowerCase()];

function describeCondition(e: ConditionEntry): string {
  return `${e.operator} ${e.key}`;
}

/** What stops this Deny on the condition from covering everything, or undefined if nothing. */
function shortfall(s: NormalizedStatement, query: DenyQuery, topic: Topic): string | undefined {
  const where = describeStatement(statementRef(s));
  const { actions, resources, when } = query;
  if (!denyAppliesToEveryone(s)) {
    const who = s.notPrincipal ? "everyone except some principals (NotPrincipal)" : "only some principals";
    return `${where} denies ${topic.refused} to ${who}; set "Principal": "*" so it applies to every caller.`;
  }
  if (!actions.every((a) => coversAction(s, actionQuery(a)))) {
    const written = (s.action ?? s.notAction ?? []).join(", ");
    const form = s.action ? `only for ${written}` : `for all actions except ${written}`;
    const wanted = actions.length === 1 ? JSON.stringify(actions[0]) : JSON.stringify(actions);
    return `${where} denies ${topic.refused} ${form}; use "Action": ${wanted}.`;
  }
  const missing = resources.filter((r) => !coversResource(s, resourceQuery(r)));
  if (missing.length > 0) {
    const nouns = nounsOf(resources);
    const hint =
      resources.length === 2 && resources[1] === `${resources[0]}/*`
        ? `list both ${nouns.self} and ${nouns.children} in Resource`
        : `list ${resources.join(" and ")} in Resource`;
    return `${where} denies ${topic.refused} but does not cover ${missing.join(" and ")}; ${hint}.`;
  }
  const extra = conditionEntries(s).filter((e) => !isTest(e, when));
  if (extra.length > 0) {
    return `${where} denies ${topic.refused} only when ${extra.map(describeCondition).join(" and ")} also holds; remove the extra condition so ${topic.everyRefused} is denied.`;
  }
  return undefined;
}

/**
 * Enforced iff some Deny applies to all principals and covers every action and resource of the
 * query, conditioned only on Bool/BoolIfExists `when.key` = `when.value`.
 */
export function analyzeRequiredDeny(policy: NormalizedPolicy, query: DenyQuery): DenyResult {
  const { actions, resources, when } = query;
  const topic = topicOf(when);
  const nouns = nounsOf(resources);
  const wanted = actions.map((a) => JSON.stringify(a)).join(", ");
  const operator = numeric(when) ? "NumericLessThan" : "Bool";
  const fix = `Add a statement that denies ${wanted} on ${resources.join(" and ")} to Principal "*" with Condition {"${operator}": {"${when.key}": "${when.value}"}}.`;
  if (policy.statements.length === 0) {
    const reason = `The ${nouns.policy} has no statements, so ${topic.notRefused}. ${fix}`;
    return { enforced: false, reason, candidates: [] };
  }

  const candidates: DenyCandidate[] = [];
  for (const s of policy.statements) {
    if (s.effect !== "Deny" || !conditionEntries(s).some((e) => isTest(e, when))) continue;
    const problem = shortfall(s, query, topic);
    if (problem === undefined) {
      const ref = statementRef(s);
      const reason = `${describeStatement(ref)} denies ${actionsPhrase(actions)} on ${resourcesPhrase(resources, nouns.children)} to every principal when ${when.key} ${relation(when)}.`;
      return { enforced: true, statement: ref, reason, candidates };
    }
    candidates.push({ ...statementRef(s), problem });
  }

  const first = candidates[0];
  return {
    enforced: false,
    reason: first ? first.problem : `${nearMiss(policy, when, topic)} ${fix}`,
    candidates,
  };
}

/** Why nothing enforces it when no Deny even tries: an Allow on the opposite value, a lookalike key. */
function nearMiss(policy: NormalizedPolicy, when: DenyQuery["when"], topic: Topic): string {
  const entries = policy.statements.map((s) => ({ s, conditions: conditionEntries(s) }));
  const flipped = numeric(when) ? undefined : opposite(when.value);
  const allow =
    flipped !== undefined &&
    entries.find(
      ({ s, conditions }) =>
        s.effect === "Allow" && conditions.some((e) => isTest(e, { key: when.key, value: flipped })),
    );
  if (allow) {
    const where = describeStatement(statementRef(allow.s));
    return `${where} only allows requests when ${when.key} is ${flipped}; an Allow does not stop other grants (IAM policies, ACLs) from being used ${topic.usedAnyway}.`;
  }
  for (const lookalike of topic.lookalikes) {
    const hit = entries.find(
      ({ s, conditions }) =>
        s.effect === "Deny" && conditions.some((e) => e.key.toLowerCase() === lookalike.key),
    );
    if (hit) return lookalike.sentence(describeStatement(statementRef(hit.s)));
  }
  const sameKey =
    numeric(when) &&
    entries.find(
      ({ s, conditions }) =>
        s.effect === "Deny" && conditions.some((e) => e.key.toLowerCase() === when.key.toLowerCase()),
    );
  if (sameKey) {
    const tests = conditionEntries(sameKey.s)
      .filter((e) => e.key.toLowerCase() === when.key.toLowerCase())
      .map((e) => `${e.operator} ${e.values.join(", ")}`)
      .join(" and ");
    return `${describeStatement(statementRef(sameKey.s))} denies only when ${when.key} ${tests}, which does not deny ${topic.everyRefused}.`;
  }
  return `No statement denies requests where ${when.key} ${relation(when)}.`;
}
