// The messages between the main thread (the only SQLite writer) and a collection worker thread.
import type { ClassifiedError } from "../aws/errors.js";
import type { CoverageInput } from "../model/coverage.js";
import type { ScanOptions } from "../model/scan-options.js";
import type { ResourceRow } from "../store/store.js";
import type { RunSummary } from "./runner.js";

/** What a worker is started with (workerData). */
export interface WorkerInit {
  scanId: number;
  options: ScanOptions;
  /** Collector names, in the order the main thread runs them. */
  collectors: string[];
  regions?: string[];
  homeRegion: string;
  partition: string;
  /** This worker's share of the scan's limits: the shares add up to the scan's own. */
  concurrency: number;
  accountConcurrency: number;
  /** The rules' source text (FactsRead.text); absent: every fact is read. */
  readsText?: string;
  /** Units finished by an earlier run of this scan (--resume). */
  done: string[];
}

/** An account as a worker receives it: credentials stay on the main thread (see ToWorker "creds"). */
export interface WorkerAccount {
  accountId: string;
  roleArn?: string;
}

export interface WireCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** Epoch milliseconds. */
  expiration?: number;
}

export type ToWorker =
  | { t: "account"; req: number; account: WorkerAccount | null }
  | { t: "creds"; req: number; credentials?: WireCredentials; error?: ClassifiedError }
  | { t: "abort" };

export interface UnitId {
  accountId: string;
  region: string;
  collector: string;
}

export type FromWorker =
  /** An account slot is free; `finished`: it has just finished the account it held. */
  | { t: "next"; req: number; finished: boolean }
  | { t: "creds"; req: number; accountId: string }
  /** Rows, not records: the JSON is made here, once, and the main thread writes it as it is. */
  | { t: "records"; sink: number; rows: ResourceRow[] }
  | { t: "complete"; sink: number; unit: UnitId; coverage: CoverageInput[] }
  | { t: "coverage"; rows: CoverageInput[] }
  | { t: "accountStarted"; accountId: string }
  | { t: "accountSkipped"; accountId: string; reason: string }
  | { t: "unitsPlanned"; accountId: string; count: number }
  | {
      t: "unitDone";
      unit: { accountId: string; region: string; collector: string; resources: number; gaps: number };
    }
  | { t: "stats"; calls: number; throttles: number; retries: number }
  | { t: "done"; summary: RunSummary }
  | { t: "failed"; aborted: boolean; message: string };
