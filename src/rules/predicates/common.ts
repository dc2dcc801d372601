// What the policy predicates share: reading a policy or a string at a path, building outcomes,
// and turning an analysis that could not finish into UNKNOWN.
import { GlobLimitError, parsePolicy, type NormalizedPolicy, type ParseResult } from "../../policy/index.js";
import { describeUnreadable } from "../conditions/index.js";
import type { EvalContext, Outcome } from "../conditions/index.js";
import { compilePath, resolvePath } from "../paths.js";

export const pathArg = { type: "string", minLength: 1, description: "JMESPath into the resource record" };

export const actionsArg = {
  type: "array",
  minItems: 1,
  items: { type: "string", minLength: 1 },
  description: 'IAM action patterns ("kms:*", "s3:GetObject")',
};

export type Loaded =
  { kind: "policy"; policy: NormalizedPolicy } | { kind: "none" } | { kind: "unknown"; reason: string };

/** Read a policy document at a path: absent/null means "no policy"; unreadable or malformed means unknown. */
export function loadPolicy(path: string, ctx: EvalContext): Loaded {
  const r = resolvePath(compilePath(path), ctx.record);
  if (r.kind === "unreadable") return { kind: "unknown", reason: describeUnreadable(r.at || path, r.info) };
  if (r.value === undefined || r.value === null || r.value === "") return { kind: "none" };
  const parsed = parsedPolicy(r.value);
  if (!parsed.ok)
    return { kind: "unknown", reason: `${path} is not a valid policy document: ${parsed.error}` };
  return { kind: "policy", policy: parsed.policy };
}

// Several rules read the same document of one record (a key policy, a bucket policy): parse it
// once. Analyses only read a parsed policy, so sharing it is safe. Bounded: cleared when full
// (large enough for the distinct documents a scan's identities share, typically hundreds).
const MAX_PARSED = 2048;
const parsedText = new Map<string, ParseResult>();
const parsedObject = new WeakMap<object, ParseResult>();

/** parsePolicy, memoised by the document (its text, or the object itself). */
export function parsedPolicy(value: unknown): ParseResult {
  if (typeof value === "string") {
    const hit = parsedText.get(value);
    if (hit) return hit;
    const parsed = parsePolicy(value);
    if (parsedText.size >= MAX_PARSED) parsedText.clear();
    parsedText.set(value, parsed);
    return parsed;
  }
  if (value === null || typeof value !== "object") return parsePolicy(value);
  const hit = parsedObject.get(value);
  if (hit) return hit;
  const parsed = parsePolicy(value);
  parsedObject.set(value, parsed);
  return parsed;
}

export function readString(path: string, ctx: EvalContext): string | undefined {
  const r = resolvePath(compilePath(path), ctx.record);
  return r.kind === "value" && typeof r.value === "string" ? r.value : undefined;
}

/** "key" for an AWS::KMS::Key record, "bucket" for AWS::S3::Bucket: how sentences name the resource. */
export function resourceNoun(ctx: EvalContext): string {
  const type = readString("resourceType", ctx);
  if (type === undefined) return "resource";
  let noun = nouns.get(type);
  if (noun === undefined) {
    noun = type.split("::")[2]?.toLowerCase() ?? "resource";
    if (nouns.size >= MAX_PARSED) nouns.clear();
    nouns.set(type, noun);
  }
  return noun;
}

const nouns = new Map<string, string>();

export const outcome = (value: Outcome["value"], extra: Partial<Outcome> = {}): Outcome => ({
  value,
  unknownReasons: [],
  details: [],
  evidence: {},
  ...extra,
});

export const unknown = (reason: string): Outcome => outcome("unknown", { unknownReasons: [reason] });

/** Wildcard analysis that could not finish is UNKNOWN with the reason, never a pass. */
export function analysed(policyPath: string, run: () => Outcome): Outcome {
  try {
    return run();
  } catch (err) {
    if (err instanceof GlobLimitError)
      return unknown(`${policyPath} is too complex to analyse: ${err.message}`);
    throw err;
  }
}
