// What `dpscan gate` says: a text summary on stdout (or JSON), and a Markdown summary (`--summary
// FILE`) for a CI job summary or a pull-request comment: the verdict and why, counts, the
// blocking and new findings, coverage gaps, and waivers that expired or matched nothing. The text and
// Markdown list the first blocking results and say how many more; JSON lists every one.
import type { JsonObject } from "../model/resource.js";
import type { WaiverOutcome } from "../rules/waivers.js";
import { waiverRef } from "../model/waiver.js";
import { ageLabel, statusLabel } from "./finding-history.js";
import { findingDoc } from "./findings-view.js";
import { blocking, gateCounts, gateCriteriaJson, type GateDecision, type GateItem } from "./gate.js";
import { JsonStream, prettyJson } from "./json-stream.js";
import { mdCode, mdTable, mdText } from "./md-table.js";
import { table } from "./text.js";

const VERDICT = { 0: "passed", 1: "FAILED", 3: "incomplete coverage" } as const;

function criteriaLine(d: GateDecision): string {
  const c = d.criteria;
  const base = c.baseline ? `; new only, against ${c.baseline.label}` : "";
  return `fail on ${c.failOn} and above; at most ${c.maxUnknown} UNKNOWN${base}${c.requireFullCoverage ? "; full coverage required" : ""}`;
}

/** The JSON verdict, in chunks: `blocking` lists every blocking result, read from the store as written. */
export function* gateJson(d: GateDecision): Generator<string> {
  const item = (i: GateItem): JsonObject =>
    ({
      ...findingDoc(i.finding, i.waiver ? waiverRef(i.waiver) : null),
      new: i.isNew,
      blocking: i.counts,
    }) as JsonObject;
  function* items(): Generator<JsonObject> {
    for (const i of blocking(d)) yield item(i);
  }
  yield* prettyJson({
    scanId: d.scan.id,
    exitCode: d.exitCode,
    passed: d.exitCode === 0,
    reasons: d.reasons,
    criteria: gateCriteriaJson(d.criteria, d.waived.file),
    counts: gateCounts(d),
    blocking: new JsonStream(items()),
    expiredWaivers: d.waived.expired.map((o) => o.waiver),
    staleWaivers: d.waived.stale.map((o) => o.waiver),
    gaps: d.gaps,
  });
  yield "\n";
}

export function gateText(d: GateDecision): string {
  const c = gateCounts(d);
  const lines = [
    `Gate ${VERDICT[d.exitCode]} (exit ${d.exitCode}): scan ${d.scan.id} (started ${d.scan.startedAt}); ${criteriaLine(d)}.`,
    ...d.reasons.map((r) => `  - ${r}`),
    `Results: ${c.fail} FAIL, ${c.unknown} UNKNOWN; ${c.waived} waived, ${c.belowThreshold} below ${d.criteria.failOn}${d.criteria.baseline ? `, ${c.inBaseline} in the baseline` : ""}; ${c.gaps} coverage gap(s).`,
  ];
  for (const o of d.waived.expired)
    lines.push(
      `Waiver ${o.waiver.source} (${o.waiver.rule}) expired on ${o.waiver.expires}: it no longer applies.`,
    );
  for (const o of d.waived.stale)
    lines.push(
      `Waiver ${o.waiver.source} (${o.waiver.rule}) matched nothing in this scan (stale): remove it.`,
    );
  // The first GATE_SAMPLE (src/report/gate.ts); a line after the table says how many more.
  const shown = d.blockingSample;
  if (shown.length > 0) {
    lines.push("");
    lines.push(
      table(
        ["STATUS", "SEVERITY", "RULE", "ACCOUNT", "REGION", "RESOURCE", "AGE", "MESSAGE"],
        shown.map(({ finding: f }) => [
          f.status,
          f.severity,
          f.ruleId,
          f.accountId,
          f.region,
          f.resourceId,
          ageLabel(f, d.now),
          f.message,
        ]),
        400,
      ),
    );
  }
  if (d.blockingTotal > shown.length)
    lines.push(
      `… and ${d.blockingTotal - shown.length} more blocking results: --format json, --sarif and --junit list every one.`,
    );
  return lines.join("\n");
}

function findingRows(items: GateItem[], d: GateDecision): string[][] {
  return items.map(({ finding: f }) => [
    statusLabel(f, d.waived),
    f.severity,
    mdCode(f.ruleId),
    mdText(f.accountId),
    mdText(f.region),
    mdCode(f.arn ?? f.resourceId),
    ageLabel(f, d.now),
    mdText(f.message),
  ]);
}

const FINDING_HEADERS = ["Status", "Severity", "Rule", "Account", "Region", "Resource", "Age", "Message"];

/** A titled Markdown section of at most 50 rows (of `total`), or nothing when it has none. */
function section(title: string, headers: string[], rows: string[][], total = rows.length): string[] {
  return total === 0 ? [] : ["", `### ${title}`, "", mdTable(headers, rows, 50, total)];
}

function mdHead(d: GateDecision): string[] {
  const c = gateCounts(d);
  const icon = d.exitCode === 0 ? "✅" : d.exitCode === 1 ? "❌" : "⚠️";
  return [
    `## ${icon} dpscan gate ${VERDICT[d.exitCode]}`,
    "",
    mdText(`Scan ${d.scan.id} (started ${d.scan.startedAt}): ${criteriaLine(d)}.`, 1000),
    ...d.reasons.map((r) => `- ${mdText(r)}`),
    "",
    mdTable(
      ["", "FAIL", "UNKNOWN"],
      [
        ["counted against the gate", String(c.blockingFail), String(c.unknownCounted)],
        ["all results", String(c.fail), String(c.unknown)],
      ],
    ),
    "",
    mdText(
      `${c.waived} waived, ${c.belowThreshold} below ${d.criteria.failOn}${d.criteria.baseline ? `, ${c.inBaseline} in the baseline` : ""}.`,
    ),
  ];
}

export function gateMarkdown(d: GateDecision): string {
  const problems: [string, WaiverOutcome][] = [
    ...d.waived.expired.map((o): [string, WaiverOutcome] => ["expired", o]),
    ...d.waived.stale.map((o): [string, WaiverOutcome] => ["stale", o]),
  ];
  const lines = [
    ...mdHead(d),
    ...section(
      `Blocking (${d.blockingTotal})`,
      FINDING_HEADERS,
      findingRows(d.blockingSample.slice(0, 50), d),
      d.blockingTotal,
    ),
    ...section(
      `New in this scan (${d.tally.fresh})`,
      FINDING_HEADERS,
      findingRows(d.freshSample.slice(0, 50), d),
      d.tally.fresh,
    ),
    ...section(
      `Coverage gaps (${d.gaps.length}): not checked, their rules report UNKNOWN`,
      ["Account", "Region", "Call", "Status", "Error"],
      d.gaps.map((g) => [
        mdText(g.accountId),
        mdText(g.region),
        mdCode(`${g.service}:${g.operation}`),
        g.status,
        mdText(`${g.errorCode ?? ""} ${g.errorMessage ?? ""}`.trim()),
      ]),
    ),
    ...section(
      `Waivers to review (${problems.length})`,
      ["State", "Waiver", "Rule", "Approver", "Expires"],
      problems.map(([state, o]) => [
        state,
        mdText(o.waiver.source),
        mdCode(o.waiver.rule),
        mdText(o.waiver.approver),
        o.waiver.expires,
      ]),
    ),
  ];
  return `${lines.join("\n")}\n`;
}
