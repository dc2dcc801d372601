import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll } from "vitest";

/** A fresh temporary directory per test, removed afterwards. */
export function useTmpDir(): () => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(join(tmpdir(), "dpscan-test-"));
    dirs.push(d);
    return d;
  };
}

/**
 * One database built before a file's tests (by `build`, in a temporary directory) and shared by
 * them, removed after them: for databases that take a while to fill.
 */
export function useSharedDatabase(build: (dir: string) => string): { dir: () => string; db: () => string } {
  let dir = "";
  let db = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "dpscan-test-"));
    db = build(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return { dir: () => dir, db: () => db };
}
