// A validator for SARIF 2.1.0 from the official schema kept in test/fixtures (see its README).
import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";

let compiled: ValidateFunction | undefined;

export function sarifValidator(): ValidateFunction {
  if (compiled) return compiled;
  // The official schema is draft-04; its only draft-04 keyword is `id` (draft-07: `$id`).
  const schema = JSON.parse(readFileSync("test/fixtures/sarif-schema-2.1.0.json", "utf8")) as Record<
    string,
    unknown
  >;
  const { $schema: _draft, id, ...rest } = schema;
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addFormat("date-time", /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
  ajv.addFormat("uri", (s: string) => URL.canParse(s));
  ajv.addFormat("uri-reference", (s: string) => !/[\s<>"{}|\\^`]/.test(s) && !/%(?![0-9A-Fa-f]{2})/.test(s));
  compiled = ajv.compile({ ...rest, $id: id as string });
  return compiled;
}
