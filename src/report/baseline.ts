// Baselines for `dpscan gate --new-only`: the FAIL and UNKNOWN results accepted as legacy, so only
// what is new since blocks. A baseline is a stored scan, or a file written by `dpscan baseline
// export` (JSON, schemas/baseline.schema.json) that a repository can keep beside its pipeline.
import { readFileSync, statSync } from "node:fs";
import { Ajv } from "ajv";
import { findingFingerprint, findingIdentity, type FindingRow } from "../model/finding.js";
import type { JsonObject } from "../model/resource.js";
import { SEVERITIES } from "../model/severity.js";
import type { ScanRow, Store } from "../store/store.js";
import { InputError } from "../util/errors.js";
import { JsonStream } from "./json-stream.js";
import { issueLines, schemaIssues } from "../util/schema-errors.js";
import { readSourceFile } from "../util/yaml-source.js";
import { VERSION } from "../version.js";

export const BASELINE_FORMAT = 1;

export interface Baseline {
  /** For messages: "scan 12" or the file name. */
  label: string;
  /** Identities that FAILed, and that were UNKNOWN, in the baseline. */
  fail: Set<string>;
  unknown: Set<string>;
}

export function baselineSchema(): JsonObject {
  const finding = {
    type: "object",
    additionalProperties: false,
    required: ["identity", "status", "ruleId", "accountId", "region", "resourceType", "resourceId"],
    properties: {
      identity: {
        type: "string",
        minLength: 1,
        description: "rule|account|region|resource (the finding's identity)",
      },
      fingerprint: { type: "string", pattern: "^[0-9a-f]{64}$" },
      status: { enum: ["FAIL", "UNKNOWN"] },
      severity: { enum: [...SEVERITIES] },
      ruleId: { type: "string" },
      accountId: { type: "string" },
      region: { type: "string" },
      resourceType: { type: "string" },
      resourceId: { type: "string" },
      arn: { type: ["string", "null"] },
    },
  };
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: "https://dpscan.dev/schemas/baseline.schema.json",
    title: "dpscan baseline (dpscan baseline export)",
    type: "object",
    additionalProperties: false,
    required: ["dpscanBaseline", "findings"],
    properties: {
      dpscanBaseline: { const: BASELINE_FORMAT, description: "format version" },
      exportedAt: { type: "string" },
      dpscanVersion: { type: "string" },
      scan: {
        type: "object",
        additionalProperties: false,
        properties: { id: { type: "integer" }, startedAt: { type: "string" }, source: { type: "string" } },
      },
      findings: { type: "array", items: finding },
    },
  };
}

const validate = new Ajv({ allErrors: true, strict: false, verbose: true }).compile(baselineSchema());

/** A baseline file's document; `findings` is streamed (write it with prettyJson). */
export interface BaselineExport {
  dpscanBaseline: number;
  exportedAt: string;
  dpscanVersion: string;
  scan: { id: number; startedAt: string; source: string };
  findings: JsonStream;
}

/**
 * The FAIL and UNKNOWN results of a scan as a baseline document, sorted so diffs of it stay small.
 * Only identities, statuses and severities are held to sort them, never messages or evidence.
 */
export function exportBaseline(store: Store, scan: ScanRow): BaselineExport {
  const keys = [...store.iterateFindingKeys(scan.id, ["FAIL", "UNKNOWN"])].map(
    (k) => [findingIdentity(k), k] as const,
  );
  keys.sort(([a, x], [b, y]) => a.localeCompare(b) || x.status.localeCompare(y.status));
  function* findings(): Generator<JsonObject> {
    for (const [identity, f] of keys)
      yield {
        identity,
        fingerprint: findingFingerprint(identity),
        status: f.status,
        severity: f.severity,
        ruleId: f.ruleId,
        accountId: f.accountId,
        region: f.region,
        resourceType: f.resourceType,
        resourceId: f.resourceId,
        arn: f.arn,
      };
  }
  return {
    dpscanBaseline: BASELINE_FORMAT,
    exportedAt: new Date().toISOString(),
    dpscanVersion: VERSION,
    scan: { id: scan.id, startedAt: scan.startedAt, source: scan.source },
    findings: new JsonStream(findings()),
  };
}

function fromRows(
  label: string,
  rows: Iterable<Pick<FindingRow, "status"> & { identity: string }>,
): Baseline {
  const b: Baseline = { label, fail: new Set(), unknown: new Set() };
  for (const r of rows) (r.status === "FAIL" ? b.fail : b.unknown).add(r.identity);
  return b;
}

export function baselineFromScan(store: Store, scan: ScanRow): Baseline {
  function* rows(): Generator<Pick<FindingRow, "status"> & { identity: string }> {
    for (const k of store.iterateFindingKeys(scan.id, ["FAIL", "UNKNOWN"]))
      yield { status: k.status, identity: findingIdentity(k) };
  }
  return fromRows(`scan ${scan.id}`, rows());
}

/** Baseline files of big organisations outgrow the YAML reader's bound: JSON is read directly. */
const MAX_BASELINE_BYTES = 256 * 1024 * 1024;

/** Read a baseline file; errors name file, line and column. */
export function loadBaselineFile(file: string): Baseline {
  let data: unknown;
  try {
    if (statSync(file).size > MAX_BASELINE_BYTES)
      throw new InputError([`${file}: larger than ${MAX_BASELINE_BYTES} bytes`]);
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    if (err instanceof InputError) throw err;
    data = undefined; // unreadable or not JSON: the positioned reader says where and why
  }
  if (data === undefined || !validate(data)) {
    const src = readSourceFile(file);
    if (!validate(src.data)) throw new InputError(issueLines(src, schemaIssues(validate.errors ?? [])));
    data = src.data;
  }
  const doc = data as { findings: { identity: string; status: "FAIL" | "UNKNOWN" }[] };
  return fromRows(file, doc.findings);
}
