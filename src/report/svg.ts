// Inline SVG charts for the HTML report: numbers only (no text from AWS), colours as
// presentation attributes, so the CSP needs no style or image allowance for them.
import { SEVERITIES } from "../model/severity.js";
import { REQUIREMENT_STATUSES, STATUS_LABELS, type RequirementStatus } from "./model.js";

const COLORS: Record<RequirementStatus, string> = {
  failed: "#b71c1c",
  "not-verified": "#e65100",
  passed: "#1b5e20",
  "not-applicable": "#616161",
  manual: "#0d47a1",
};

/** One stacked bar of requirement statuses, with a legend. */
export function statusChart(counts: Record<RequirementStatus, number>): string {
  const total = REQUIREMENT_STATUSES.reduce((n, s) => n + counts[s], 0);
  const width = 480;
  let x = 0;
  const bars: string[] = [];
  const legend: string[] = [];
  REQUIREMENT_STATUSES.forEach((s, i) => {
    const w = total === 0 ? 0 : Math.round((counts[s] / total) * width * 10) / 10;
    if (w > 0) bars.push(`<rect x="${x}" y="0" width="${w}" height="24" fill="${COLORS[s]}"/>`);
    x = Math.round((x + w) * 10) / 10;
    legend.push(
      `<rect x="${(i % 3) * 160}" y="${36 + Math.floor(i / 3) * 20}" width="10" height="10" fill="${COLORS[s]}"/><text x="${(i % 3) * 160 + 14}" y="${45 + Math.floor(i / 3) * 20}" font-size="12">${STATUS_LABELS[s]}: ${counts[s]}</text>`,
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${width}" height="80" viewBox="0 0 ${width} 80"><title>Requirements by status</title><rect x="0" y="0" width="${width}" height="24" fill="#eeeeee"/>${bars.join("")}${legend.join("")}</svg>`;
}

/** FAIL and UNKNOWN results per severity, as horizontal bars. */
export function severityChart(counts: {
  FAIL: ReadonlyMap<string, number>;
  UNKNOWN: ReadonlyMap<string, number>;
}): string {
  const fail = counts.FAIL;
  const unknown = counts.UNKNOWN;
  const max = Math.max(1, ...SEVERITIES.map((s) => (fail.get(s) ?? 0) + (unknown.get(s) ?? 0)));
  const span = 300;
  const rows = SEVERITIES.map((s, i) => {
    const y = 20 + i * 22;
    const fw = Math.round(((fail.get(s) ?? 0) / max) * span * 10) / 10;
    const uw = Math.round(((unknown.get(s) ?? 0) / max) * span * 10) / 10;
    return `<text x="0" y="${y + 12}" font-size="12">${s}</text><rect x="70" y="${y}" width="${fw}" height="16" fill="${COLORS.failed}"/><rect x="${70 + fw}" y="${y}" width="${uw}" height="16" fill="${COLORS["not-verified"]}"/><text x="${76 + fw + uw}" y="${y + 12}" font-size="12">${fail.get(s) ?? 0} FAIL, ${unknown.get(s) ?? 0} UNKNOWN</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="520" height="132" viewBox="0 0 520 132"><title>Failing and unknown results by severity</title><text x="0" y="12" font-size="12" font-weight="bold">Results by severity</text>${rows.join("")}</svg>`;
}
