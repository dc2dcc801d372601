// The waivers file a command applies: `--waivers FILE`, else the settings file's `waivers:` key
// (a path relative to the settings file). `waiverMaxDays` in the settings file bounds every waiver.
// The settings are the run's global ones (`--config` / `--no-config`, read once by globals()).
import { dirname, isAbsolute, join } from "node:path";
import type { WaiverSet } from "../model/waiver.js";
import { loadWaivers } from "../rules/waivers.js";
import type { Settings } from "./scan-options.js";

export const WAIVERS_HELP = "waivers file (default: the settings file's waivers:, else the scan's record)";

export function waiverFileFor(
  settings: Settings,
  flag: string | undefined,
  ruleIds: readonly string[],
  now = new Date(),
): WaiverSet | undefined {
  const { waivers, waiverMaxDays } = settings.data;
  let file = flag;
  if (file === undefined && typeof waivers === "string" && settings.file)
    file = isAbsolute(waivers) ? waivers : join(dirname(settings.file), waivers);
  if (file === undefined) return undefined;
  return loadWaivers(file, {
    now,
    ruleIds,
    ...(typeof waiverMaxDays === "number" ? { maxDays: waiverMaxDays } : {}),
  });
}
