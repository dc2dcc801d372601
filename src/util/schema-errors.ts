// One way to turn JSON Schema (ajv) errors into lines a person can act on, for every file dpscan
// reads with a schema (rules, the settings file): every error at once, each as
// "file:line:col: field.path: message", with "did you mean" for a misspelt key or value.
import type { ErrorObject } from "ajv";
import { suggest } from "./suggest.js";
import { formatPath, type PathSegment, type SourceDoc } from "./yaml-source.js";

export interface SchemaIssue {
  path: PathSegment[];
  /** For an unknown key: the key itself, so its own position is reported. */
  key?: string;
  message: string;
}

/** Enumerations longer than this are not spelled out in a message. */
const LONG_ENUM = 20;

/** ajv's instancePath ("/a/0/b") as path segments below `base`. */
export function instancePath(pointer: string, base: readonly PathSegment[] = []): PathSegment[] {
  return [
    ...base,
    ...pointer
      .split("/")
      .slice(1)
      .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
      .map((s) => (/^\d+$/.test(s) ? Number(s) : s)),
  ];
}

function allowedKeys(e: ErrorObject): string[] {
  const parent = e.parentSchema as { properties?: Record<string, unknown> } | undefined;
  return Object.keys(parent?.properties ?? {});
}

/**
 * Issues for ajv errors (compile with `verbose: true` to get "did you mean" on unknown keys).
 * `noun` names what a key is in this file: a rule's "field", a setting's "option".
 */
export function schemaIssues(
  errors: readonly ErrorObject[],
  opts: { base?: readonly PathSegment[]; noun?: string } = {},
): SchemaIssue[] {
  const noun = opts.noun ?? "field";
  return errors.map((e) => {
    const path = instancePath(e.instancePath, opts.base);
    const p = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case "additionalProperties": {
        const key = String(p.additionalProperty);
        return { path, key, message: `unknown ${noun} "${key}"${suggest(key, allowedKeys(e))}` };
      }
      case "required":
        return { path, message: `missing required field "${String(p.missingProperty)}"` };
      case "enum": {
        const allowed = (p.allowedValues as unknown[]).map(String);
        const got = typeof e.data === "string" ? suggest(e.data, allowed) : "";
        // A long list (regions) would bury the suggestion: name the value and the nearest one.
        if (allowed.length > LONG_ENUM && typeof e.data === "string")
          return { path, message: `"${e.data}" is not one of the ${allowed.length} allowed values${got}` };
        return { path, message: `must be one of: ${allowed.join(", ")}${got}` };
      }
      case "pattern":
        // A required text field's "\S": say what it means, not the pattern.
        if (p.pattern === "\\S") return { path, message: "must not be blank" };
        return { path, message: e.message ?? e.keyword };
      default:
        return { path, message: e.message ?? e.keyword };
    }
  });
}

/** One line per distinct issue, positioned in the source document. */
export function issueLines(src: SourceDoc, issues: readonly SchemaIssue[]): string[] {
  const lines = issues.map(
    (i) => `${src.where(i.path, i.key)}: ${formatPath(i.key ? [...i.path, i.key] : i.path)}: ${i.message}`,
  );
  return [...new Set(lines)];
}
