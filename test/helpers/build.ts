// A runnable copy of dpscan built from the current sources, for tests that run the `dpscan`
// command in a shell (the CI examples): every src/ module transpiled (no type check: the
// typecheck is its own step) into DIR/dist, beside links to the data dpscan reads at run time.
import {
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
  chmodSync,
} from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

const ROOT = resolve(".");

function* sources(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* sources(p);
    else if (e.name.endsWith(".ts")) yield p;
  }
}

/** Build into `dir`; returns a directory holding a `dpscan` executable, for PATH. */
export function buildDpscan(dir: string): string {
  for (const file of sources(join(ROOT, "src"))) {
    const out = join(dir, "dist", relative(join(ROOT, "src"), file)).replace(/\.ts$/, ".js");
    const { outputText } = ts.transpileModule(readFileSync(file, "utf8"), {
      compilerOptions: {
        module: ts.ModuleKind.ES2022,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
      fileName: file,
    });
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
  }
  for (const link of ["package.json", "rules", "src", "schemas", "node_modules"])
    symlinkSync(join(ROOT, link), join(dir, link));
  mkdirSync(join(dir, "bin"));
  copyFileSync(join(ROOT, "bin", "dpscan.js"), join(dir, "bin", "dpscan.js"));
  const path = join(dir, "path");
  mkdirSync(path);
  writeFileSync(
    join(path, "dpscan"),
    `#!/bin/sh\nexec "${process.execPath}" "${join(dir, "bin", "dpscan.js")}" "$@"\n`,
  );
  chmodSync(join(path, "dpscan"), 0o755);
  return path;
}
