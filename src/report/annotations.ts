// GitHub Actions annotations (`::error ...::message` workflow commands on stdout) when
// GITHUB_ACTIONS=true: one per blocking result, a warning per expired or stale waiver and coverage
// gap. Untrusted text is escaped as the workflow-command rules require (% CR LF in messages, and
// also : and , in properties), so a resource name cannot end the command or start another one.
import type { GateDecision } from "./gate.js";
import { clip } from "../util/text.js";

/** GitHub shows at most 10 annotations of each level per step, 50 per job: the rest would be lost. */
export const MAX_ANNOTATIONS = 50;

export function escapeData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

function command(level: "error" | "warning" | "notice", title: string, message: string): string {
  // clip() also strips control characters other than CR/LF's escapes, which are already applied.
  return `::${level} title=${escapeProperty(clip(title, 200))}::${escapeData(clip(message, 2000))}`;
}

export function gateAnnotations(d: GateDecision): string[] {
  const lines: string[] = [];
  // Only the first MAX_ANNOTATIONS can be shown; the rest are counted (blockingTotal).
  for (const i of d.blockingSample.slice(0, MAX_ANNOTATIONS)) {
    const f = i.finding;
    lines.push(
      command(
        "error",
        `dpscan ${f.status} ${f.severity}: ${f.ruleId}`,
        `${f.accountId}/${f.region} ${f.arn ?? f.resourceId}: ${f.message}`,
      ),
    );
  }
  for (const o of d.waived.expired)
    lines.push(
      command(
        "warning",
        "dpscan waiver expired",
        `${o.waiver.source} (${o.waiver.rule}) expired on ${o.waiver.expires}`,
      ),
    );
  for (const o of d.waived.stale)
    lines.push(
      command(
        "warning",
        "dpscan waiver stale",
        `${o.waiver.source} (${o.waiver.rule}) matched nothing in scan ${d.scan.id}`,
      ),
    );
  for (const g of d.gaps)
    lines.push(
      command(
        "warning",
        "dpscan coverage gap",
        `${g.service}:${g.operation} ${g.status} in ${g.accountId}/${g.region} (${g.errorCode ?? "error"})`,
      ),
    );
  const total = lines.length + d.blockingTotal - Math.min(d.blockingTotal, MAX_ANNOTATIONS);
  if (total <= MAX_ANNOTATIONS) return lines;
  return [
    ...lines.slice(0, MAX_ANNOTATIONS - 1),
    command("notice", "dpscan", `${total - MAX_ANNOTATIONS + 1} more; see the gate summary or SARIF`),
  ];
}
