// Read AWS Config configuration items from files (`dpscan evaluate --input`): snapshot files
// ({"fileVersion": ..., "configurationItems": [...]}), JSON arrays of items, or JSON Lines.
// Every problem names the file and the item (index or line). Item statuses mean what they mean
// for the aggregator (items.ts): an item AWS Config does not record is a coverage gap, not a pass.
import { readFileSync, statSync } from "node:fs";
import type { CoverageInput } from "../../model/coverage.js";
import type { ResourceRecord } from "../../model/resource.js";
import { isKnownResourceType } from "../../model/resource-types.js";
import { ItemError, normalizeItem } from "../../model/normalize.js";
import { InputError } from "../../util/errors.js";
import { itemOperation, itemUse, NOT_RECORDED_CODE } from "./items.js";

export interface ReadResult {
  records: ResourceRecord[];
  /** Items of types no dpscan rule or collector knows, by type (counted, not stored). */
  ignoredTypes: Record<string, number>;
  /** Items AWS Config marks as deleted. */
  deleted: number;
  /** Items AWS Config marks ResourceNotRecorded: they exist, but have no configuration to judge. */
  notRecorded: number;
  /** One gap row per (account, region, type) with unrecorded items: their rules give UNKNOWN there. */
  coverage: CoverageInput[];
}

/** Unrecorded items of one (account, region, type). */
interface NotRecorded {
  accountId: string;
  region: string;
  type: string;
  files: Set<string>;
  ids: string[];
}

/** Resource ids named in a gap row's message; the count covers the rest. */
const IDS_SHOWN = 3;

/** Larger inputs should be split or streamed through JSON Lines. */
export const MAX_INPUT_BYTES = 512 * 1024 * 1024;

export function readConfigItems(files: string[]): ReadResult {
  const out: ReadResult = { records: [], ignoredTypes: {}, deleted: 0, notRecorded: 0, coverage: [] };
  const errors: string[] = [];
  const unrecorded = new Map<string, NotRecorded>();
  for (const file of files) {
    let text: string;
    try {
      const size = statSync(file).size;
      if (size > MAX_INPUT_BYTES)
        throw new InputError([`${file}: ${size} bytes is over the ${MAX_INPUT_BYTES}-byte input limit`]);
      text = readFileSync(file, "utf8");
    } catch (err) {
      if (err instanceof InputError) throw err;
      throw new InputError([`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
    }
    const items = parseItems(file, text);
    for (const { item, where } of items) {
      if (errors.length >= 20) break;
      const use = itemUse(item);
      if (use === "deleted") {
        out.deleted++;
        continue;
      }
      const type =
        item && typeof item === "object" ? (item as Record<string, unknown>).resourceType : undefined;
      if (typeof type === "string" && !isKnownResourceType(type)) {
        out.ignoredTypes[type] = (out.ignoredTypes[type] ?? 0) + 1;
        continue;
      }
      try {
        const record = normalizeItem(item);
        if (use === "notRecorded") {
          out.notRecorded++;
          noteUnrecorded(unrecorded, record, file);
        } else {
          out.records.push(record);
        }
      } catch (err) {
        if (!(err instanceof ItemError)) throw err;
        errors.push(`${file}: ${where}: ${err.message}`);
      }
    }
  }
  if (errors.length > 0) throw new InputError(errors);
  out.coverage = [...unrecorded.values()].map((u) => unrecordedRow(u, out.records));
  return out;
}

function noteUnrecorded(into: Map<string, NotRecorded>, r: ResourceRecord, file: string): void {
  const key = `${r.awsAccountId}/${r.awsRegion}/${r.resourceType}`;
  let u = into.get(key);
  if (!u) {
    u = { accountId: r.awsAccountId, region: r.awsRegion, type: r.resourceType, files: new Set(), ids: [] };
    into.set(key, u);
  }
  u.files.add(file);
  u.ids.push(r.resourceId);
}

/**
 * A failed read of the type in the items' account and region: every rule on it gives UNKNOWN there,
 * as for an aggregator's unrecorded items (`scan --source config`).
 */
function unrecordedRow(u: NotRecorded, records: readonly ResourceRecord[]): CoverageInput {
  const recorded = records.filter(
    (r) => r.awsAccountId === u.accountId && r.awsRegion === u.region && r.resourceType === u.type,
  ).length;
  const n = u.ids.length;
  const shown = u.ids.slice(0, IDS_SHOWN).join(", ") + (n > IDS_SHOWN ? `, … (${n - IDS_SHOWN} more)` : "");
  return {
    accountId: u.accountId,
    region: u.region,
    service: "config",
    operation: itemOperation(u.type),
    status: "failed",
    scope: "region",
    resourceTypes: [u.type],
    errorCode: NOT_RECORDED_CODE,
    errorMessage: `${n} of ${n + recorded} ${u.type} item(s) in ${[...u.files].join(", ")} are ${NOT_RECORDED_CODE}: AWS Config holds no configuration for them, so they were not examined (${shown})`,
    resourceCount: recorded,
    apiCalls: 0,
    finishedAt: new Date().toISOString(),
  };
}

function parseItems(file: string, text: string): { item: unknown; where: string }[] {
  const trimmed = text.trimStart();
  if (trimmed === "") throw new InputError([`${file}: file is empty`]);
  if (trimmed.startsWith("[") || (trimmed.startsWith("{") && !looksLikeJsonLines(trimmed))) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new InputError([`${file}: ${jsonErrorWhere(text, err as Error)}`]);
    }
    if (Array.isArray(doc)) return doc.map((item, i) => ({ item, where: `item [${i}]` }));
    const d = doc as Record<string, unknown>;
    if (Array.isArray(d.configurationItems)) {
      return d.configurationItems.map((item, i) => ({ item, where: `configurationItems[${i}]` }));
    }
    if (typeof d.resourceType === "string") return [{ item: d, where: "item" }];
    throw new InputError([
      `${file}: not an AWS Config snapshot: expected {"configurationItems": [...]}, a JSON array of items, or JSON Lines`,
    ]);
  }
  const out: { item: unknown; where: string }[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      out.push({ item: JSON.parse(line), where: `line ${i + 1}` });
    } catch (err) {
      throw new InputError([`${file}:${i + 1}: invalid JSON: ${(err as Error).message}`]);
    }
  });
  return out;
}

function looksLikeJsonLines(text: string): boolean {
  const firstLine = text.split("\n", 1)[0] ?? "";
  if (!firstLine.trim().endsWith("}")) return false;
  try {
    JSON.parse(firstLine);
    return text.trim().includes("\n");
  } catch {
    return false;
  }
}

/** Turn V8's "at position N" into file line:col. */
function jsonErrorWhere(text: string, err: Error): string {
  const m = /position (\d+)/.exec(err.message);
  if (!m) return `invalid JSON: ${err.message}`;
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split("\n").length;
  const col = pos - before.lastIndexOf("\n");
  return `${line}:${col}: invalid JSON: ${err.message.replace(/ in JSON at position \d+.*$/, "")}`;
}
