// The layering of docs/architecture.md holds: lint rejects an import against the flow, and the
// module graph of src/ has no cycle.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** Relative imports of each file under src/, resolved to files (".js" specifiers name ".ts" sources). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles("src")) {
    const text = readFileSync(file, "utf8");
    const targets = [...text.matchAll(/^(?:import|export)[^;]*?from "(\.{1,2}\/[^"]+)"/gms)].map((m) =>
      normalize(join(dirname(file), (m[1] as string).replace(/\.js$/, ".ts"))),
    );
    graph.set(normalize(file), targets);
  }
  return graph;
}

function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (n: string): void => {
    state.set(n, "open");
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (state.get(m) === "open") found.push([...stack.slice(stack.indexOf(m)), m]);
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, "done");
  };
  for (const n of graph.keys()) if (!state.has(n)) visit(n);
  return found;
}

describe("architecture", () => {
  it("src/ has no import cycle", () => {
    const graph = importGraph();
    expect(graph.size).toBeGreaterThan(50);
    expect(cycles(graph).map((c) => c.map((f) => relative("src", f)).join(" -> "))).toEqual([]);
  });

  it("lint rejects an import against the flow and accepts one along it", async () => {
    const eslint = new ESLint();
    const lint = async (file: string, code: string): Promise<string[]> =>
      (await eslint.lintText(code, { filePath: file }))[0]!.messages
        .filter((m) => m.ruleId === "no-restricted-imports")
        .map((m) => m.message);
    const against: [string, string][] = [
      ["src/collect/x.ts", "../cli/scan-options.js"],
      ["src/collect/x.ts", "../rules/gaps.js"],
      ["src/store/x.ts", "../rules/rule.js"],
      ["src/rules/x.ts", "../store/store.js"],
      ["src/model/x.ts", "../aws/services.js"],
      ["src/aws/x.ts", "../store/store.js"],
      ["src/report/x.ts", "../cli/context.js"],
      ["src/app/x.ts", "../cli/context.js"],
      ["src/app/x.ts", "../sim/server.js"],
      ["src/cli/findings.ts", "../sim/server.js"],
      ["src/sim/services/x.ts", "../../collect/runner.js"],
      ["src/policy/x.ts", "../model/resource.js"],
    ];
    for (const [file, target] of against) {
      const messages = await lint(file, `import { x } from "${target}";\nexport const y = x;\n`);
      expect(messages, `${file} -> ${target}`).toHaveLength(1);
    }
    const along: [string, string][] = [
      ["src/collect/x.ts", "../store/store.js"],
      ["src/app/x.ts", "../collect/runner.js"],
      ["src/cli/demo.ts", "../sim/server.js"],
      ["src/sim/services/x.ts", "../../model/resource-types.js"],
      ["src/rules/x.ts", "../model/finding.js"],
    ];
    for (const [file, target] of along) {
      const messages = await lint(file, `import { x } from "${target}";\nexport const y = x;\n`);
      expect(messages, `${file} -> ${target}`).toEqual([]);
    }
  });
});
