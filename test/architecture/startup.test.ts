// `dpscan --help` and `--version` start fast because the entry point loads no command module: the
// static imports of src/cli/main.ts reach neither the AWS SDK, SQLite, the rule engine nor any
// other package but commander (commands are loaded with import() when they run).
import { readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";

/** Every module reached from `entry` through static import/export declarations. */
function staticClosure(entry: string): { files: string[]; packages: Set<string> } {
  const files: string[] = [];
  const packages = new Set<string>();
  const todo = [entry];
  while (todo.length > 0) {
    const file = todo.pop() as string;
    if (files.includes(file)) continue;
    files.push(file);
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/^(?:import|export)(?!\s+type\b)[^;]*?from "([^"]+)"/gms)) {
      const spec = m[1] as string;
      if (spec.startsWith(".")) todo.push(normalize(join(dirname(file), spec.replace(/\.js$/, ".ts"))));
      else if (!spec.startsWith("node:")) packages.add(spec);
    }
  }
  return { files, packages };
}

describe("start-up", () => {
  it("the entry point statically imports only commander and a few light modules", () => {
    const { files, packages } = staticClosure("src/cli/main.ts");
    expect([...packages]).toEqual(["commander"]);
    expect(files.sort()).toEqual(
      [
        "src/cli/invocation.ts",
        "src/cli/main.ts",
        "src/cli/output.ts",
        "src/store/errors.ts",
        "src/util/errors.ts",
        "src/util/text.ts",
        "src/version.ts",
      ].sort(),
    );
  });

  it("every command in the table is loaded lazily and exists", () => {
    const text = readFileSync("src/cli/main.ts", "utf8");
    const loaded = [...text.matchAll(/load: \(\) => import\("\.\/([\w-]+)\.js"\)/g)].map((m) => m[1]);
    expect(loaded.length).toBeGreaterThanOrEqual(9);
    for (const m of loaded)
      expect(readFileSync(`src/cli/${m}.ts`, "utf8")).toMatch(/export function define\(/);
  });

  it("the collector registry and the client factory load only the clients of the first calls", () => {
    // STS and Organizations are asked first (who am I, which accounts); every other client package
    // loads when its service's first unit runs.
    const first = ["@aws-sdk/client-organizations", "@aws-sdk/client-sts"];
    for (const entry of ["src/collect/registry.ts", "src/aws/clients.ts", "src/aws/discovery.ts"]) {
      const sdk = [...staticClosure(entry).packages].filter((p) => p.startsWith("@aws-sdk/client-"));
      expect(
        sdk.filter((p) => !first.includes(p)),
        entry,
      ).toEqual([]);
    }
  });
});
