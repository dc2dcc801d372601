// Validation and normalization of a policy document into NormalizedPolicy. Never throws.

import { decodePolicyValue } from "./json.js";
import type {
  ConditionBlock,
  Effect,
  NormalizedPolicy,
  NormalizedStatement,
  ParseResult,
  PrincipalEntry,
  PrincipalType,
} from "./types.js";

export { MAX_POLICY_BYTES } from "./json.js";

class PolicyError extends Error {}

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Own properties only: parsed JSON may carry keys like "constructor" or "__proto__". */
function own(o: Obj, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

function stringList(v: unknown, where: string): string[] {
  if (typeof v === "string") return [v];
  if (Array.isArray(v)) {
    return v.map((item, i) => {
      if (typeof item !== "string")
        throw new PolicyError(`${where}[${i}] must be a string, got ${typeName(item)}`);
      return item;
    });
  }
  throw new PolicyError(`${where} must be a string or an array of strings, got ${typeName(v)}`);
}

const PRINCIPAL_TYPES: readonly PrincipalType[] = ["AWS", "Service", "Federated", "CanonicalUser"];

function principalList(v: unknown, where: string): PrincipalEntry[] {
  if (v === "*") return [{ type: "*", value: "*" }];
  if (!isObject(v)) throw new PolicyError(`${where} must be "*" or an object, got ${typeName(v)}`);
  const entries: PrincipalEntry[] = [];
  for (const [type, values] of Object.entries(v)) {
    const known = PRINCIPAL_TYPES.find((t) => t === type);
    if (!known) throw new PolicyError(`${where} has unknown principal type '${type}'`);
    for (const value of stringList(values, `${where}.${type}`)) entries.push({ type: known, value });
  }
  if (entries.length === 0) throw new PolicyError(`${where} names no principal`);
  return entries;
}

function conditionValue(v: unknown, where: string): string {
  if (typeof v === "string") return v;
  if (typeof v === "boolean" || typeof v === "number") return String(v);
  throw new PolicyError(`${where} must be a string, number or boolean, got ${typeName(v)}`);
}

function conditionBlock(v: unknown, where: string): ConditionBlock {
  // Null-prototype records: a "__proto__" operator or key must stay data.
  const block = Object.create(null) as ConditionBlock;
  if (v === undefined) return block;
  if (!isObject(v)) throw new PolicyError(`${where} must be an object, got ${typeName(v)}`);
  for (const [operator, keys] of Object.entries(v)) {
    const at = `${where}.${operator}`;
    if (!isObject(keys)) throw new PolicyError(`${at} must be an object, got ${typeName(keys)}`);
    const byKey = Object.create(null) as Record<string, string[]>;
    for (const [key, values] of Object.entries(keys)) {
      const list = Array.isArray(values) ? values : [values];
      byKey[key] = list.map((item, i) =>
        conditionValue(item, Array.isArray(values) ? `${at}.${key}[${i}]` : `${at}.${key}`),
      );
    }
    block[operator] = byKey;
  }
  return block;
}

/** Reads an optional pair of mutually exclusive elements such as Action / NotAction. */
function pair<T>(o: Obj, name: string, where: string, read: (v: unknown, at: string) => T): [T?, T?] {
  const plain = own(o, name);
  const negated = own(o, `Not${name}`);
  if (plain !== undefined && negated !== undefined) {
    throw new PolicyError(`${where} has both ${name} and Not${name}`);
  }
  return [
    plain === undefined ? undefined : read(plain, `${where}.${name}`),
    negated === undefined ? undefined : read(negated, `${where}.Not${name}`),
  ];
}

function statement(v: unknown, index: number): NormalizedStatement {
  const where = `Statement[${index}]`;
  if (!isObject(v)) throw new PolicyError(`${where} must be an object, got ${typeName(v)}`);
  const effect = own(v, "Effect");
  if (effect === undefined) throw new PolicyError(`${where}.Effect is missing`);
  if (effect !== "Allow" && effect !== "Deny") throw new PolicyError(`${where}.Effect must be Allow or Deny`);
  const sid = own(v, "Sid");
  if (sid !== undefined && typeof sid !== "string") {
    throw new PolicyError(`${where}.Sid must be a string, got ${typeName(sid)}`);
  }
  const [principal, notPrincipal] = pair(v, "Principal", where, principalList);
  const [action, notAction] = pair(v, "Action", where, stringList);
  if (!action && !notAction) throw new PolicyError(`${where} must have Action or NotAction`);
  const [resource, notResource] = pair(v, "Resource", where, stringList);
  const out: NormalizedStatement = {
    index,
    effect: effect satisfies Effect,
    condition: conditionBlock(own(v, "Condition"), `${where}.Condition`),
  };
  if (sid !== undefined) out.sid = sid;
  if (principal) out.principal = principal;
  if (notPrincipal) out.notPrincipal = notPrincipal;
  if (action) out.action = action;
  if (notAction) out.notAction = notAction;
  if (resource) out.resource = resource;
  if (notResource) out.notResource = notResource;
  return out;
}

function normalize(doc: unknown): NormalizedPolicy {
  if (!isObject(doc)) throw new PolicyError(`policy must be a JSON object, got ${typeName(doc)}`);
  const policy: NormalizedPolicy = { statements: [] };
  const version = own(doc, "Version");
  if (typeof version === "string") policy.version = version;
  const id = own(doc, "Id");
  if (typeof id === "string") policy.id = id;
  const raw = own(doc, "Statement");
  // A document without statements grants nothing; analyses report that rather than failing.
  if (raw === undefined) return policy;
  if (Array.isArray(raw)) policy.statements = raw.map(statement);
  else if (isObject(raw)) policy.statements = [statement(raw, 0)];
  else throw new PolicyError(`Statement must be an object or an array, got ${typeName(raw)}`);
  return policy;
}

/**
 * Parses a policy given as an object, JSON text or (double) URL-encoded JSON. Bad input yields
 * `{ ok: false, error }` naming what is wrong and where.
 */
export function parsePolicy(input: unknown): ParseResult {
  const decoded = decodePolicyValue(input);
  if (!decoded.ok) return decoded;
  try {
    return { ok: true, policy: normalize(decoded.value) };
  } catch (e) {
    if (e instanceof PolicyError) return { ok: false, error: e.message };
    // Only reachable with exotic objects (throwing getters, proxies); still not the caller's crash.
    return { ok: false, error: `policy could not be read: ${e instanceof Error ? e.message : String(e)}` };
  }
}
