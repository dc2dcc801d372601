// The simulator is its own product (docs/simulator.md, "Layout and size budget"): these checks keep
// the boundary and the layers honest until lint zones say the same.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

function sources(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (p.endsWith(".ts")) out.push(p);
  }
  return out;
}

/** Each file's relative imports, as repository paths (src/…/x.ts). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)].map((m) => m[1] ?? "");
  return specs.map((s) => relative(".", resolve(dirname(file), s)).replace(/\.js$/, ".ts"));
}

const ALL = sources("src");
const inSim = (p: string): boolean => p.startsWith("src/sim/");
const SIM_USERS = ["src/cli/sim.ts", "src/cli/demo.ts"];

describe("simulator boundary", () => {
  it("the product never imports the simulator; the sim and demo commands use only its index", () => {
    const wrong = ALL.filter((f) => !inSim(f)).flatMap((f) =>
      importsOf(f)
        .filter(inSim)
        .filter((target) => !(SIM_USERS.includes(f) && target === "src/sim/index.ts"))
        .map((target) => `${f} -> ${target}`),
    );
    expect(wrong).toEqual([]);
  });

  it("the simulator imports from the product only src/util, the resource type names and AWS's quotas", () => {
    const shared = ["src/model/resource-types.ts", "src/model/quotas.ts"];
    const wrong = ALL.filter(inSim).flatMap((f) =>
      importsOf(f)
        .filter((t) => !inSim(t) && !t.startsWith("src/util/") && !shared.includes(t))
        .map((target) => `${f} -> ${target}`),
    );
    expect(wrong).toEqual([]);
  });

  it("the world layer depends on no other layer of the simulator", () => {
    const wrong = ALL.filter((f) => f.startsWith("src/sim/world/")).flatMap((f) =>
      importsOf(f)
        .filter((t) => inSim(t) && !t.startsWith("src/sim/world/"))
        .map((target) => `${f} -> ${target}`),
    );
    expect(wrong).toEqual([]);
  });
});
