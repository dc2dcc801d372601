// The built-in demo world (src/sim/world/worlds/demo.yaml). The YAML is data, not code, so the
// compiled module in dist/sim/world/ must still find it: try beside the module first, then the source tree.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadWorldFile } from "./file.js";
import type { SimAccount, SimRole, World } from "./types.js";

const CANDIDATES = [
  "./worlds/demo.yaml", // src/sim/world/ under vitest, or dist/sim/world/ when the build copies worlds/
  "../../../src/sim/world/worlds/demo.yaml", // dist/sim/world/ -> package root -> src/sim/world/worlds/
  "../../../../src/sim/world/worlds/demo.yaml", // a nested outDir (e.g. dist/src/sim/world/)
];

/** Absolute path of the demo world file; throws naming every place it looked. */
export function demoWorldPath(): string {
  const tried: string[] = [];
  for (const rel of CANDIDATES) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
    tried.push(path);
  }
  throw new Error(`demo world not found; looked in:\n  ${tried.join("\n  ")}`);
}

/** Loads and validates the demo world (3 accounts; see the header of demo.yaml for its findings). */
export function loadDemoWorld(): World {
  return loadWorldFile(demoWorldPath());
}

/** What a scan of a world needs to be told: the role to assume, its ExternalId, the regions to scan. */
export interface ScanTarget {
  /** The role every account lets the management account assume. */
  roleName: string;
  /** The ExternalId that role requires where it requires one (at most one per world). */
  externalId?: string;
  /** Every region an account lists, enabled or disabled, in first-seen order. */
  regions: string[];
}

/**
 * The role, ExternalId and regions to scan `world` with, read from its accounts (so `dpscan demo` and
 * the `dpscan sim` hint follow demo.yaml). Throws when the accounts do not agree on one role or on
 * one ExternalId, since no single scan could then reach them all.
 */
export function demoScanTarget(world: World): ScanTarget {
  const mgmt = world.managementAccountId;
  const accounts = Array.from({ length: world.accounts.size }, (_, i) => world.accounts.at(i));
  const trusting = (a: SimAccount): SimRole[] => a.roles.filter((r) => r.TrustedAccounts.includes(mgmt));
  const roleNames = [...new Set(accounts.flatMap((a) => trusting(a).map((r) => r.Name)))].filter((n) =>
    accounts.every((a) => trusting(a).some((r) => r.Name === n)),
  );
  const roleName = roleNames[0];
  if (roleName === undefined || roleNames.length > 1)
    throw new Error(`the world's accounts must share one role trusting ${mgmt}; found ${roleNames.length}`);
  const externalIds = new Set(
    accounts.flatMap((a) => a.roles.filter((r) => r.Name === roleName).flatMap((r) => r.ExternalId ?? [])),
  );
  const [externalId] = externalIds;
  if (externalIds.size > 1)
    throw new Error(`role ${roleName} requires ${externalIds.size} different ExternalIds`);
  const regions = new Set(accounts.flatMap((a) => [...a.enabledRegions, ...a.disabledRegions]));
  return { roleName, ...(externalId === undefined ? {} : { externalId }), regions: [...regions] };
}
