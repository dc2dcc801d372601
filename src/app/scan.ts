// A scan from start to stored result, below any command line: discover → collect → store →
// evaluate → gap findings → summary. `dpscan scan`, `dpscan demo` and (later) the service call it.
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import { ClientFactory } from "../aws/clients.js";
import { factsReadIn, type FactsRead } from "../collect/facts.js";
import { factoryOptions } from "../collect/factory-options.js";
import { liveScan } from "../collect/live-scan.js";
import { selectCollectors } from "../collect/registry.js";
import type { RunEvents } from "../collect/runner.js";
import type { Collector } from "../collect/types.js";
import type { CoverageRow } from "../model/coverage.js";
import type { JsonObject } from "../model/resource.js";
import {
  optionSpecs,
  redactOptions,
  wasRedacted,
  type ScanOptionKey,
  type ScanOptions,
} from "../model/scan-options.js";
import type { WaiverSet } from "../model/waiver.js";
import { checkParamValue } from "../rules/loader.js";
import type { Rule } from "../rules/rule.js";
import type { Store } from "../store/store.js";
import { EXIT, InputError, UsageError } from "../util/errors.js";
import { deepEqual } from "../util/json.js";
import { judgeScanAsync, judgeWorkerCount } from "./judge.js";
import { runLifecycle, type ScanHandle, type ScanStart } from "./lifecycle.js";

/** What a scan reports while it runs (the CLI's progress line, log lines, the service's log). */
export interface ScanEvents extends RunEvents {
  accountsResolved?(ids: string[]): void;
  log?(event: string, fields?: Record<string, unknown>): void;
  /** Collection is over (evaluation follows): a progress line stops redrawing. */
  finish?(): void;
}

/** Live counters of the scan's API calls, for a progress display. */
export interface ScanCounters {
  apiCalls(): number;
  throttles(): number;
}

export interface ScanDeps {
  store: Store;
  rules: Rule[];
  /** Continue the latest interrupted or failed scan: its stored options win over `options`'s scope. */
  resume?: boolean;
  /** The options the user set (flags, settings file): a resumed scan refuses a different scope. */
  given?: ReadonlySet<ScanOptionKey>;
  /** The caller's credentials; default: the SDK's provider chain (with options.profile). */
  credentials?: AwsCredentialIdentityProvider;
  events?(counters: ScanCounters): ScanEvents;
  /** Lines for the person watching (stderr). */
  notice?(line: string): void;
  /** The command that resumes this scan, as the person should type it. */
  resumeHint?: string;
  /** The waivers in force, recorded with the scan when it completes. */
  waivers?: WaiverSet;
  /** Stops the scan like a first SIGTERM (see LifecycleHooks.signal). */
  signal?: AbortSignal;
  /** Called with the scan's id once its row exists. */
  started?(scanId: number): void;
  /** Who asked for the scan, stored before its scope: "schedule nightly". */
  origin?: string;
}

export type ScanResult =
  | {
      status: "complete";
      scanId: number;
      summary: JsonObject;
      gaps: CoverageRow[];
      /** 0, or 3 when --require-full-coverage and a unit was denied or failed. */
      exitCode: number;
    }
  | { status: "interrupted"; scanId: number; exitCode: number };

/** Checks a scan's inputs without touching a database, so bad input never opens or alters one. */
export function checkScanInputs(options: ScanOptions, rules: readonly Rule[]): void {
  validateParams(rules, options.params);
  collectorsFor(options.services);
}

