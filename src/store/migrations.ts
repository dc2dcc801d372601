// Versioned migrations: numbered .sql files applied in order inside one transaction each.
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

/** Bring the schema up to date; a database from a newer dpscan is refused, never altered. */
export function migrate(db: Database.Database, path = "the database"): number {
  const all = listMigrations();
  const latest = all.at(-1)?.version ?? 0;
  // user_version mirrors the schema version for other tools; either being newer means refusal.
  const userVersion = db.pragma("user_version", { simple: true }) as number;
  const hasTable = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  const applied = new Set(
    hasTable
      ? (db.prepare("SELECT version FROM schema_migrations").all() as { version: number }[]).map(
          (r) => r.version,
        )
      : [],
  );
  const current = Math.max(0, userVersion, ...applied);
  if (current > latest) {
    throw new EnvironmentError(
      `${path}: written by a newer dpscan (schema version ${current}; this dpscan knows up to ${latest}); upgrade dpscan or use another --db`,
    );
  }
  const pending = all.filter((m) => !applied.has(m.version));
  if (pending.length === 0) return latest; // nothing to write: a read-only database still opens
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
        db.pragma(`user_version = ${Math.max(m.version, userVersion)}`);
      })();
    }
  } finally {
    db.pragma(`foreign_keys = ${fk ? "ON" : "OFF"}`);
  }
  return latest;
}
