// The report layer's library surface (for the CLI and the evidence pack): load frameworks, build
// the model of one scan, render it.
export { buildReport, inMemory, materialize, prepareReport, prepareReports } from "./build.js";
export {
  defaultFrameworksDir,
  loadFrameworks,
  parseFramework,
  requirementsByRule,
  walkRequirements,
  type Framework,
  type Requirement,
} from "./frameworks.js";
export { frameworkSchema } from "./framework-schema.js";
export * from "./model.js";
export { PdfPrinter, chromiumExecutable, launchChromium } from "./pdf.js";
export {
  EXTENSIONS,
  REPORT_FORMATS,
  renderReport,
  reportChunks,
  TEXT_FORMATS,
  type ReportFormat,
  type TextFormat,
} from "./render.js";
export { reportSchema } from "./report-schema.js";
export { parseScopeTag, reportSettingsSchema, WHOLE_SCAN, type ReportScope, type ScopeTag } from "./scope.js";
export { THREADS_FROM, writeReports, type ThreadsMode, type Written } from "./write.js";