export async function runScan(fresh: ScanOptions, deps: ScanDeps): Promise<ScanResult> {
  checkScanInputs(fresh, deps.rules);
  const { options, start } = scanStart(
    deps.store,
    fresh,
    deps.resume ? (deps.given ?? new Set()) : undefined,
    deps.origin,
  );
  const collectors = collectorsFor(options.services);
  // The main thread writes every resource and finding: it should not also wait for the disk.
  const outcome = await deps.store.withBackgroundCheckpoints(() =>
    runLifecycle(
      deps.store,
      start,
      (scan) =>
        collectAndJudge(
          scan,
          options,
          collectors,
          deps,
          "reopen" in start ? start.reopen.source : start.source,
        ),
      {
        onStop: "finished units are kept, resume with --resume",
        ...(deps.notice ? { notice: deps.notice } : {}),
        ...(deps.waivers ? { waivers: deps.waivers } : {}),
        ...(deps.signal ? { signal: deps.signal } : {}),
        ...(deps.started ? { started: deps.started } : {}),
      },
    ),
  );
  if (outcome.status === "interrupted") {
    deps.notice?.(
      `scan ${outcome.scanId} interrupted; run "${deps.resumeHint ?? "dpscan scan --resume"}" to continue it`,
    );
    return { status: "interrupted", scanId: outcome.scanId, exitCode: outcome.exitCode };
  }
  const gaps = outcome.value;
  return {
    status: "complete",
    scanId: outcome.scanId,
    summary: deps.store.getScan(outcome.scanId)?.summary ?? {},
    gaps,
    exitCode: options.requireFullCoverage && gaps.length > 0 ? EXIT.incompleteCoverage : EXIT.ok,
  };
}

/** A new scan row, or (--resume) the latest incomplete one with the options it was started with. */
function scanStart(
  store: Store,
  fresh: ScanOptions,
  resume: ReadonlySet<ScanOptionKey> | undefined,
  origin: string | undefined,
): { options: ScanOptions; start: ScanStart } {
  if (!resume) {
    const scope = describeScope(fresh);
    return {
      options: fresh,
      start: {
        kind: "scan",
        source: origin ? `${origin}${ORIGIN_SEPARATOR}${scope}` : scope,
        // Stored for auditors: never the ExternalId or a password inside an endpoint URL.
        options: redactOptions(fresh) as JsonObject,
      },
    };
  }
  const prev = store.latestIncompleteScan("scan");
  if (!prev) throw new UsageError(`--resume: no interrupted or failed scan in ${store.path}`);
  if (store.hasLegacyCoverage(prev.id))
    throw new UsageError(
      `--resume: scan ${prev.id} was written by an older dpscan whose coverage rows do not state what they hide; start a new scan`,
    );
  return {
    options: resumedOptions(prev.id, prev.options as unknown as ScanOptions, fresh, resume),
    start: { reopen: prev },
  };
}

/** discover → collect → store, then judge what was stored; the value is the scan's coverage gaps. */
async function collectAndJudge(
  scan: ScanHandle,
  options: ScanOptions,
  collectors: Collector[],
  deps: ScanDeps,
  scope: string,
): Promise<{ summary: JsonObject; value: CoverageRow[] }> {
  const { store, rules } = deps;
  // Created here rather than in liveScan so a progress display can show live call counts.
  const factory = new ClientFactory(await factoryOptions(options, scan.signal));
  const events = deps.events?.({
    apiCalls: () => factory.global.calls,
    throttles: () => factory.global.throttles,
  });
  events?.log?.("scan.start", { scan: scan.id, resume: Boolean(deps.resume), scope });
  let collecting = true;
  const collected = (): void => {
    if (collecting) events?.finish?.();
    collecting = false;
  };
  try {
    store.recordRules(scan.id, rules, options.params);
    const result = await liveScan({
      store,
      scanId: scan.id,
      options,
      collectors,
      signal: scan.signal,
      factory,
      reads: factsRead(rules),
      ...(deps.credentials ? { credentials: deps.credentials } : {}),
      ...(events ? { events } : {}),
    });
    collected();
    const { summary: judged, gaps } = await judgeScanAsync(store, scan, rules, options.params, {
      workers: judgeWorkerCount(options.judgeWorkers),
    });
    const { coverage, ...evaluation } = judged;
    const summary: JsonObject = {
      ...evaluation,
      accounts: result.accountIds.length,
      accountsSkipped: result.accountsSkipped,
      apiCalls: result.apiCalls,
      throttles: result.throttles,
      retries: result.retries,
      coverage: coverage ?? null,
    };
    events?.log?.("scan.complete", { scan: scan.id, ...summary });
    return { summary, value: gaps };
  } finally {
    collected();
    factory.destroy();
  }
}

