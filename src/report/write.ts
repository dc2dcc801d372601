// Reports of one scan written to a folder, one file per framework and format, each whole or absent:
// `dpscan report`, the demo and a schedule's after-actions (`dpscan serve`) all write them so.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { ScanRow, Store } from "../store/store.js";
import { writeFileAtomically } from "../util/atomic-file.js";
import { prepareReport } from "./build.js";
import type { Framework } from "./frameworks.js";
import { REQUIREMENT_STATUSES, STATUS_LABELS } from "./model.js";
import { PdfPrinter } from "./pdf.js";
import { EXTENSIONS, renderReport, reportChunks, type ReportFormat } from "./render.js";
import type { ReportScope } from "./scope.js";
import type { Waived } from "./waived.js";

export interface Written {
  path: string;
  /** The path and the framework's requirement statuses, for the person watching. */
  line: string;
}

/** Build each framework's model once and write it in every format; returns the files written. */
export async function writeReports(o: {
  store: Store;
  scan: ScanRow;
  frameworks: readonly Framework[];
  formats: readonly ReportFormat[];
  dir: string;
  scopeFor: (frameworkId: string) => ReportScope;
  /** The waivers that apply to the scan (waiversForOutput). */
  waived: Waived;
}): Promise<Written[]> {
  mkdirSync(o.dir, { recursive: true });
  const printer = o.formats.includes("pdf") ? new PdfPrinter() : undefined;
  const written: Written[] = [];
  try {
    for (const fw of o.frameworks) {
      const model = prepareReport(o.store, o.scan.id, fw, o.scopeFor(fw.id), o.waived);
      const counts = REQUIREMENT_STATUSES.map(
        (s) => `${model.summary.requirements[s]} ${STATUS_LABELS[s]}`,
      ).join(", ");
      for (const format of o.formats) {
        const path = join(o.dir, `${fw.id}.${EXTENSIONS[format]}`);
        if (format === "pdf") writeFileAtomically(path, [await renderReport(model, "pdf", printer)]);
        else writeFileAtomically(path, reportChunks(model, format));
        written.push({ path, line: `${path}  (${fw.title}: ${counts})` });
      }
    }
  } finally {
    await printer?.close();
  }
  return written;
}
