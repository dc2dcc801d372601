// The built-in demo world (src/sim/world/worlds/demo.yaml). The YAML is data, not code, so the
// compiled module in dist/sim/world/ must still find it: try beside the module first, then the source tree.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadWorldFile } from "./file.js";
import type { World } from "./types.js";

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
