// The waivers file a command applies: `--waivers FILE`, else the settings file's `waivers:` key
// (a path relative to the settings file). `waiverMaxDays` in the settings file bounds every waiver.
import { existsSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import type { WaiverSet } from "../model/waiver.js";
import { loadWaivers } from "../rules/waivers.js";
import { DEFAULT_SETTINGS_FILE, loadSettingsFile } from "./scan-options.js";

export interface WaiverFlags {
  waivers?: string;
  /** `--config FILE`, false for `--no-config`, undefined: ./dpscan.config.yaml when present. */
  config?: string | false;
}

export function waiverFileFor(
  flags: WaiverFlags,
  ruleIds: readonly string[],
  now = new Date(),
): WaiverSet | undefined {
  const settingsFile =
    flags.config === false
      ? undefined
      : (flags.config ?? (existsSync(DEFAULT_SETTINGS_FILE) ? DEFAULT_SETTINGS_FILE : undefined));
  const settings = settingsFile ? loadSettingsFile(settingsFile) : {};
  const maxDays = typeof settings.waiverMaxDays === "number" ? settings.waiverMaxDays : undefined;
  let file = flags.waivers;
  if (file === undefined && typeof settings.waivers === "string" && settingsFile)
    file = isAbsolute(settings.waivers) ? settings.waivers : join(dirname(settingsFile), settings.waivers);
  if (file === undefined) return undefined;
  return loadWaivers(file, { now, ruleIds, ...(maxDays !== undefined ? { maxDays } : {}) });
}
