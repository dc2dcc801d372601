// A waiver: a risk accepted on purpose and on the record. It names the findings it covers (rule,
// and optionally account, region, resource and resource tags; each may be a glob), who approved
// it, why, and until when. A waived finding keeps its real status; outputs show it as WAIVED.
// Read from a waivers file (src/rules/waivers.ts), recorded per scan (src/store/waivers.ts).

export interface Waiver {
  /** Index in the file's `waivers` list. */
  position: number;
  /** Where it was written: `file:line:col`. */
  source: string;
  /** Rule ID or glob (`*`, `kms-*`). */
  rule: string;
  account?: string;
  region?: string;
  /** ARN, resource ID or glob, matched against both. */
  resource?: string;
  /** Resource tags that must all be present with these values (values may be globs). */
  tags?: Record<string, string>;
  justification: string;
  approver: string;
  /** YYYY-MM-DD: the waiver applies through that day (UTC). */
  expires: string;
  /** YYYY-MM-DD the waiver was approved, when the file says; its duration counts from there. */
  created?: string;
}

/** A waivers file as read: its waivers and a digest of its text, for the record. */
export interface WaiverSet {
  file: string;
  sha256: string;
  waivers: Waiver[];
}

export type WaiverState = "active" | "expired";

/** The first instant after a waiver's last day. */
export function waiverEnd(w: Pick<Waiver, "expires">): number {
  return Date.parse(`${w.expires}T00:00:00.000Z`) + 86_400_000;
}

export function waiverState(w: Pick<Waiver, "expires">, now: Date): WaiverState {
  return now.getTime() < waiverEnd(w) ? "active" : "expired";
}

/** What a finding shows of the waiver that covers it. */
export interface WaiverRef {
  source: string;
  rule: string;
  justification: string;
  approver: string;
  expires: string;
}

export function waiverRef(w: Waiver): WaiverRef {
  return {
    source: w.source,
    rule: w.rule,
    justification: w.justification,
    approver: w.approver,
    expires: w.expires,
  };
}
