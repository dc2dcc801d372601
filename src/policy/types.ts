// Normalized shapes of an IAM policy document (identity, bucket or key policy).

export type Effect = "Allow" | "Deny";

export type PrincipalType = "AWS" | "Service" | "Federated" | "CanonicalUser" | "*";

/** One principal: `"Principal": "*"` becomes `{ type: "*", value: "*" }`. */
export interface PrincipalEntry {
  type: PrincipalType;
  value: string;
}

/** operator -> condition key (as written) -> values, stringified (JSON `false` becomes "false"). */
export type ConditionBlock = Record<string, Record<string, string[]>>;

export interface NormalizedStatement {
  /** Position in the Statement array (0 when Statement was a single object). */
  index: number;
  sid?: string;
  effect: Effect;
  principal?: PrincipalEntry[];
  notPrincipal?: PrincipalEntry[];
  action?: string[];
  notAction?: string[];
  resource?: string[];
  notResource?: string[];
  /** Empty object when the statement has no Condition. */
  condition: ConditionBlock;
}

export interface NormalizedPolicy {
  version?: string;
  id?: string;
  statements: NormalizedStatement[];
}

export type ParseResult = { ok: true; policy: NormalizedPolicy } | { ok: false; error: string };

/** Points at a statement in evidence. */
export interface StatementRef {
  sid?: string;
  index: number;
}

export function statementRef(s: NormalizedStatement): StatementRef {
  return s.sid === undefined ? { index: s.index } : { sid: s.sid, index: s.index };
}

/** "Statement 'Sid' (#2)" or "Statement #2", to start a sentence in messages. */
export function describeStatement(s: StatementRef): string {
  return s.sid ? `Statement '${s.sid}' (#${s.index})` : `Statement #${s.index}`;
}
