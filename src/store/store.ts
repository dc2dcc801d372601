// The SQLite store: scans, resources, findings and coverage. WAL mode, foreign keys on,
// bulk writes in transactions with prepared statements. See docs/database.md.
import { mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { unitKey, type CoverageInput, type CoverageRow } from "../model/coverage.js";
import {
  findingIdentitySql,
  type FindingInput,
  type FindingRow,
  type LifecycleState,
} from "../model/finding.js";
import { asUnreadable, type JsonObject, type ResourceRecord } from "../model/resource.js";
import {
  maxSeverity,
  SEVERITIES,
  severityRank,
  STATUSES,
  type Severity,
  type Status,
} from "../model/severity.js";
import { batches as inBatches } from "../util/batches.js";
import { VERSION } from "../version.js";
import { captureIndexIn, type CaptureIndexTable } from "./capture-index.js";
import { Checkpointer, LOCK_WAIT_MS, type CheckpointerOptions } from "./checkpointer.js";
import { lastOpened, storeEnvironmentError } from "./errors.js";
import { migrate, refuseUnknownSchema } from "./migrations.js";

export type ScanKind = "evaluate" | "scan";
export type ScanStatus = "running" | "complete" | "failed" | "interrupted";

export type { CaptureEntry } from "./capture-index.js";

/** What a process claims a scan with: its token is known only to it, and never read back. */
export interface OwnerClaim {
  pid: number;
  host: string;
  token: string;
}

export interface ScanRow {
  id: number;
  kind: ScanKind;
  status: ScanStatus;
  source: string;
  options: JsonObject;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  summary: JsonObject | null;
  error: string | null;
  dpscanVersion: string;
  /** The process that runs (or ran) the scan, and its last sign of life. */
  ownerPid: number | null;
  ownerHost: string | null;
  heartbeatAt: string | null;
  /** `running` with no live owner: the process crashed or was killed (`--resume` continues it). */
  stale: boolean;
}

/** What the store keeps of each rule a scan was judged by. */
export interface RuleStamp {
  id: string;
  title: string;
  severity: Severity;
  sha256: string;
  remediation: string;
  references: object;
}

/** A finding as a report presents it: its rule's words and its life across scans (migration 007). */
/** Where a finding is: its rule and resource (Store.iterateFindingPlaces). */
export type FindingPlace = Pick<
  FindingRow,
  "ruleId" | "accountId" | "region" | "resourceType" | "resourceId"
>;

/** A finding's identity with its status and severity: what a baseline keeps (Store.iterateFindingKeys). */
export type FindingKey = FindingPlace & Pick<FindingRow, "status" | "severity" | "arn">;

export interface FindingDocRow extends FindingRow {
  title: string | null;
  remediation: string | null;
  references: JsonObject | null;
  /** What this scan did to it; null when it opened nothing or the scan is not complete. */
  lifecycle: LifecycleState | null;
  /**
   * For a FAIL or UNKNOWN result: the start of the first complete scan in which this finding (same
   * identity) FAILed, up to this scan (finding_lifecycle.first_seen_at); null when it never has.
   */
  firstSeen: string | null;
  firstSeenScanId: number | null;
  /** The start of the latest complete scan in which it FAILed (null when it never has). */
  lastSeen: string | null;
}

/** Resources a scan received more than once (a true duplicate: same ARN, or same id without one). */
export interface DuplicateReport {
  /** Resources that arrived more than once. */
  resources: number;
  /** Copies beyond the first (the newest capture is kept). */
  copies: number;
  examples: {
    resourceType: string;
    resourceId: string;
    arn: string | null;
    accountId: string;
    region: string;
    copies: number;
  }[];
}

/** Per-rule counts of a scan's findings. */
export interface RuleTally {
  ruleId: string;
  severity: Severity;
  FAIL: number;
  UNKNOWN: number;
  PASS: number;
}

/** A running scan's owner refreshes its heartbeat this often; one silent for 4 beats is stale. */
export const HEARTBEAT_MS = 30_000;
export const STALE_AFTER_MS = 4 * HEARTBEAT_MS;

/** The finding columns a table may ask the widest value of. */
export const FINDING_COLUMNS = {
  status: "status",
  severity: "severity",
  ruleId: "rule_id",
  accountId: "account_id",
  region: "region",
  resourceType: "resource_type",
  resourceId: "resource_id",
  message: "message",
} as const;
export type FindingColumn = keyof typeof FINDING_COLUMNS;

/** A finding's identity in SQL, as findingIdentity (src/model/finding.ts) builds it. */
const IDENTITY = findingIdentitySql("f");

/** The columns insertFindings writes, in its parameters' order. */
const FINDING_INPUT_COLUMNS = `scan_id, resource_pk, rule_id, status_key, severity_rank, message, evidence_json,
  resource_type, resource_id, arn, account_id, region`;
const FINDING_PARAMS = FINDING_INPUT_COLUMNS.split(",").length;

export interface FindingFilter {
  statuses?: Status[];
  minSeverity?: Severity;
  ruleIds?: string[];
  accountIds?: string[];
  regions?: string[];
  resourceTypes?: string[];
  /** Only findings this scan opened: new, or reopened (`findings --new`). */
  opened?: boolean;
  /** Only findings first seen at or after this ISO 8601 time (`findings --since`). */
  firstSeenSince?: string;
  limit?: number;
}

/**
 * Rows per write transaction, and records a sink holds before it writes them (exported so the
 * collection worker posts batches of the size the store writes).
 */
export const INSERT_BATCH = 500;
/**
 * Findings per transaction: each commit writes the right-edge pages of the table and its indexes
 * to the WAL again, so fewer commits write fewer bytes (1M items: 10% fewer than 500 per
 * transaction; bench/README.md).
 */
const FINDING_BATCH = 5000;

/** The columns of a resource row that its record fills (in insert order). */
export const RECORD_COLUMNS = [
  "resource_type",
  "resource_id",
  "resource_name",
  "arn",
  "account_id",
  "region",
  "configuration_json",
  "supplementary_json",
  "tags_json",
  "capture_time",
] as const;

/**
 * A record as the store writes it: RECORD_COLUMNS' values, its JSON made once (where it is
 * collected, so a worker thread posts strings the main thread writes as they are).
 */
export type ResourceRow = [
  resourceType: string,
  resourceId: string,
  resourceName: string | null,
  arn: string | null,
  accountId: string,
  region: string,
  configurationJson: string,
  supplementaryJson: string,
  tagsJson: string,
  captureTime: string,
];

/**
 * A finding as the store binds it after its scan id (finding_rows, migration 013): made where the
 * finding is judged, so a judge worker posts strings and numbers the writing thread binds as they
 * are (its evidence JSON made once). A finding of a stored resource names it by row id and leaves
 * the resource's identity to that row; only a coverage gap's finding (no row) carries its own.
 */
export type FindingParams = [
  resourcePk: number | null,
  ruleId: string,
  statusKey: number,
  severityRank: number,
  message: string,
  evidenceJson: string,
  resourceType: string | null,
  resourceId: string | null,
  arn: string | null,
  accountId: string | null,
  region: string | null,
];

export function toFindingParams(f: FindingInput): FindingParams {
  // Built once per finding judged (2.5M at 1M items): one array, no intermediate to spread.
  const status = STATUS_NUMBER[f.status];
  const rank = severityRank(f.severity);
  const evidence = JSON.stringify(f.evidence);
  const pk = f.resourcePk;
  if (pk !== undefined)
    return [pk, f.ruleId, status, rank, f.message, evidence, null, null, null, null, null];
  const r = f.resource;
  return [
    null,
    f.ruleId,
    status,
    rank,
    f.message,
    evidence,
    r.resourceType,
    r.resourceId,
    r.arn || null,
    r.awsAccountId,
    r.awsRegion,
  ];
}

/** A record's three JSON columns as the store writes them (the item parser hashes them too). */
export interface ResourceJson {
  configuration: string;
  supplementary: string;
  tags: string;
}

export const resourceJson = (r: ResourceRecord): ResourceJson => ({
  configuration: JSON.stringify(r.configuration),
  supplementary: JSON.stringify(r.supplementaryConfiguration),
  tags: JSON.stringify(r.tags),
});

/** The store's row of a record; `json`, when the caller has made it already (resourceJson of r). */
export function toResourceRow(r: ResourceRecord, json: ResourceJson = resourceJson(r)): ResourceRow {
  return [
    r.resourceType,
    r.resourceId,
    r.resourceName,
    r.arn || null, // an empty ARN (a careless endpoint) is no ARN: keyed by id
    r.awsAccountId,
    r.awsRegion,
    json.configuration,
    json.supplementary,
    json.tags,
    r.configurationItemCaptureTime,
  ];
}

export interface SinkOptions {
  /** A newer capture of a resource already written replaces it (insertResources). */
  replace?: boolean;
  /** Told the row ids of each batch the sink has written and committed itself. */
  written?: (ids: number[]) => void;
}

/**
 * One collection unit's records on their way to the store: written in batches as they come, so
 * memory follows the batch, not the unit; the unit's commit (completeUnit) takes what is left.
 */
export class ResourceSink {
  private buffer: ResourceRow[] = [];
  private added = 0;

  constructor(
    private readonly store: Store,
    private readonly scanId: number,
    private readonly opts: SinkOptions = {},
  ) {}

  add(records: Iterable<ResourceRecord>): void {
    for (const r of records) this.push(toResourceRow(r));
  }

  /** Rows made elsewhere (a collection worker's). */
  addRows(rows: Iterable<ResourceRow>): void {
    for (const r of rows) this.push(r);
  }

  private push(row: ResourceRow): void {
    this.buffer.push(row);
    this.added++;
    if (this.buffer.length >= INSERT_BATCH) {
      const ids = this.store.insertResources(this.scanId, this.buffer, this.opts);
      this.buffer = [];
      this.opts.written?.(ids);
    }
  }

  /** Records added so far (written or not). */
  get count(): number {
    return this.added;
  }

  /** The rows not yet written, handed over (for completeUnit). */
  take(): ResourceRow[] {
    const rest = this.buffer;
    this.buffer = [];
    return rest;
  }
}

/** A store's resource, unit and finding writes, prepared once (a scan commits hundreds of units). */
interface Writes {
  /** Upserts by key (ARN, or account, region, type and id), plain and `replace`. */
  upsert: Record<"plain" | "replace", { byArn: Database.Statement; byId: Database.Statement }>;
  coverage: Database.Statement;
  unit: Database.Statement;
  finding: Database.Statement;
}

/**
 * `fn` with the foreign-key checks off, for deletes that first remove the findings naming the rows
 * they delete: the cascade from `resources` would read every finding of every scan for each row
 * (finding_rows.resource_pk leads no index). The pragma is a no-op inside a transaction, so callers
 * there keep the cascade instead.
 */
export function withForeignKeysOff<T>(db: Database.Database, fn: () => T): T {
  db.pragma("foreign_keys = OFF");
  try {
    return fn();
  } finally {
    db.pragma("foreign_keys = ON");
  }
}

export class Store {
  readonly db: Database.Database;
  readonly schemaVersion: number;
  /** Per resumed scan, the last resource row written before this run (see insertResources). */
  private readonly rerunFloor = new Map<number, number>();
  private prepared: Writes | undefined;
  private checkpointer: Checkpointer | undefined;

  constructor(
    readonly path: string,
    opts: { readonly?: boolean } = {},
  ) {
    lastOpened.path = path;
    try {
      if (path !== ":memory:" && !opts.readonly) mkdirSync(dirname(path), { recursive: true });
      this.db = new Database(path, {
        readonly: Boolean(opts.readonly),
        fileMustExist: Boolean(opts.readonly),
      });
    } catch (err) {
      throw storeEnvironmentError(err, path, true) ?? err;
    }
    try {
      // Before anything writes (WAL mode changes the file): a newer database is refused, never altered.
      refuseUnknownSchema(this.db, path);
      this.db.pragma(`busy_timeout = ${LOCK_WAIT_MS}`);
      if (!opts.readonly) this.db.pragma("journal_mode = WAL");
      this.db.pragma("foreign_keys = ON");
      this.db.pragma("synchronous = NORMAL");
      // 64 MiB of page cache (the default is 2 MiB): a scan's findings move into three indexes
      // whose pages then stay cached instead of being read back from the file for every row.
      this.db.pragma("cache_size = -65536");
      this.schemaVersion = migrate(this.db, path);
    } catch (err) {
      this.db.close();
      throw storeEnvironmentError(err, path) ?? err;
    }
  }

  /**
   * Move the WAL checkpoints to a thread of their own until its stop() or close (checkpointer.ts),
   * while a scan is written for minutes. None for an in-memory or read-only store, nor when no
   * built worker exists (run from the sources) unless `script` is given.
   */
  checkpointInBackground(opts: CheckpointerOptions = {}): Checkpointer | undefined {
    if (this.checkpointer?.running) return this.checkpointer;
    if (this.db.readonly || this.db.memory) return undefined;
    if (!opts.script && !Checkpointer.available()) return undefined;
    this.checkpointer = new Checkpointer(this.db, this.path, opts);
    return this.checkpointer;
  }

  /**
   * `fn` with the WAL checkpoints on their own thread (checkpointInBackground), stopped after,
   * unless a caller around it had started them: then they are that caller's to stop.
   */
  async withBackgroundCheckpoints<T>(fn: () => Promise<T>, opts: CheckpointerOptions = {}): Promise<T> {
    const outer = this.checkpointer?.running === true;
    const checkpoints = this.checkpointInBackground(opts);
    try {
      return await fn();
    } finally {
      if (!outer) checkpoints?.stop();
    }
  }

  close(): void {
    // Its connection first, so the writer's is the last: SQLite then checkpoints the WAL and removes it.
    this.checkpointer?.stop();
    this.db.close();
  }

  /**
   * Start a scan row owned by this process; `now` is the scan's one evaluation time, stored as its
   * start. With `owner`, the row carries that claim's token, so only its holder can end it.
   */
  beginScan(
    kind: ScanKind,
    source: string,
    options: JsonObject = {},
    now = new Date(),
    owner?: OwnerClaim,
  ): number {
    const r = this.db
      .prepare(
        `INSERT INTO scans (kind, status, source, options_json, started_at, dpscan_version,
           owner_pid, owner_host, owner_token, heartbeat_at, run_started_at)
         VALUES (?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        kind,
        source,
        JSON.stringify(options),
        now.toISOString(),
        VERSION,
        owner?.pid ?? process.pid,
        owner?.host ?? hostname(),
        owner?.token ?? null,
        now.toISOString(),
        now.toISOString(),
      );
    if (owner) holdClaim(owner.token);
    return Number(r.lastInsertRowid);
  }

  /** Renew the owner's heartbeat (see HEARTBEAT_MS); false when the scan is no longer this owner's. */
  heartbeat(id: number, token: string): boolean {
    return (
      this.db
        .prepare("UPDATE scans SET heartbeat_at = ? WHERE id = ? AND status = 'running' AND owner_token = ?")
        .run(new Date().toISOString(), id, token).changes > 0
    );
  }

  /**
   * End the current run; the duration is the time spent running, over all runs of the scan. With
   * `token`, only while the caller still owns it: false when another process took it over
   * (nothing is written then).
   */
  finishScan(
    id: number,
    status: Exclude<ScanStatus, "running">,
    summary: JsonObject | null,
    error?: string,
    token?: string,
  ): boolean {
    const row = this.db
      .prepare("SELECT started_at, run_started_at, active_ms FROM scans WHERE id = ?")
      .get(id) as { started_at: string; run_started_at: string | null; active_ms: number } | undefined;
    if (!row) throw new Error(`no scan ${id}`);
    if (token) releaseClaim(token);
    const finished = new Date();
    const runStart = Date.parse(row.run_started_at ?? row.started_at);
    const r = this.db
      .prepare(
        `UPDATE scans SET status = ?, finished_at = ?, duration_ms = ?, summary_json = ?, error = ?,
           heartbeat_at = ?, owner_token = NULL
         WHERE id = ? AND (? IS NULL OR owner_token = ?)`,
      )
      .run(
        status,
        finished.toISOString(),
        row.active_ms + Math.max(0, finished.getTime() - runStart),
        summary ? JSON.stringify(summary) : null,
        error ?? null,
        finished.toISOString(),
        id,
        token ?? null,
        token ?? null,
      );
    return r.changes > 0;
  }

  /**
   * Take an incomplete scan over for --resume, in one exclusive transaction so two resumes cannot
   * both win: a scan whose owner is alive (ownerAlive) is returned and nothing changes. Otherwise
   * the scan becomes `owner`'s, running again, its findings cleared (recomputed at the end). The
   * earlier runs' time is kept (for a crashed run, up to its last heartbeat), so the scan's
   * duration leaves out the time it lay interrupted.
   */
  claimScan(id: number, owner: OwnerClaim): { claimed: true } | { claimed: false; scan: ScanRow } {
    return this.db
      .transaction(() => {
        const r = this.db.prepare("SELECT * FROM scans WHERE id = ?").get(id) as RawScan | undefined;
        if (!r) throw new Error(`no scan ${id}`);
        if (r.status === "running" && ownerAlive(toOwner(r)))
          return { claimed: false as const, scan: toScan(r) };
        const runStart = Date.parse(r.run_started_at ?? r.started_at);
        const crashedRun = r.heartbeat_at ? Math.max(0, Date.parse(r.heartbeat_at) - runStart) : 0;
        const earlier = r.status === "running" ? r.active_ms + crashedRun : (r.duration_ms ?? r.active_ms);
        const now = new Date().toISOString();
        this.db.prepare("DELETE FROM finding_rows WHERE scan_id = ?").run(id);
        const last = this.db.prepare("SELECT MAX(id) AS id FROM resources WHERE scan_id = ?").get(id) as {
          id: number | null;
        };
        this.rerunFloor.set(id, last.id ?? 0);
        this.db
          .prepare(
            `UPDATE scans SET status = 'running', finished_at = NULL, duration_ms = NULL, error = NULL,
               active_ms = ?, run_started_at = ?, heartbeat_at = ?, owner_pid = ?, owner_host = ?,
               owner_token = ? WHERE id = ?`,
          )
          .run(earlier, now, now, owner.pid, owner.host, owner.token, id);
        holdClaim(owner.token);
        return { claimed: true as const };
      })
      .exclusive();
  }

  recordRules(
    scanId: number,
    rules: readonly RuleStamp[],
    params: Record<string, Record<string, unknown>> = {},
  ): void {
    const stmt = this.db.prepare(
      `INSERT OR REPLACE INTO scan_rules (scan_id, rule_id, title, severity, sha256, params_json, remediation, references_json)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.db.transaction(() => {
      for (const r of rules)
        stmt.run(
          scanId,
          r.id,
          r.title,
          r.severity,
          r.sha256,
          JSON.stringify(params[r.id] ?? {}),
          r.remediation,
          JSON.stringify(r.references),
        );
    })();
  }

  /**
   * Insert resources in batched transactions; returns their row ids in order. A resource is keyed
   * by its ARN, or by account, region, type and id when it has none. A copy of a resource already
   * in the scan is counted (`duplicates`) and replaces the stored record only when it was captured
   * at the same time or later: the newest capture is kept, and the duplicate is never silent.
   * With `replace`, the caller has already chosen the newest capture (`evaluate --input`'s capture
   * index, which reports what it superseded): a stored copy is replaced and not counted.
   */
  insertResources(
    scanId: number,
    items: Iterable<ResourceRecord | ResourceRow>,
    opts: { replace?: boolean } = {},
  ): number[] {
    const { byArn, byId } = this.writes().upsert[opts.replace ? "replace" : "plain"];
    // A row written before this run (a unit a crash cut short, run again by --resume) is replaced
    // by the new capture and is not a duplicate.
    const floor = { floor: this.rerunFloor.get(scanId) ?? 0 };
    const ids: number[] = [];
    const write = this.db.transaction((batch: (ResourceRecord | ResourceRow)[]) => {
      for (const item of batch) {
        const row = Array.isArray(item) ? item : toResourceRow(item);
        const { id } = (row[3] === null ? byId : byArn).get(scanId, ...row, floor) as { id: number };
        ids.push(id);
      }
    });
    for (const batch of batches(items)) write(batch);
    return ids;
  }

  /** The resource, unit and finding statements, prepared on first use. */
  private writes(): Writes {
    if (this.prepared) return this.prepared;
    const columns = RECORD_COLUMNS;
    const earlier = "resources.id <= @floor";
    const newer = `${earlier} OR COALESCE(julianday(excluded.capture_time) >= julianday(resources.capture_time), 1)`;
    const upsert = (target: string, replace: boolean): Database.Statement =>
      this.db.prepare(
        `INSERT INTO resources (scan_id, ${columns.join(", ")}) VALUES (${["?", ...columns.map(() => "?")].join(", ")})
         ON CONFLICT ${target} DO UPDATE SET ${replace ? "" : `duplicates = duplicates + (CASE WHEN ${earlier} THEN 0 ELSE 1 END),`}
           ${columns.map((c) => (replace ? `${c} = excluded.${c}` : `${c} = CASE WHEN ${newer} THEN excluded.${c} ELSE resources.${c} END`)).join(",\n           ")}
         RETURNING id`,
      );
    const both = (replace: boolean): Writes["upsert"]["plain"] => ({
      byArn: upsert("(scan_id, resource_type, arn) WHERE arn IS NOT NULL", replace),
      byId: upsert("(scan_id, account_id, region, resource_type, resource_id) WHERE arn IS NULL", replace),
    });
    this.prepared = {
      upsert: { plain: both(false), replace: both(true) },
      coverage: this.db.prepare(
        `INSERT INTO coverage (scan_id, account_id, region, service, operation, status, scope,
           resource_types_json, error_code, error_message, resource_count, api_calls, started_at, finished_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (scan_id, account_id, region, service, operation) DO UPDATE SET
           status = excluded.status, scope = excluded.scope, resource_types_json = excluded.resource_types_json, error_code = excluded.error_code, error_message = excluded.error_message,
           resource_count = excluded.resource_count, api_calls = excluded.api_calls,
           started_at = excluded.started_at, finished_at = excluded.finished_at`,
      ),
      unit: this.db.prepare(
        `INSERT OR REPLACE INTO scan_units (scan_id, account_id, region, collector, resource_count, finished_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      finding: this.db.prepare(
        `INSERT INTO finding_rows (${FINDING_INPUT_COLUMNS}) VALUES (${Array(FINDING_PARAMS).fill("?").join(", ")})`,
      ),
    };
    return this.prepared;
  }

  /** The resources a scan received more than once, with up to `limit` of them named. */
  duplicateResources(scanId: number, limit = 10): DuplicateReport {
    const totals = this.db
      .prepare(
        "SELECT COUNT(*) AS resources, COALESCE(SUM(duplicates), 0) AS copies FROM resources WHERE scan_id = ? AND duplicates > 0",
      )
      .get(scanId) as { resources: number; copies: number };
    const examples = this.db
      .prepare(
        `SELECT resource_type AS resourceType, resource_id AS resourceId, arn, account_id AS accountId,
           region, duplicates AS copies
         FROM resources WHERE scan_id = ? AND duplicates > 0 ORDER BY id LIMIT ?`,
      )
      .all(scanId, limit) as DuplicateReport["examples"];
    return { ...totals, examples };
  }

  /**
   * Remove one resource of a scan (an input file's newer item says it is gone), by the same key.
   * Not by the foreign-key cascade: finding_rows.resource_pk leads no index, so for each row deleted
   * SQLite would read every finding of every scan (381 ms per removal with one earlier
   * 200k-resource scan in the file; bench/README.md). A finding names a resource of
   * its own scan only, so those findings are deleted by scan (an index range, empty while the
   * scan is read), then the row with the checks off.
   */
  deleteResource(
    scanId: number,
    r: Pick<ResourceRecord, "awsAccountId" | "awsRegion" | "resourceType" | "resourceId" | "arn">,
  ): void {
    const arn = r.arn || null;
    const row = (
      arn !== null
        ? this.db
            .prepare("SELECT id FROM resources WHERE scan_id = ? AND resource_type = ? AND arn = ?")
            .get(scanId, r.resourceType, arn)
        : this.db
            .prepare(
              "SELECT id FROM resources WHERE scan_id = ? AND arn IS NULL AND account_id = ? AND region = ? AND resource_type = ? AND resource_id = ?",
            )
            .get(scanId, r.awsAccountId, r.awsRegion, r.resourceType, r.resourceId)
    ) as { id: number } | undefined;
    if (!row) return;
    const remove = (): void => {
      this.db.prepare("DELETE FROM finding_rows WHERE scan_id = ? AND resource_pk = ?").run(scanId, row.id);
      this.db.prepare("DELETE FROM resources WHERE id = ?").run(row.id);
    };
    // The pragma is a no-op inside a transaction: there the cascade runs (correct, only slower).
    if (this.db.inTransaction) return remove();
    withForeignKeysOff(this.db, () => this.db.transaction(remove)());
  }

  /** The newest-capture index of `evaluate --input`, in this connection's temporary table. */
  captureIndex(): CaptureIndexTable {
    return captureIndexIn(this.db);
  }

  /** Remove a scan and everything stored with it (a scan whose input turned out to be bad). */
  /**
   * Remove a scan and every row of it. Not by the cascade from `scans`: each resource row deleted
   * would make SQLite look for findings naming it (finding_rows.resource_pk leads no index), a
   * read of every finding of every scan per resource. Findings go first, then the other tables by
   * scan_id with the foreign-key checks off, in one transaction.
   */
  discardScan(id: number): void {
    const db = this.db;
    if (db.inTransaction) {
      // The pragma is a no-op inside a transaction: the cascade it is (correct, only slower).
      db.prepare("DELETE FROM scans WHERE id = ?").run(id);
      return;
    }
    const children = scanChildTables(db);
    withForeignKeysOff(db, () =>
      db
        .transaction(() => {
          for (const table of children) db.prepare(`DELETE FROM ${table} WHERE scan_id = ?`).run(id);
          db.prepare("DELETE FROM scans WHERE id = ?").run(id);
        })
        .immediate(),
    );
  }

  /**
   * Write findings as they are judged, in that order (row ids follow it: resource by resource,
   * rule by rule). Every index of `findings` leads with the scan id, so a new scan's rows land at
   * the right edge of each, a few pages at a time: no stage and no sort is needed (bench/README.md,
   * "Judging beside the writer").
   */
  insertFindings(scanId: number, findings: Iterable<FindingInput | FindingParams>): number {
    // One row per INSERT: a multi-row VALUES list is a statement that may abort after writing some
    // rows (a CHECK or foreign key), so SQLite journals every page it touches to a temporary file
    // first, and that statement journal was half of what evaluate wrote (bench/README.md).
    const insert = this.writes().finding;
    let n = 0;
    const write = this.db.transaction((batch: (FindingInput | FindingParams)[]) => {
      for (const f of batch) {
        insert.run(scanId, ...(Array.isArray(f) ? f : toFindingParams(f)));
        n++;
      }
    });
    for (const batch of inBatches(findings, FINDING_BATCH)) write(batch);
    return n;
  }

  /**
   * Remove every finding of a scan: a judgement that failed part-way leaves none (findings are
   * written as they are judged, see insertFindings).
   */
  discardFindings(scanId: number): void {
    this.db.prepare("DELETE FROM finding_rows WHERE scan_id = ?").run(scanId);
  }

  upsertCoverage(scanId: number, units: Iterable<CoverageInput>): void {
    const stmt = this.writes().coverage;
    const write = this.db.transaction((batch: CoverageInput[]) => {
      for (const u of batch) {
        stmt.run(
          scanId,
          u.accountId,
          u.region,
          u.service,
          u.operation,
          u.status,
          u.scope,
          JSON.stringify(u.resourceTypes),
          u.errorCode ?? null,
          u.errorMessage ?? null,
          u.resourceCount ?? 0,
          u.apiCalls ?? 0,
          u.startedAt ?? null,
          u.finishedAt ?? null,
        );
      }
    });
    for (const batch of batches(units)) write(batch);
  }

  /** A sink for one unit's records (see ResourceSink). */
  sink(scanId: number, opts: SinkOptions = {}): ResourceSink {
    return new ResourceSink(this, scanId, opts);
  }

  /**
   * Commit a finished collection unit: the records its sink still holds, its coverage rows and its
   * completion mark (with the sink's count), in one transaction.
   */
  completeUnit(
    scanId: number,
    unit: { accountId: string; region: string; collector: string },
    sink: ResourceSink,
    coverage: CoverageInput[],
  ): void {
    this.db.transaction(() => {
      this.insertResources(scanId, sink.take());
      this.upsertCoverage(scanId, coverage);
      this.writes().unit.run(
        scanId,
        unit.accountId,
        unit.region,
        unit.collector,
        sink.count,
        new Date().toISOString(),
      );
    })();
  }

  completedUnits(scanId: number): Set<string> {
    const rows = this.db
      .prepare("SELECT account_id, region, collector FROM scan_units WHERE scan_id = ?")
      .all(scanId) as { account_id: string; region: string; collector: string }[];
    return new Set(rows.map((r) => unitKey(r.account_id, r.region, r.collector)));
  }

  /** The newest scan of a kind that did not complete (the one --resume continues). */
  latestIncompleteScan(kind: ScanKind): ScanRow | undefined {
    const r = this.db
      .prepare("SELECT * FROM scans WHERE kind = ? AND status != 'complete' ORDER BY id DESC LIMIT 1")
      .get(kind) as RawScan | undefined;
    return r ? toScan(r) : undefined;
  }

  getScan(id: number): ScanRow | undefined {
    const r = this.db.prepare("SELECT * FROM scans WHERE id = ?").get(id) as RawScan | undefined;
    return r ? toScan(r) : undefined;
  }

  /** The latest complete scan: what commands read by default. Incomplete scans never replace it. */
  latestCompleteScan(): ScanRow | undefined {
    const r = this.db
      .prepare("SELECT * FROM scans WHERE status = 'complete' ORDER BY id DESC LIMIT 1")
      .get() as RawScan | undefined;
    return r ? toScan(r) : undefined;
  }

  listScans(limit = 50): ScanRow[] {
    return (this.db.prepare("SELECT * FROM scans ORDER BY id DESC LIMIT ?").all(limit) as RawScan[]).map(
      toScan,
    );
  }

  /**
   * Stream a scan's resources (optionally of some types) in pages, so memory stays flat and the
   * connection is free for writes (findings) between pages. Each page is a range of an index, so it
   * costs its own size whatever the scan's (`scan_id = ? AND id > ? ORDER BY id` sorted the whole
   * scan on every page): all types, or types holding most of the scan, walk the scan's row-id range
   * in row order; a few types walk the (scan_id, resource_type) index one type at a time, in row
   * order within each type.
   */
  *iterateResources(
    scanId: number,
    types?: string[],
    pageSize = 1000,
  ): Generator<{ pk: number; record: ResourceRecord }> {
    const range = this.resourceIdRange(scanId);
    if (!range) return;
    if (types && types.length > 0) {
      const wanted = new Set(types);
      const counts = this.countResources(scanId);
      const of = counts.filter((c) => wanted.has(c.resourceType)).reduce((n, c) => n + c.count, 0);
      const all = counts.reduce((n, c) => n + c.count, 0);
      if (of * 2 <= all) {
        const stmt = this.db.prepare(
          `SELECT ${STORED_COLUMNS} FROM resources WHERE scan_id = ? AND resource_type = ? AND id > ? ORDER BY id LIMIT ?`,
        );
        for (const type of wanted) yield* resourcePages(stmt, [scanId, type], 0, pageSize);
        return;
      }
      // Most of the scan (the cross-resource rules' types are 96% of a generated 1M-item one): the
      // row-id range read in order, the rest skipped by SQLite unparsed; the type index walk was a
      // random read of the table per row (10.3 s against 7.5 s at 1M; bench/README.md).
      const stmt = this.db.prepare(
        `SELECT ${STORED_COLUMNS} FROM resources WHERE +scan_id = ? AND id <= ?
           AND +resource_type IN (SELECT value FROM json_each(?)) AND id > ? ORDER BY id LIMIT ?`,
      );
      yield* resourcePages(stmt, [scanId, range.hi, JSON.stringify([...wanted])], range.lo - 1, pageSize);
      return;
    }
    yield* this.iterateResourceRange(scanId, range.lo - 1, range.hi, pageSize);
  }

  /** The lowest and highest row id of the scan's resources (undefined: it has none). */
  resourceIdRange(scanId: number): { lo: number; hi: number } | undefined {
    const { lo, hi } = this.db
      .prepare("SELECT MIN(id) AS lo, MAX(id) AS hi FROM resources WHERE scan_id = ?")
      .get(scanId) as { lo: number | null; hi: number | null };
    return lo === null || hi === null ? undefined : { lo, hi };
  }

  /**
   * The lowest and highest row id of the scan's findings (undefined: it has none). A scan's findings
   * are written together, so a read of the range with `+scan_id` as a row filter visits the table's
   * pages once, in order; found through an index, each row is a random page read.
   */
  findingIdRange(scanId: number): { lo: number; hi: number } | undefined {
    const { lo, hi } = this.db
      .prepare(
        "SELECT MIN(id) AS lo, MAX(id) AS hi FROM finding_rows INDEXED BY finding_rows_rule WHERE scan_id = ?",
      )
      .get(scanId) as { lo: number | null; hi: number | null };
    return lo === null || hi === null ? undefined : { lo, hi };
  }

  /** The scan's resources with row ids in (after, upTo], in row-id order (a judge worker's slice). */
  *iterateResourceRange(
    scanId: number,
    after: number,
    upTo: number,
    pageSize = 1000,
  ): Generator<{ pk: number; record: ResourceRecord }> {
    // `+scan_id` makes it a row filter, so the row-id range (not an index on scan_id) drives the query.
    const stmt = this.db.prepare(
      `SELECT ${STORED_COLUMNS} FROM resources WHERE +scan_id = ? AND id <= ? AND id > ? ORDER BY id LIMIT ?`,
    );
    yield* resourcePages(stmt, [scanId, upTo], after, pageSize);
  }

  countResources(scanId: number): { resourceType: string; count: number }[] {
    return this.db
      .prepare(
        "SELECT resource_type AS resourceType, COUNT(*) AS count FROM resources WHERE scan_id = ? GROUP BY resource_type ORDER BY resource_type",
      )
      .all(scanId) as { resourceType: string; count: number }[];
  }

  queryFindings(scanId: number, f: FindingFilter = {}): FindingRow[] {
    const { where, args } = findingWhere(scanId, f);
    const rows = this.db
      .prepare(`SELECT f.* FROM findings f WHERE ${where} ${FINDING_ORDER} ${limitClause(f)}`)
      .all(...args) as RawFinding[];
    return rows.map(toFinding);
  }

  /**
   * Every finding of a scan with the resource record it judged (null for a coverage-gap finding),
   * streamed in finding order, a page at a time: an evidence pack of a large scan stays small in
   * memory. `open`: FAIL and UNKNOWN results only. A record is decoded when `record()` is called,
   * so a caller that takes each resource once decodes it once, however many findings it has.
   */
  *iterateFindingsWithRecords(
    scanId: number,
    pageSize = 1000,
    opts: { open?: boolean } = {},
  ): Generator<{ finding: FindingRow; resourcePk: number | null; record: () => ResourceRecord | null }> {
    const stored = STORED_COLUMNS.split(", ").map((c) => `r.${c}`);
    for (const r of this.findingPages<[...FindingCells, pk: number | null, ...StoredRow]>(
      scanId,
      `f.resource_pk, ${stored.join(", ")}`,
      "LEFT JOIN resources r ON r.id = f.resource_pk",
      pageSize,
      opts.open ? `${statusKey("f")} < ${STATUS_NUMBER.PASS}` : "",
    )) {
      const record = (): ResourceRecord | null =>
        r[13] === null ? null : storedRecord(r.slice(13) as StoredRow);
      yield { finding: findingOfCells(r), resourcePk: r[12], record };
    }
  }

  /** Every finding of a scan in finding order, a page at a time, without the records behind them. */
  *iterateFindingRows(scanId: number, pageSize = 1000): Generator<FindingRow> {
    for (const r of this.findingPages<FindingCells>(scanId, "", "", pageSize)) yield findingOfCells(r);
  }

  /**
   * The scan's findings as rows of FINDING_CELLS (then `more` columns, from the `join`) in row-id
   * order, in pages of a row-id range read as arrays: a page costs its size, not a sort of the scan.
   */
  private *findingPages<Row extends [...FindingCells, ...unknown[]]>(
    scanId: number,
    more: string,
    join: string,
    pageSize: number,
    also = "",
  ): Generator<Row> {
    const range = this.findingIdRange(scanId);
    if (!range) return;
    const stmt = this.db
      .prepare(
        `SELECT ${FINDING_CELLS}${more ? `, ${more}` : ""} FROM findings f ${join}
         WHERE +f.scan_id = ? AND f.id <= ? AND f.id > ?${also ? ` AND ${also}` : ""} ORDER BY f.id LIMIT ?`,
      )
      .raw(true);
    let after = range.lo - 1;
    for (;;) {
      const rows = stmt.all(scanId, range.hi, after, pageSize) as Row[];
      yield* rows;
      if (rows.length < pageSize) return;
      after = (rows.at(-1) as Row)[0];
    }
  }

  /**
   * Findings of some rules (without their evidence), rule by rule (within a rule by account,
   * region, type and row id), each with its resource's tags, for waivers matched by tag. `tags` is
   * null when the finding has no stored resource (a coverage gap's finding); `tagsUnreadable` when
   * the collector could not read the resource's tags. Iterated, never collected: nothing else may
   * use the connection until the iteration ends.
   */
  *iterateFindingsWithTags(
    scanId: number,
    ruleIds: readonly string[],
    withTags = true,
  ): Generator<{
    finding: Omit<FindingRow, "evidence">;
    tags: Record<string, string> | null;
    tagsUnreadable: boolean;
  }> {
    // One rule at a time, a range of finding_rows_rule sorted by the resource's account, region,
    // type and row id (one sort of that rule's run; paged, every page sorted the run again).
    // Without tags (a report not scoped by tag), no resource JSON is read per finding.
    const tagColumns = withTags
      ? "r.tags_json AS r_tags, json_extract(r.supplementary_json, '$.Tags') AS r_tags_supp"
      : "NULL AS r_tags, NULL AS r_tags_supp";
    const stmt = this.db.prepare(
      `SELECT f.id, f.scan_id, f.rule_id, f.status, f.severity, f.resource_type, f.resource_id, f.arn,
         f.account_id, f.region, f.message, ${tagColumns}
       FROM findings f ${withTags ? "LEFT JOIN resources r ON r.id = f.resource_pk" : ""}
       WHERE f.scan_id = ? AND f.rule_id = ?
       ORDER BY f.account_id, f.region, f.resource_type, f.id`,
    );
    for (const ruleId of ruleIds) {
      for (const r of stmt.iterate(scanId, ruleId) as IterableIterator<
        Omit<RawFinding, "evidence_json"> & { r_tags: string | null; r_tags_supp: string | null }
      >) {
        const supp: unknown = r.r_tags_supp ? JSON.parse(r.r_tags_supp) : null;
        yield {
          finding: findingFields(r),
          tags: r.r_tags === null ? null : (JSON.parse(r.r_tags) as Record<string, string>),
          tagsUnreadable: asUnreadable(supp) !== undefined,
        };
      }
    }
  }

  /** The rules a scan was judged by (id, title, severity, file hash) with the parameters used. */
  scanRules(scanId: number): (RuleStamp & { params: JsonObject })[] {
    const rows = this.db
      .prepare(
        "SELECT rule_id, title, severity, sha256, params_json, remediation, references_json FROM scan_rules WHERE scan_id = ? ORDER BY rule_id",
      )
      .all(scanId) as {
      rule_id: string;
      title: string;
      severity: Severity;
      sha256: string;
      params_json: string;
      remediation: string | null;
      references_json: string | null;
    }[];
    return rows.map((r) => ({
      id: r.rule_id,
      title: r.title,
      severity: r.severity,
      sha256: r.sha256,
      remediation: r.remediation ?? "",
      references: r.references_json ? (JSON.parse(r.references_json) as object) : {},
      params: JSON.parse(r.params_json) as JsonObject,
    }));
  }

  /**
   * Stream a scan's findings as reports present them (rule title, remediation, references, first
   * seen), in report order. The statement is iterated, never collected: memory stays flat however
   * many findings match, and nothing else may use the connection until the iteration ends.
   */
  *iterateFindingDocs(
    scanId: number,
    f: FindingFilter = {},
    /** A cursor: only the findings after this one (a finding id of the scan) in report order. */
    after?: number,
  ): Generator<FindingDocRow> {
    const rules = new Map(
      (
        this.db
          .prepare("SELECT rule_id, title, remediation, references_json FROM scan_rules WHERE scan_id = ?")
          .all(scanId) as {
          rule_id: string;
          title: string;
          remediation: string | null;
          references_json: string | null;
        }[]
      ).map((r) => [
        r.rule_id,
        {
          title: r.title,
          remediation: r.remediation,
          references: r.references_json ? (JSON.parse(r.references_json) as JsonObject) : null,
        },
      ]),
    );
    const { where, args } = findingWhere(scanId, f);
    const resume =
      after === undefined
        ? ""
        : `AND (${orderKey("f")}) > (SELECT ${orderKey("c")} FROM findings c WHERE c.id = ?)`;
    // Rows as arrays of the columns named (an object of named columns per row cost a fifth of a
    // gate's read; bench/README.md, w18).
    const stmt = this.db
      .prepare(
        `SELECT ${FINDING_CELLS}, l.first_seen_scan, l.first_seen_at, l.last_seen_at, s.state
         FROM findings f
         LEFT JOIN finding_lifecycle l ON ${FIRST_SEEN}
         LEFT JOIN finding_states s ON s.scan_id = f.scan_id AND s.identity = ${IDENTITY}
         WHERE ${where} ${resume} ${FINDING_ORDER} ${limitClause(f)}`,
      )
      .raw(true);
    const params = after === undefined ? args : [...args, after];
    for (const r of stmt.iterate(...params) as IterableIterator<RawFindingDoc>) {
      const rule = rules.get(r[2]);
      yield {
        ...findingOfCells(r),
        title: rule?.title ?? null,
        remediation: rule?.remediation ?? null,
        references: rule?.references ?? null,
        lifecycle: r[15],
        firstSeen: r[13],
        firstSeenScanId: r[12],
        lastSeen: r[14],
      };
    }
  }

  /**
   * Where each of a rule's results of one status is (rule, account, region, type, ID), in report
   * order: all a JUnit PASS case names, without the documents' columns and lifecycle joins.
   */
  *iterateFindingPlaces(scanId: number, status: Status, ruleId: string): Generator<FindingPlace> {
    const { where, args } = findingWhere(scanId, { statuses: [status], ruleIds: [ruleId] });
    const stmt = this.db
      .prepare(
        `SELECT f.rule_id, f.account_id, f.region, f.resource_type, f.resource_id
         FROM findings f WHERE ${where} ${FINDING_ORDER}`,
      )
      .raw(true);
    type Row = [string, string, string, string, string];
    for (const [ruleId, accountId, region, resourceType, resourceId] of stmt.iterate(
      ...args,
    ) as IterableIterator<Row>)
      yield { ruleId, accountId, region, resourceType, resourceId };
  }

  /**
   * The scan's results of `statuses` as identities with status and severity, in no order: no
   * message or evidence is read (a baseline of 460k results held them all in memory).
   */
  *iterateFindingKeys(scanId: number, statuses: readonly Status[]): Generator<FindingKey> {
    const { where, args } = findingWhere(scanId, { statuses: [...statuses] });
    const stmt = this.db
      .prepare(
        `SELECT f.status, f.severity, f.rule_id, f.account_id, f.region, f.resource_type, f.resource_id, f.arn
         FROM findings f WHERE ${where}`,
      )
      .raw(true);
    type Row = [Status, Severity, string, string, string, string, string, string | null];
    for (const [status, severity, ruleId, accountId, region, resourceType, resourceId, arn] of stmt.iterate(
      ...args,
    ) as IterableIterator<Row>)
      yield { ruleId, accountId, region, resourceType, resourceId, status, severity, arn };
  }

  countFindings(scanId: number, f: FindingFilter = {}): number {
    const { where, args, resourceTerms } = findingWhere(scanId, f);
    // Without a term on the resource, the count reads finding_rows_order alone (the view joins
    // every finding's resource row, even for a count).
    const from = resourceTerms ? "findings" : "finding_rows";
    const n = (
      this.db.prepare(`SELECT COUNT(*) AS n FROM ${from} f WHERE ${where}`).get(...args) as { n: number }
    ).n;
    return f.limit !== undefined ? Math.min(n, Math.max(0, Math.floor(f.limit))) : n;
  }

  /** The longest value of each column among the matching findings (for a table streamed row by row). */
  findingColumnWidths(scanId: number, f: FindingFilter, columns: readonly FindingColumn[]): number[] {
    const { where, args } = findingWhere(scanId, f);
    const select = columns.map((_, i) => `COALESCE(MAX(LENGTH(w.c${i})), 0) AS w${i}`);
    const values = columns.map((c, i) => `f.${FINDING_COLUMNS[c]} AS c${i}`);
    // With a limit, the widths are those of the rows shown (the first in report order), not of
    // every match: the summary after a scan shows 60 and measured 1M (bench/README.md).
    const rows =
      f.limit === undefined
        ? `SELECT ${values.join(", ")} FROM findings f WHERE ${where}`
        : `SELECT ${values.join(", ")} FROM findings f WHERE ${where} ${FINDING_ORDER} ${limitClause(f)}`;
    const row = this.db.prepare(`SELECT ${select.join(", ")} FROM (${rows}) w`).get(...args) as Record<
      string,
      number
    >;
    return columns.map((_, i) => row[`w${i}`] ?? 0);
  }

  /** FAIL, UNKNOWN and PASS counts per rule, most failures first. */
  ruleTallies(scanId: number): RuleTally[] {
    const byRule = new Map<string, RuleTally>();
    for (const g of this.findingGroups(scanId)) {
      const t = byRule.get(g.ruleId) ?? {
        ruleId: g.ruleId,
        severity: g.severity,
        FAIL: 0,
        UNKNOWN: 0,
        PASS: 0,
      };
      t[g.status] += g.count;
      t.severity = maxSeverity(t.severity, g.severity);
      byRule.set(g.ruleId, t);
    }
    // Rule ids compare as SQLite's BINARY collation does (code units, not locale).
    const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
    return [...byRule.values()].sort(
      (a, b) => b.FAIL - a.FAIL || b.UNKNOWN - a.UNKNOWN || byId(a.ruleId, b.ruleId),
    );
  }

  /** The rules a scan was judged by. */
  scanRuleIds(scanId: number): string[] {
    return (
      this.db.prepare("SELECT rule_id FROM scan_rules WHERE scan_id = ? ORDER BY rule_id").all(scanId) as {
        rule_id: string;
      }[]
    ).map((r) => r.rule_id);
  }

  /** Resources and findings (by status) stored for a scan, whatever its status. */
  scanCounts(scanId: number): { resources: number; FAIL: number; UNKNOWN: number; PASS: number } {
    const resources = (
      this.db.prepare("SELECT COUNT(*) AS n FROM resources WHERE scan_id = ?").get(scanId) as { n: number }
    ).n;
    const byStatus = { FAIL: 0, UNKNOWN: 0, PASS: 0 };
    for (const c of this.findingCounts(scanId)) byStatus[c.status] += c.count;
    return { resources, ...byStatus };
  }

  /** The latest complete scan before this one: what a report compares against. */
  previousCompleteScan(scanId: number): ScanRow | undefined {
    const r = this.db
      .prepare("SELECT * FROM scans WHERE status = 'complete' AND id < ? ORDER BY id DESC LIMIT 1")
      .get(scanId) as RawScan | undefined;
    return r ? toScan(r) : undefined;
  }

  /** One finding by row id, for a link to its evidence. */
  getFinding(id: number): FindingRow | undefined {
    const r = this.db.prepare("SELECT * FROM findings WHERE id = ?").get(id) as RawFinding | undefined;
    return r ? toFinding(r) : undefined;
  }

  /** The stored record a finding is about (none for a coverage gap's finding). */
  findingResource(findingId: number): ResourceRecord | undefined {
    const r = this.db
      .prepare("SELECT r.* FROM findings f JOIN resources r ON r.id = f.resource_pk WHERE f.id = ?")
      .get(findingId) as RawResource | undefined;
    return r ? toRecord(r) : undefined;
  }

  /** The newest complete scans, newest first (trends). */
  recentCompleteScans(limit: number): ScanRow[] {
    return (
      this.db
        .prepare("SELECT * FROM scans WHERE status = 'complete' ORDER BY id DESC LIMIT ?")
        .all(limit) as RawScan[]
    ).map(toScan);
  }

  /** The newest complete scan older than `id` (what a scan is compared with). */
  completeScanBefore(id: number): ScanRow | undefined {
    const r = this.db
      .prepare("SELECT * FROM scans WHERE status = 'complete' AND id < ? ORDER BY id DESC LIMIT 1")
      .get(id) as RawScan | undefined;
    return r ? toScan(r) : undefined;
  }

  /** Scans newest first, below `beforeId` when given (a cursor). */
  listScansBefore(limit: number, beforeId?: number): ScanRow[] {
    return (
      this.db
        .prepare("SELECT * FROM scans WHERE id < ? ORDER BY id DESC LIMIT ?")
        .all(beforeId ?? Number.MAX_SAFE_INTEGER, limit) as RawScan[]
    ).map(toScan);
  }

  /** A scan's findings of some statuses, as the identity and severity a comparison needs. */
  findingKeys(
    scanId: number,
    statuses: readonly Status[],
  ): Pick<
    FindingRow,
    "ruleId" | "accountId" | "region" | "resourceType" | "resourceId" | "arn" | "severity"
  >[] {
    const s = statusIn("f", statuses);
    return this.db
      .prepare(
        `SELECT rule_id AS ruleId, account_id AS accountId, region, resource_type AS resourceType,
           resource_id AS resourceId, arn, severity FROM findings f
         WHERE scan_id = ? AND ${s.sql}`,
      )
      .all(scanId, ...s.args) as ReturnType<Store["findingKeys"]>;
  }

  /** Per-account figures of a scan, for metrics: resources by type, findings, gaps, API calls. */
  accountStats(scanId: number): {
    resources: { accountId: string; resourceType: string; count: number }[];
    findings: { accountId: string; status: Status; severity: Severity; count: number }[];
    coverage: {
      accountId: string;
      status: CoverageInput["status"];
      errorCode: string | null;
      count: number;
      apiCalls: number;
    }[];
  } {
    const q = <T>(sql: string): T[] => this.db.prepare(sql).all(scanId) as T[];
    return {
      resources: q(
        `SELECT account_id AS accountId, resource_type AS resourceType, COUNT(*) AS count FROM resources
         WHERE scan_id = ? GROUP BY account_id, resource_type`,
      ),
      findings: q(
        `SELECT account_id AS accountId, status, severity, COUNT(*) AS count FROM findings
         WHERE scan_id = ? GROUP BY account_id, status, severity`,
      ),
      coverage: q(
        `SELECT account_id AS accountId, status, error_code AS errorCode, COUNT(*) AS count,
           SUM(api_calls) AS apiCalls FROM coverage WHERE scan_id = ? GROUP BY account_id, status, error_code`,
      ),
    };
  }

  findingCounts(scanId: number): { status: Status; severity: Severity; count: number }[] {
    const out: { status: Status; severity: Severity; count: number }[] = [];
    for (const g of this.findingGroups(scanId)) {
      const last = out.at(-1);
      if (last && last.status === g.status && last.severity === g.severity) last.count += g.count;
      else out.push({ status: g.status, severity: g.severity, count: g.count });
    }
    return out;
  }

  /** How many of the scan's findings of one status each rule has. */
  findingCountsByRule(scanId: number, status: Status): Map<string, number> {
    const out = new Map<string, number>();
    for (const g of this.findingGroups(scanId))
      if (g.status === status) out.set(g.ruleId, (out.get(g.ruleId) ?? 0) + g.count);
    return out;
  }

  /**
   * The scan's findings counted by status, severity and rule, in report order. Every term is one of
   * finding_rows_order's, so the count walks that index alone, in order, with no sort; grouped
   * by other columns, it read the table row of every finding, in index order — 1.3 s at 200k
   * items, most of it page reads (bench/README.md).
   */
  private findingGroups(
    scanId: number,
  ): { status: Status; severity: Severity; ruleId: string; count: number }[] {
    const rows = this.db
      .prepare(
        `SELECT f.status_key AS k, f.severity_rank AS r, f.rule_id AS ruleId, COUNT(*) AS count
         FROM finding_rows f WHERE f.scan_id = ? GROUP BY 1, 2, 3`,
      )
      .all(scanId) as { k: number; r: number; ruleId: string; count: number }[];
    return rows.map((g) => ({
      status: statusOfKey(g.k),
      severity: severityOfRank(g.r),
      ruleId: g.ruleId,
      count: g.count,
    }));
  }

  /** Whether any coverage row predates stated scopes and types (written by dpscan before migration 003). */
  hasLegacyCoverage(scanId: number): boolean {
    return (
      this.db
        .prepare("SELECT 1 FROM coverage WHERE scan_id = ? AND resource_types_json IS NULL LIMIT 1")
        .get(scanId) !== undefined
    );
  }

  coverage(scanId: number): CoverageRow[] {
    return (
      this.db
        .prepare("SELECT * FROM coverage WHERE scan_id = ? ORDER BY account_id, region, service, operation")
        .all(scanId) as RawCoverage[]
    ).map((r) => ({
      id: r.id,
      accountId: r.account_id,
      region: r.region,
      service: r.service,
      operation: r.operation,
      status: r.status,
      scope: r.scope,
      resourceTypes: r.resource_types_json ? (JSON.parse(r.resource_types_json) as string[]) : [],
      errorCode: r.error_code,
      errorMessage: r.error_message,
      resourceCount: r.resource_count,
      apiCalls: r.api_calls,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
    }));
  }
}

interface RawScan {
  id: number;
  kind: ScanKind;
  status: ScanStatus;
  source: string;
  options_json: string;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  summary_json: string | null;
  error: string | null;
  dpscan_version: string;
  owner_pid: number | null;
  owner_host: string | null;
  owner_token: string | null;
  heartbeat_at: string | null;
  run_started_at: string | null;
  active_ms: number;
}
interface RawResource {
  id: number;
  resource_type: string;
  resource_id: string;
  resource_name: string | null;
  arn: string | null;
  account_id: string;
  region: string;
  configuration_json: string;
  supplementary_json: string;
  tags_json: string;
  capture_time: string;
}
interface RawFinding {
  id: number;
  scan_id: number;
  rule_id: string;
  status: Status;
  severity: Severity;
  resource_type: string;
  resource_id: string;
  arn: string | null;
  account_id: string;
  region: string;
  message: string;
  evidence_json: string;
}
/**
 * A finding's fields but its evidence, read as an array (raw; cheaper than an object of named
 * columns): FINDING_FIELD_COLUMNS, in order. Reads that need more select further columns after.
 */
export type FindingFieldCells = [
  id: number,
  scanId: number,
  ruleId: string,
  status: Status,
  severity: Severity,
  resourceType: string,
  resourceId: string,
  arn: string | null,
  accountId: string,
  region: string,
  message: string,
];
export const FINDING_FIELD_COLUMNS = `f.id, f.scan_id, f.rule_id, f.status, f.severity, f.resource_type,
  f.resource_id, f.arn, f.account_id, f.region, f.message`;

export function findingOfFieldCells(
  r: readonly [...FindingFieldCells, ...unknown[]],
): Omit<FindingRow, "evidence"> {
  return {
    id: r[0],
    scanId: r[1],
    ruleId: r[2],
    status: r[3],
    severity: r[4],
    resourceType: r[5],
    resourceId: r[6],
    arn: r[7],
    accountId: r[8],
    region: r[9],
    message: r[10],
  };
}

/** A whole finding read as an array: FINDING_CELLS, in order. */
type FindingCells = [...FindingFieldCells, evidenceJson: string];
const FINDING_CELLS = `${FINDING_FIELD_COLUMNS}, f.evidence_json`;

function findingOfCells(r: readonly [...FindingCells, ...unknown[]]): FindingRow {
  return { ...findingOfFieldCells(r), evidence: JSON.parse(r[11]) as JsonObject };
}

/** iterateFindingDocs' row: FINDING_CELLS, then the lifecycle's columns. */
type RawFindingDoc = [
  ...FindingCells,
  firstSeenScan: number | null,
  firstSeenAt: string | null,
  lastSeenAt: string | null,
  state: LifecycleState | null,
];
interface RawCoverage {
  id: number;
  account_id: string;
  region: string;
  service: string;
  operation: string;
  status: CoverageInput["status"];
  scope: CoverageInput["scope"];
  resource_types_json: string | null;
  error_code: string | null;
  error_message: string | null;
  resource_count: number;
  api_calls: number;
  started_at: string | null;
  finished_at: string | null;
}

function toScan(r: RawScan): ScanRow {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    source: r.source,
    options: JSON.parse(r.options_json) as JsonObject,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    durationMs: r.duration_ms,
    summary: r.summary_json ? (JSON.parse(r.summary_json) as JsonObject) : null,
    error: r.error,
    dpscanVersion: r.dpscan_version,
    ownerPid: r.owner_pid,
    ownerHost: r.owner_host,
    heartbeatAt: r.heartbeat_at,
    stale: r.status === "running" && !ownerAlive(toOwner(r)),
  };
}

/**
 * The owner fields of a scan row (or of the database's write lock, src/app/db-lock.ts), as
 * ownerAlive reads them. The token is only ever compared with this process's own.
 */
export type ScanOwner = Pick<ScanRow, "ownerPid" | "ownerHost" | "heartbeatAt"> & {
  ownerToken?: string | null;
};

function toOwner(r: RawScan): ScanOwner {
  return {
    ownerPid: r.owner_pid,
    ownerHost: r.owner_host,
    heartbeatAt: r.heartbeat_at,
    ownerToken: r.owner_token,
  };
}

/** The claim tokens this process holds now: its running scans and its database locks. */
const heldClaims = new Set<string>();

/** This process holds the claim `token` (a scan's OwnerClaim, a lock) until it lets it go. */
export function holdClaim(token: string): void {
  heldClaims.add(token);
}

export function releaseClaim(token: string): void {
  heldClaims.delete(token);
}

/**
 * Is the process that owns a running scan (or a lock) still there? Same host: its PID runs, except
 * under this process's own PID, where only a claim this process holds is alive (anything else was
 * left by a predecessor: a container restarted as PID 1 again). Another host: it has not been
 * silent for several heartbeats. A row that predates owners being recorded has none.
 */
export function ownerAlive(o: ScanOwner, now = Date.now()): boolean {
  if (o.ownerPid === null) return false;
  if (o.ownerHost === hostname()) {
    if (o.ownerPid === process.pid && o.ownerToken) return heldClaims.has(o.ownerToken);
    return processAlive(o.ownerPid);
  }
  return o.heartbeatAt !== null && now - Date.parse(o.heartbeatAt) <= STALE_AFTER_MS;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM"; // alive, another user's
  }
}

/**
 * A finding's status as the number finding_rows stores and finding_rows_order indexes (migration
 * 013; `status_key` in the findings view): status filters are written on it, so they search that
 * index.
 */
export const statusKey = (t: string): string => `${t}.status_key`;
export const STATUS_NUMBER: Record<Status, number> = { FAIL: 0, UNKNOWN: 1, PASS: 2 };
const statusOfKey = (k: number): Status => STATUSES[k] ?? "PASS";
/** The severity whose severityRank is `r` (the stored severity_rank). */
const severityOfRank = (r: number): Severity => SEVERITIES[SEVERITIES.length - r] ?? "info";

/** `<status key of t> IN (…)` for some statuses, and its arguments. */
function statusIn(t: string, statuses: readonly Status[]): { sql: string; args: number[] } {
  return {
    sql: `${statusKey(t)} IN (${statuses.map(() => "?").join(",")})`,
    args: statuses.map((x) => STATUS_NUMBER[x]),
  };
}

/**
 * Report order, for rows of the findings view alias `t`: finding_rows_order (migration 013) gives
 * the status, severity and rule, and SQLite sorts each rule's run by the rest (its resource's
 * account, region, type and id, then the row id), so the order is total and no sort spans more
 * than one run. Reports (report-queries.ts) and `findings` list in it.
 */
export const reportOrder = (t: string): string =>
  `${statusKey(t)}, ${t}.severity_rank DESC, ${reportOrderTail(t)}`;
const reportOrderTail = (t: string): string =>
  `${t}.rule_id, ${t}.account_id, ${t}.region, ${t}.resource_type, ${t}.resource_id, ${t}.id`;

const FINDING_ORDER = `ORDER BY ${reportOrder("f")}`;

/** A finding's place in report order as one ascending row value (severity negated), for a cursor. */
const orderKey = (t: string): string => `${statusKey(t)}, -${t}.severity_rank, ${reportOrderTail(t)}`;

function limitClause(f: FindingFilter): string {
  return f.limit !== undefined ? `LIMIT ${Math.max(0, Math.floor(f.limit))}` : "";
}

/**
 * The lifecycle row (alias `l`) that gives finding `f` its first seen: a FAIL or UNKNOWN result
 * whose identity FAILed in a complete scan the lifecycle took in no later than this one (any, while
 * this scan is not taken in: it is running or incomplete).
 */
const FIRST_SEEN = `l.identity = ${IDENTITY} AND f.status_key < 2
  AND COALESCE((SELECT q.seq FROM lifecycle_scans q WHERE q.scan_id = l.first_seen_scan), 0)
    <= COALESCE((SELECT q.seq FROM lifecycle_scans q WHERE q.scan_id = f.scan_id), 9e18)`;

/**
 * The WHERE clause (on alias `f` of the findings view) and arguments of a finding filter, and
 * whether it has a term on the resource (its account, region or type, or the identity): without
 * one, the clause reads as well on finding_rows.
 */
function findingWhere(
  scanId: number,
  f: FindingFilter,
): { where: string; args: unknown[]; resourceTerms: boolean } {
  const where: string[] = [`f.scan_id = ?`];
  const args: unknown[] = [scanId];
  let resourceTerms = false;
  const inList = (col: string, values: string[] | undefined, onResource = false): void => {
    if (values && values.length > 0) {
      where.push(`f.${col} IN (${values.map(() => "?").join(",")})`);
      args.push(...values);
      resourceTerms ||= onResource;
    }
  };
  if (f.statuses && f.statuses.length > 0) {
    const s = statusIn("f", f.statuses);
    where.push(s.sql);
    args.push(...s.args);
  }
  const floor = f.minSeverity ? severityRank(f.minSeverity) : 1;
  if (f.statuses && f.statuses.length > 0 && f.ruleIds && f.ruleIds.length > 0) {
    // Each rank as an equality, so that finding_rows_order (scan, status, severity, rule) is
    // searched for the rules, not walked over every rule's rows of the status and filtered.
    const ranks = SEVERITIES.map(severityRank).filter((r) => r >= floor);
    where.push(`f.severity_rank IN (${ranks.join(",")})`);
  } else if (floor > 1) {
    where.push(`f.severity_rank >= ?`);
    args.push(floor);
  }
  inList("rule_id", f.ruleIds);
  inList("account_id", f.accountIds, true);
  inList("region", f.regions, true);
  inList("resource_type", f.resourceTypes, true);
  // The two lifecycle terms match on the identity, which names the resource.
  if (f.opened || f.firstSeenSince !== undefined) resourceTerms = true;
  if (f.opened)
    where.push(`EXISTS (SELECT 1 FROM finding_states s WHERE s.scan_id = f.scan_id
      AND s.identity = ${IDENTITY} AND s.state IN ('new', 'reopened'))`);
  if (f.firstSeenSince !== undefined) {
    where.push(`EXISTS (SELECT 1 FROM finding_lifecycle l WHERE ${FIRST_SEEN} AND l.first_seen_at >= ?)`);
    args.push(f.firstSeenSince);
  }
  return { where: where.join(" AND "), args, resourceTerms };
}

/** A finding row without its evidence (what reports read). */
function findingFields(r: Omit<RawFinding, "evidence_json">): Omit<FindingRow, "evidence"> {
  return {
    id: r.id,
    scanId: r.scan_id,
    ruleId: r.rule_id,
    status: r.status,
    severity: r.severity,
    resourceType: r.resource_type,
    resourceId: r.resource_id,
    arn: r.arn,
    accountId: r.account_id,
    region: r.region,
    message: r.message,
  };
}

function toFinding(r: RawFinding): FindingRow {
  return { ...findingFields(r), evidence: JSON.parse(r.evidence_json) as JsonObject };
}

function toRecord(r: RawResource): ResourceRecord {
  return storedRecord([
    r.id,
    r.resource_type,
    r.resource_id,
    r.resource_name,
    r.arn,
    r.account_id,
    r.region,
    r.configuration_json,
    r.supplementary_json,
    r.tags_json,
    r.capture_time,
  ]);
}

const batches = <T>(items: Iterable<T>): Generator<T[]> => inBatches(items, INSERT_BATCH);

/**
 * A resource row as the paged reads select it (STORED_COLUMNS): the row id, then RECORD_COLUMNS.
 * Read as arrays: better-sqlite3 builds an object of named columns per row, which cost a third
 * of a judge worker's read (bench/README.md, w18).
 */
type StoredRow = [id: number, ...row: ResourceRow];
const STORED_COLUMNS = `id, ${RECORD_COLUMNS.join(", ")}`;

function storedRecord(r: StoredRow): ResourceRecord {
  return {
    resourceType: r[1],
    resourceId: r[2],
    resourceName: r[3],
    arn: r[4],
    awsAccountId: r[5],
    awsRegion: r[6],
    configuration: JSON.parse(r[7]) as JsonObject,
    supplementaryConfiguration: JSON.parse(r[8]) as JsonObject,
    tags: JSON.parse(r[9]) as Record<string, string>,
    configurationItemCaptureTime: r[10],
  };
}

/**
 * Pages of `stmt` (selecting STORED_COLUMNS), whose last two parameters are the row id to start
 * after and the page size.
 */
function* resourcePages(
  stmt: Database.Statement,
  args: unknown[],
  start: number,
  pageSize: number,
): Generator<{ pk: number; record: ResourceRecord }> {
  stmt.raw(true);
  let after = start;
  for (;;) {
    const rows = stmt.all(...args, after, pageSize) as StoredRow[];
    for (const r of rows) yield { pk: r[0], record: storedRecord(r) };
    if (rows.length < pageSize) return;
    after = (rows.at(-1) as StoredRow)[0];
  }
}

/**
 * The tables whose rows belong to a scan (a scan_id referencing scans), read from the schema so a
 * later migration's table is included; findings first, as they name the scan's resources.
 */
export function scanChildTables(db: Database.Database): string[] {
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .pluck()
    .all() as string[];
  const children = tables.filter((t) =>
    (db.pragma(`foreign_key_list(${JSON.stringify(t)})`) as { table: string; from: string }[]).some(
      (fk) => fk.table === "scans" && fk.from === "scan_id",
    ),
  );
  return children.sort((a, b) => Number(b === "finding_rows") - Number(a === "finding_rows"));
}
