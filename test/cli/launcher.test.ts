// The installed command (bin/dpscan.js run through its #! line) caps the heap, so a large scan's
// peak RSS stays bounded; the benchmarks launch dpscan with the same flags.
import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs module of the benchmarks, without types
import { launchFlags } from "../../bench/scenarios/lib/common.mjs";
import { ensureBuilt } from "../helpers/process.js";

const BIN = new URL("../../bin/dpscan.js", import.meta.url).pathname;
const MB = 2 ** 20;

describe("the dpscan launcher", () => {
  it("runs as an executable through its #! line", () => {
    ensureBuilt();
    expect(statSync(BIN).mode & 0o111).not.toBe(0);
    const version = execFileSync(BIN, ["--version"], { encoding: "utf8" }).trim();
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("caps the old generation at 640 MB, and the benchmarks read the same flags", () => {
    const flags = launchFlags(BIN) as string[];
    expect(flags).toEqual(["--max-old-space-size=640"]);
    const limit = (args: string[]): number =>
      Number(
        execFileSync(
          process.execPath,
          [...args, "-p", "require('node:v8').getHeapStatistics().heap_size_limit"],
          {
            encoding: "utf8",
          },
        ),
      );
    const capped = limit(flags);
    // The limit is the old generation plus the young one (tens of MB).
    expect(capped).toBeGreaterThanOrEqual(640 * MB);
    expect(capped).toBeLessThan(768 * MB);
    expect(limit([])).toBeGreaterThan(capped);
  });
});
