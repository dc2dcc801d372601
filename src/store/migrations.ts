// Versioned migrations: numbered .sql files applied in order inside one transaction each.
import { readdirSync, readFileSync } from "node:fs";
import type Database from "better-sqlite3";

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

export function migrate(db: Database.Database): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const current = (
    db.prepare("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations").get() as { v: number }
  ).v;
  const all = listMigrations();
  const latest = all.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new Error(
      `database schema version ${current} is newer than this dpscan supports (${latest}); upgrade dpscan`,
    );
  }
  const pending = all.filter((m) => m.version > current);
  if (pending.length === 0) return latest;
  // A migration may rebuild a table that others reference (SQLite's way to change a constraint):
  // with foreign keys on, dropping the old table would cascade into the rows pointing at it.
  // Foreign keys go off around the migrations and every reference is checked before each commits.
  const fk = db.pragma("foreign_keys", { simple: true }) as number;
  db.pragma("foreign_keys = OFF");
  try {
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
      })();
    }
  } finally {
    db.pragma(`foreign_keys = ${fk ? "ON" : "OFF"}`);
  }
  return latest;
}
