// The JSON report: the model itself (schemas/report.schema.json), written in pieces so a scan of
// a million findings never needs one string of its whole size. The bytes are exactly those of
// JSON.stringify(model, null, 2) plus a final newline.
import type { ReportModel } from "./model.js";

const indent = (text: string, spaces: number): string => text.replace(/\n/g, `\n${" ".repeat(spaces)}`);

export function* jsonChunks(m: ReportModel): Generator<string> {
  const entries = Object.entries(m);
  yield "{\n";
  for (const [i, [key, value]] of entries.entries()) {
    const comma = i < entries.length - 1 ? "," : "";
    if (!Array.isArray(value) || value.length === 0) {
      yield `  ${JSON.stringify(key)}: ${indent(JSON.stringify(value, null, 2), 2)}${comma}\n`;
      continue;
    }
    yield `  ${JSON.stringify(key)}: [\n`;
    let batch = "";
    for (let j = 0; j < value.length; j++) {
      batch += `    ${indent(JSON.stringify(value[j], null, 2), 4)}${j < value.length - 1 ? "," : ""}\n`;
      if (j % 1000 === 999) {
        yield batch;
        batch = "";
      }
    }
    yield `${batch}  ]${comma}\n`;
  }
  yield "}\n";
}

export function renderJson(model: ReportModel): string {
  return [...jsonChunks(model)].join("");
}
