// `dpscan serve`: the settings file's `serve:` section (read through the global --config, like every
// command's settings) with the listener flags over it, then the service.
import { Cron } from "croner";
import type { Command } from "commander";
import type { JsonObject } from "../model/resource.js";
import { TokenSet } from "../serve/auth.js";
import {
  SERVE_DEFAULTS,
  type Schedule,
  type ServeSection,
  type ServiceSettings,
  type WebhookConfig,
} from "../serve/config.js";
import { startService } from "../serve/service.js";
import { InputError, UsageError } from "../util/errors.js";
import { readSourceFile } from "../util/yaml-source.js";
import { globals, out } from "./context.js";
import { resolveReportInputs } from "./report.js";
import { checkPartitions, resolveScanOptions, type Settings } from "./scan-options.js";

interface ServeFlags {
  host?: string;
  port?: string;
  tokensFile?: string;
}

export function define(cmd: Command): void {
  cmd
    .option("--host <address>", `listen address (default: serve.host or ${SERVE_DEFAULTS.host})`)
    .option("--port <n>", `listen port, 0 for any (default: serve.port or ${SERVE_DEFAULTS.port})`)
    .option("--tokens-file <file>", "API tokens (default: serve.tokensFile)")
    .action(async (flags: ServeFlags, c: Command) => {
      const g = globals(c);
      const settings = serviceSettings(flags, g.settings);
      // The frameworks and the settings file's report scopes, as `dpscan report` reads them.
      const { rules, frameworks, scopeFor } = resolveReportInputs({ framework: "all", scopeTag: [] }, c);
      const service = await startService({
        dbPath: g.db,
        settings,
        rules,
        reports: { frameworks, scopeFor },
        tokens: TokenSet.load(settings.tokensFile),
        handleSignals: true,
      });
      out(`dpscan serve listening on ${service.url} (${describe(settings)})`);
      await service.closed;
    });
}

function describe(s: ServiceSettings): string {
  const armed = s.schedules.filter((x) => x.cron).length;
  return `${s.schedules.length} schedule(s), ${armed} on cron; ${s.webhooks.length} webhook(s)`;
}

/** The serve: section of the settings with flags over it, every schedule's options resolved. */
export function serviceSettings(
  flags: ServeFlags,
  settings: Settings,
  env: NodeJS.ProcessEnv = process.env,
): ServiceSettings {
  // The other top-level keys (db:, reports:) are no scan options: resolveScanOptions ignores them.
  const { serve: raw = {}, ...topLevel } = settings.data;
  // Validated against the settings schema when the file was read.
  const serve = raw as ServeSection;
  const source = settings.file ? readSourceFile(settings.file) : undefined;
  const where = (path: (string | number)[]): string => source?.where(["serve", ...path]) ?? "serve";
  const port = flags.port === undefined ? (serve.port ?? SERVE_DEFAULTS.port) : Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError("--port must be 0-65535");
  const problems: string[] = [];
  const names = new Set<string>();
  const schedules = (serve.schedules ?? []).map((s, i): Schedule => {
    if (names.has(s.name))
      problems.push(`${where(["schedules", i, "name"])}: schedules.${i}.name: "${s.name}" is used twice`);
    names.add(s.name);
    if (s.cron !== undefined) {
      const p = cronProblem(s.cron, s.timezone);
      if (p) problems.push(`${where(["schedules", i, "cron"])}: schedules.${i}.cron: ${p}`);
    }
    let options;
    try {
      // A schedule's scan: the file's top-level scan options with its own `scan:` over them.
      const data: JsonObject = { ...topLevel, ...(s.scan ?? {}) };
      const resolved = resolveScanOptions({ config: false }, env, { data });
      // No profile region to wait for here: the default home region is final, so check it now.
      if (resolved.sources.region === "default") checkPartitions(resolved.options);
      options = resolved.options;
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      problems.push(`${where(["schedules", i])}: schedules.${i}.scan: ${err.message}`);
    }
    return {
      name: s.name,
      ...(s.cron !== undefined ? { cron: s.cron } : {}),
      ...(s.timezone !== undefined ? { timezone: s.timezone } : {}),
      jitterSeconds: s.jitterSeconds ?? SERVE_DEFAULTS.jitterSeconds,
      options: options as Schedule["options"],
      after: s.after ?? {},
    };
  });
  const webhooks = (serve.webhooks ?? []).map((w, i): WebhookConfig => {
    const url = w.url ?? env[w.urlEnv ?? ""] ?? "";
    if (!/^https?:\/\//.test(url))
      problems.push(
        `${where(["webhooks", i])}: webhooks.${i}: ${w.urlEnv ? `environment variable ${w.urlEnv} does not hold an http(s) URL` : "url must be http(s)"}`,
      );
    return {
      url,
      format: w.format ?? "json",
      minSeverity: w.minSeverity ?? "high",
      coverageDrop: w.coverageDrop ?? true,
      retries: w.retries ?? 4,
    };
  });
  if (problems.length > 0) throw new InputError(problems);
  const tokensFile = flags.tokensFile ?? serve.tokensFile;
  return {
    host: flags.host ?? serve.host ?? SERVE_DEFAULTS.host,
    port,
    ...(tokensFile ? { tokensFile } : {}),
    ratePerMinute: serve.ratePerMinute ?? SERVE_DEFAULTS.ratePerMinute,
    trendScans: serve.trendScans ?? SERVE_DEFAULTS.trendScans,
    corsOrigins: serve.cors?.origins ?? [],
    schedules,
    webhooks,
  };
}

/** Why croner refuses an expression or time zone, or undefined. */
function cronProblem(pattern: string, timezone: string | undefined): string | undefined {
  try {
    if (timezone !== undefined) new Intl.DateTimeFormat("en", { timeZone: timezone });
  } catch {
    return `unknown time zone "${timezone}"`;
  }
  try {
    const job = new Cron(pattern, { paused: true, ...(timezone ? { timezone } : {}) });
    job.stop();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