/**
 * Whether any of the scan's rules reads a fact (a record field a per-resource read fills): a rule
 * names what it reads in its conditions, requirements and evidence, so a mention in its source is
 * a read. Calls for facts no selected rule reads are not made (the field is a NotCollected marker).
 */
export function factsRead(rules: readonly Rule[]): FactsRead {
  return factsReadIn(rules.map((r) => JSON.stringify(r.source)).join("\n"));
}

/** Options a resumed scan takes from this run: how it reports, authenticates, paces and exits. */
export const RUN_OPTIONS: ReadonlySet<ScanOptionKey> = new Set([
  "logFormat",
  "progress",
  "quiet",
  "profile",
  "endpointUrl",
  "externalId",
  "concurrency",
  "accountConcurrency",
  "workers",
  "judgeWorkers",
  "rates",
  "rateShare",
  "requireFullCoverage",
  "params",
  "rules",
  "rule",
  "excludeRule",
]);

/**
 * Same scope as the scan being resumed: a scope option given now that differs is refused (the
 * scan would mix two scopes). Run options given now are honoured; reporting and credentials are
 * always this run's, and redacted secrets must be given again.
 */
function resumedOptions(
  id: number,
  stored: ScanOptions,
  fresh: ScanOptions,
  given: ReadonlySet<ScanOptionKey>,
): ScanOptions {
  const problems: string[] = [];
  const options = { ...stored } as Record<string, unknown>;
  const now = fresh as unknown as Record<string, unknown>;
  for (const [key, spec] of optionSpecs()) {
    const name = /--[a-z0-9-]+/.exec(spec.flag ?? "")?.[0] ?? key;
    if (!RUN_OPTIONS.has(key)) {
      if (given.has(key) && !deepEqual(now[key], options[key]))
        problems.push(
          `--resume: ${name} ${JSON.stringify(now[key])} differs from scan ${id}'s ${JSON.stringify(options[key] ?? null)}; a resumed scan keeps its scope: resume without ${name}, or start a new scan`,
        );
      continue;
    }
    const always = spec.settings === false || key === "profile" || key === "logFormat";
    if (always || given.has(key) || (spec.redact && now[key] !== undefined)) {
      if (now[key] === undefined) delete options[key];
      else options[key] = now[key];
    } else if (spec.redact && wasRedacted(options[key])) {
      problems.push(`--resume: scan ${id} was started with ${name}, which is not stored; give ${name} again`);
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  return options as unknown as ScanOptions;
}

export function collectorsFor(names: readonly string[] | undefined): Collector[] {
  try {
    return selectCollectors(names);
  } catch (err) {
    throw new UsageError(`--services: ${(err as Error).message}`);
  }
}

/** Rule parameter overrides name rules and parameters that exist, with values of their type. */
export function validateParams(rules: readonly Rule[], params: ScanOptions["params"]): void {
  const problems: string[] = [];
  for (const [ruleId, values] of Object.entries(params)) {
    const rule = rules.find((r) => r.id === ruleId);
    if (!rule) {
      problems.push(`params: unknown rule "${ruleId}"`);
      continue;
    }
    for (const [name, value] of Object.entries(values)) {
      const p = checkParamValue(rule, name, value);
      if (p) problems.push(`params.${ruleId}.${name}: ${p}`);
    }
  }
  if (problems.length > 0) throw new InputError(problems);
}

/** Between a scan's origin and its scope in the stored source. */
export const ORIGIN_SEPARATOR = " · ";

/** The origin a scan was started with (ScanDeps.origin), read back from its stored source. */
export function scanOrigin(source: string): string | undefined {
  const at = source.indexOf(ORIGIN_SEPARATOR);
  return at > 0 ? source.slice(0, at) : undefined;
}

/** The scan's scope in a few words (the `scans` table's SOURCE), with its shard when it has one. */
export function describeScope(o: ScanOptions): string {
  const who = o.org ? "org" : o.accounts ? `accounts ${o.accounts.join(",")}` : "caller account";
  const where = o.regions ? o.regions.join(",") : "enabled regions";
  const shard = o.shard !== undefined ? `; shard ${o.shard}` : "";
  return `${o.source === "config" ? `config aggregator ${o.aggregator ?? ""}` : "api"}: ${who}; ${where}${shard}`;
}
