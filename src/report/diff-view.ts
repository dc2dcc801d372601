// `dpscan diff` output: new, reopened, resolved and unverified findings between two scans, as a
// table, JSON or Markdown. A waived finding is marked WAIVED (waivers as applied to the later scan).
import { waiverRef, type WaiverRef } from "../model/waiver.js";
import type { DiffEntry, ScanDiff } from "../store/diff.js";
import { mdCode, mdTable, mdText } from "./md-table.js";
import { table } from "./text.js";
import type { Waived } from "./waived.js";

const isWaived = (e: DiffEntry, d: ScanDiff, w: Waived): boolean =>
  e.findingId !== null && e.findingScanId === d.to.id && w.byFinding.has(e.findingId);

function counts(d: ScanDiff): Record<string, number> {
  const c: Record<string, number> = { new: 0, reopened: 0, resolved: 0, unverified: 0 };
  for (const e of d.entries) c[e.change] = (c[e.change] ?? 0) + 1;
  return { ...c, unchanged: d.unchanged };
}

const scanLine = (d: ScanDiff): string =>
  `scan ${d.from.id} (started ${d.from.startedAt}) → scan ${d.to.id} (started ${d.to.startedAt})`;

export function diffJson(d: ScanDiff, w: Waived): string {
  const waiverOf = (e: DiffEntry): WaiverRef | null => {
    const found = isWaived(e, d, w) ? w.byFinding.get(e.findingId ?? -1) : undefined;
    return found ? waiverRef(found) : null;
  };
  return JSON.stringify(
    {
      from: { id: d.from.id, startedAt: d.from.startedAt },
      to: { id: d.to.id, startedAt: d.to.startedAt },
      counts: counts(d),
      changes: d.entries.map((e) => ({ ...e, waived: isWaived(e, d, w), waiver: waiverOf(e) })),
    },
    null,
    2,
  );
}

export function diffTable(d: ScanDiff, w: Waived): string {
  const c = counts(d);
  const head = `${scanLine(d)}: ${c.new} new, ${c.reopened} reopened, ${c.resolved} resolved, ${c.unverified} not verified, ${c.unchanged} unchanged`;
  if (d.entries.length === 0) return `${head}\n(no changes)`;
  const rows = d.entries.map((e) => [
    e.change.toUpperCase() + (isWaived(e, d, w) ? " WAIVED" : ""),
    e.severity,
    e.ruleId,
    e.accountId,
    e.region,
    e.resourceId,
    `${e.fromStatus ?? "-"} → ${e.toStatus ?? "-"}`,
    e.message,
  ]);
  return `${head}\n${table(["CHANGE", "SEVERITY", "RULE", "ACCOUNT", "REGION", "RESOURCE", "RESULT", "MESSAGE"], rows, 400)}`;
}

export function diffMarkdown(d: ScanDiff, w: Waived): string {
  const c = counts(d);
  const lines = [
    `## dpscan diff: ${mdText(scanLine(d))}`,
    "",
    mdTable(
      ["new", "reopened", "resolved", "not verified", "unchanged"],
      [[c.new, c.reopened, c.resolved, c.unverified, c.unchanged].map(String)],
    ),
  ];
  for (const change of ["new", "reopened", "resolved", "unverified"] as const) {
    const entries = d.entries.filter((e) => e.change === change);
    if (entries.length === 0) continue;
    lines.push(
      "",
      `### ${change === "unverified" ? "Not verified (still open)" : change[0]?.toUpperCase() + change.slice(1)} (${entries.length})`,
      "",
    );
    lines.push(
      mdTable(
        ["Severity", "Rule", "Account", "Region", "Resource", "Result", "Message"],
        entries.map((e) => [
          e.severity + (isWaived(e, d, w) ? " (WAIVED)" : ""),
          mdCode(e.ruleId),
          mdText(e.accountId),
          mdText(e.region),
          mdCode(e.arn ?? e.resourceId),
          `${e.fromStatus ?? "–"} → ${e.toStatus ?? "–"}`,
          mdText(e.message),
        ]),
      ),
    );
  }
  return lines.join("\n");
}
