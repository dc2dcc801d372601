// A database the machine gets in the way of — read-only, locked, corrupt, full, from a newer
// dpscan — is exit 2 with its path and the cause, never "internal error", and is left as it was.
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { runEvaluate } from "../../src/app/evaluate.js";
import { loadRules } from "../../src/rules/loader.js";
import { storeEnvironmentError } from "../../src/store/errors.js";
import { Store } from "../../src/store/store.js";
import { runCli } from "../helpers/cli.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();
const SNAPSHOT = "examples/config-snapshot.json";

/** A database holding one complete evaluation, and what its file holds now. */
async function stored(): Promise<{ db: string; dir: string }> {
  const dir = tmp();
  const db = join(dir, "d.db");
  const r = await runCli(["--db", db, "evaluate", "--input", SNAPSHOT]);
  expect(r.code).toBe(0);
  // Fold the WAL into the main file, so the file alone is the whole database.
  const s = new Store(db);
  s.db.pragma("wal_checkpoint(TRUNCATE)");
  s.close();
  return { db, dir };
}

/** The error an evaluation into `store` fails with. */
async function evaluateError(store: Store): Promise<unknown> {
  try {
    await runEvaluate(store, { files: [SNAPSHOT], rules: loadRules() });
  } catch (err) {
    return err;
  } finally {
    store.close();
  }
  return undefined;
}

function expectIntact(db: string): void {
  const s = new Store(db);
  try {
    expect(s.latestCompleteScan()?.id).toBe(1);
    expect(s.queryFindings(1).length).toBe(58);
  } finally {
    s.close();
  }
}

describe("database environment errors", () => {
  it("corrupt: a file that is not a database", async () => {
    const dir = tmp();
    const db = join(dir, "garbage.db");
    const garbage = Buffer.from(
      "this is not a SQLite file, it only looks like one to a careless tool\n".repeat(100),
    );
    writeFileSync(db, garbage);
    for (const args of [["findings"], ["scans"], ["evaluate", "--input", SNAPSHOT]]) {
      const r = await runCli(["--db", db, ...args]);
      expect(r.code, args[0]).toBe(2);
      expect(r.stderr).toBe(
        `dpscan: ${db}: the file is not a dpscan database, or it is corrupt (SQLITE_NOTADB)\n`,
      );
    }
    expect(readFileSync(db).equals(garbage)).toBe(true);
  });

  it("newer schema: written by a newer dpscan (schema_migrations or user_version)", async () => {
    const { db } = await stored();
    const raw = new Database(db);
    raw.pragma("user_version = 99");
    raw.close();
    const before = readFileSync(db);
    const r = await runCli(["--db", db, "findings"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^dpscan: .*d\.db: written by a newer dpscan \(schema version 99; this dpscan knows up to \d+\); upgrade dpscan or use another --db \(the database was not changed\)\n$/,
    );
    expect(readFileSync(db).equals(before)).toBe(true);
  });

  it("locked: another process holds the write lock past the busy timeout", async () => {
    const { db } = await stored();
    const holder = new Database(db);
    holder.pragma("journal_mode = WAL");
    holder.exec("BEGIN IMMEDIATE");
    try {
      const r = await runCli(["--db", db, "evaluate", "--input", SNAPSHOT]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        `dpscan: ${db}: the database is locked by another process (waited 5 s) (SQLITE_BUSY)\n`,
      );
    } finally {
      holder.exec("ROLLBACK");
      holder.close();
    }
    expectIntact(db);
  });

  it("read-only: writing is refused with the path and the cause", async () => {
    const { db, dir } = await stored();
    // Tests may run as root, for whom chmod blocks nothing: SQLite's read-only open is the same
    // refusal (SQLITE_READONLY) that a read-only file or mount gives everyone else.
    const copy = join(dir, "ro.db");
    copyFileSync(db, copy);
    const s = new Store(copy, { readonly: true });
    expect(s.latestCompleteScan()?.id).toBe(1); // reading works
    const caught = await evaluateError(s);
    expect(storeEnvironmentError(caught, copy)?.message).toBe(
      `${copy}: the database is read-only (its file, directory or file system does not allow writing) (SQLITE_READONLY)`,
    );
    expect(readFileSync(copy).equals(readFileSync(db))).toBe(true);
    if (process.getuid?.() !== 0) {
      const { chmodSync } = await import("node:fs");
      chmodSync(copy, 0o444);
      chmodSync(dir, 0o555);
      try {
        const r = await runCli(["--db", copy, "evaluate", "--input", SNAPSHOT]);
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/ro\.db: the database (is read-only|file cannot be opened)/);
      } finally {
        chmodSync(dir, 0o755);
      }
    }
  });

  it("full: a write that meets a full disk fails the command (exit 2 via the CLI's mapping), nothing else lost", async () => {
    const { db } = await stored();
    const s = new Store(db);
    // The size limit SQLite enforces the way a full disk stops it: SQLITE_FULL.
    s.db.pragma(`max_page_count = ${(s.db.pragma("page_count", { simple: true }) as number) + 2}`);
    const caught = await evaluateError(s);
    expect(storeEnvironmentError(caught, db)?.message).toBe(
      `${db}: the disk (or the database's size limit) is full (SQLITE_FULL)`,
    );
    expectIntact(db);
  });

  it("a database path in a directory that cannot exist", async () => {
    const r = await runCli(["--db", "/dev/null/x.db", "findings"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^dpscan: \/dev\/null\/x\.db: /);
    expect(r.stderr).not.toContain("internal error");
  });
});
