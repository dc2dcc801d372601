// The one severity order.
export const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

export function severityRank(s: Severity): number {
  return SEVERITIES.length - SEVERITIES.indexOf(s); // critical = 5 ... info = 1
}

export function isSeverity(s: unknown): s is Severity {
  return typeof s === "string" && (SEVERITIES as readonly string[]).includes(s);
}

export function maxSeverity(a: Severity, b: Severity | undefined): Severity {
  return b !== undefined && severityRank(b) > severityRank(a) ? b : a;
}

export const STATUSES = ["FAIL", "UNKNOWN", "PASS"] as const;
export type Status = (typeof STATUSES)[number];
