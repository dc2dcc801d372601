// Versioned migrations: numbered .sql files, each applied once inside its own transaction. A
// database remembers which ran (schema_migrations) and mirrors the newest in user_version, so
// other tools can read it. Numbers may have gaps (branches reserve numbers), so every known
// migration that has not run is applied in order, not only those above the newest applied.
import { readdirSync, readFileSync } from "node:fs";
import type Database from "better-sqlite3";
import { EnvironmentError } from "../util/errors.js";

const DIR = new URL("../../src/store/migrations/", import.meta.url);

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function listMigrations(): Migration[] {
  return readdirSync(DIR)
    .filter((f) => /^\d{3}_.+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 3)), name: f, sql: readFileSync(new URL(f, DIR), "utf8") }));
}

/** The versions a database says it has: its schema_migrations rows, and its user_version. */
function appliedVersions(db: Database.Database): { applied: Set<number>; userVersion: number } {
  const userVersion = db.pragma("user_version", { simple: true }) as number;
  const hasTable = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  const rows = hasTable
    ? (db.prepare("SELECT version FROM schema_migrations").all() as { version: number }[])
    : [];
  return { applied: new Set(rows.map((r) => r.version)), userVersion };
}

/**
 * Refuse a database this dpscan cannot read safely: one written by a newer dpscan (a version
 * above the newest known, in schema_migrations or user_version) or by a build with a migration
 * this one does not have. Reads only, so the refused file is never altered.
 */
export function refuseUnknownSchema(db: Database.Database, path: string): void {
  const known = new Set(listMigrations().map((m) => m.version));
  const latest = Math.max(0, ...known);
  const { applied, userVersion } = appliedVersions(db);
  const newest = Math.max(userVersion, 0, ...applied);
  if (newest > latest)
    throw new EnvironmentError(
      `${path}: written by a newer dpscan (schema version ${newest}; this dpscan knows up to ${latest}); upgrade dpscan or use another --db (the database was not changed)`,
    );
  const foreign = [...applied].filter((v) => !known.has(v)).sort((a, b) => a - b);
  if (foreign.length > 0)
    throw new EnvironmentError(
      `${path}: has schema migration ${foreign.join(", ")} that this dpscan does not know (written by another build); use that build or another --db (the database was not changed)`,
    );
}

/** Apply every known migration the database has not run, in order; returns the newest version. */
export function migrate(db: Database.Database, path = "the database"): number {
  refuseUnknownSchema(db, path);
  const all = listMigrations();
  const latest = all.at(-1)?.version ?? 0;
  const { applied } = appliedVersions(db);
  const pending = all.filter((m) => !applied.has(m.version));
  if (pending.length === 0) return latest;
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  // A migration may rebuild a table that others reference (SQLite's way to change a constraint):
  // with foreign keys on, dropping the old table would cascade into the rows pointing at it.
  // Foreign keys go off around the migrations and every reference is checked before each commits.
  const fk = db.pragma("foreign_keys", { simple: true }) as number;
  db.pragma("foreign_keys = OFF");
  try {
    // Every migration not yet applied, in order (not only those above the highest: branches merge).
    for (const m of pending) {
      db.transaction(() => {
        db.exec(m.sql);
        const broken = db.pragma("foreign_key_check") as unknown[];
        if (broken.length > 0)
          throw new Error(
            `migration ${m.name} would leave ${broken.length} broken reference(s); not applied`,
          );
        db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(
          m.version,
          m.name,
          new Date().toISOString(),
        );
        applied.add(m.version);
        db.pragma(`user_version = ${Math.max(...applied)}`);
      })();
    }
  } finally {
    db.pragma(`foreign_keys = ${fk ? "ON" : "OFF"}`);
  }
  return latest;
}
