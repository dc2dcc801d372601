// One entry point for every report format, for the CLI and the evidence pack alike:
// renderReport(model, format) → string (html, md, json, csv) or, for pdf, a Buffer (async: it
// drives a browser). reportChunks() gives the text formats in pieces for writing huge reports.
import { csvChunks } from "./csv.js";
import { htmlChunks } from "./html.js";
import { jsonChunks } from "./json.js";
import { markdownChunks } from "./markdown.js";
import type { ReportDigest } from "./model.js";
import { PdfPrinter } from "./pdf.js";

export const TEXT_FORMATS = ["html", "md", "json", "csv"] as const;
export type TextFormat = (typeof TEXT_FORMATS)[number];
export const REPORT_FORMATS = [...TEXT_FORMATS, "pdf"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The file extension of each format. */
export const EXTENSIONS: Record<ReportFormat, string> = {
  html: "html",
  md: "md",
  json: "json",
  csv: "csv",
  pdf: "pdf",
};

export function reportChunks(model: ReportDigest, format: TextFormat): Iterable<string> {
  switch (format) {
    case "html":
      return htmlChunks(model);
    case "md":
      return markdownChunks(model);
    case "json":
      return jsonChunks(model);
    case "csv":
      return csvChunks(model);
  }
}

export function renderReport(model: ReportDigest, format: TextFormat): string;
export function renderReport(model: ReportDigest, format: "pdf", printer?: PdfPrinter): Promise<Buffer>;
export function renderReport(
  model: ReportDigest,
  format: ReportFormat,
  printer?: PdfPrinter,
): string | Promise<Buffer> {
  if (format !== "pdf") return [...reportChunks(model, format)].join("");
  return renderPdf(model, printer);
}

/** With a printer, its browser is reused (and the caller closes it); without, one is started and closed. */
async function renderPdf(model: ReportDigest, printer?: PdfPrinter): Promise<Buffer> {
  const p = printer ?? new PdfPrinter();
  try {
    return await p.print(renderReport(model, "html"), model.scan.startedAt);
  } finally {
    if (!printer) await p.close();
  }
}
