import { existsSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { BACKSTOP_PAGES, Checkpointer } from "../../src/store/checkpointer.js";
import { Store } from "../../src/store/store.js";
import { useTmpDir } from "../helpers/tmp.js";

const tmp = useTmpDir();
// The built worker (npm run build, as `npm ci` runs it): tests run from the sources.
const WORKER = new URL("../../dist/store/checkpoint-worker.js", import.meta.url);

const PAGES = 2000; // 8 MB of 4 KiB rows: past SQLite's 1,000-page default, below the backstop

/** Rows the size of a page, 100 per transaction, in a scratch table of the store's file. */
function write(store: Store, rows = PAGES): void {
  store.db.exec("CREATE TABLE IF NOT EXISTS scratch (b BLOB)");
  const insert = store.db.prepare("INSERT INTO scratch (b) VALUES (randomblob(4000))");
  const batch = store.db.transaction((n: number) => {
    for (let i = 0; i < n; i++) insert.run();
  });
  for (let i = 0; i < rows; i += 100) batch(100);
}

async function until(what: string, ok: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const size = (path: string): number => statSync(path).size;

describe("checkpoints on a thread of their own", () => {
  it("the thread copies the WAL into the database file, which the writer alone would not yet", async () => {
    // Without the thread, at the backstop setting, the writer leaves it all in the WAL.
    const alone = join(tmp(), "alone.db");
    const a = new Store(alone);
    a.db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
    write(a);
    await new Promise((r) => setTimeout(r, 200));
    expect(size(alone)).toBeLessThan(1e6);
    expect(size(`${alone}-wal`)).toBeGreaterThan(8e6);
    a.close();

    const path = join(tmp(), "a.db");
    const store = new Store(path);
    const cp = store.checkpointInBackground({ script: WORKER, intervalMs: 5 });
    expect(cp?.running).toBe(true);
    expect(store.db.pragma("wal_autocheckpoint", { simple: true })).toBe(BACKSTOP_PAGES);
    write(store);
    // The count goes up once a checkpoint has returned; the file grows while it runs.
    await until(
      "a checkpoint, and the database file to hold the rows",
      () => (cp?.checkpoints ?? 0) > 0 && size(path) > 8e6,
    );
    expect(cp?.failed).toBe(false);
    store.close();
    // The writer's connection closed last: SQLite checkpointed the rest and removed the WAL.
    expect(existsSync(`${path}-wal`)).toBe(false);
    const again = new Store(path);
    expect(again.db.prepare("SELECT count(*) FROM scratch").pluck().get()).toBe(PAGES);
    again.close();
  });

  it("stop() ends the thread before returning and gives the writer back its own checkpoints", async () => {
    const path = join(tmp(), "a.db");
    const store = new Store(path);
    const cp = store.checkpointInBackground({ script: WORKER, intervalMs: 5 });
    if (!cp) throw new Error("no checkpointer");
    await until("the thread to checkpoint", () => cp.checkpoints > 0);
    cp.stop();
    expect(cp.running).toBe(false);
    const after = cp.checkpoints;
    expect(store.db.pragma("wal_autocheckpoint", { simple: true })).toBe(1000);
    // The writer checkpoints for itself again: past 1,000 pages the file grows without the thread.
    write(store);
    expect(size(path)).toBeGreaterThan(4e6);
    await new Promise((r) => setTimeout(r, 50));
    expect(cp.checkpoints).toBe(after);
    // A second run of the store starts a new thread.
    const next = store.checkpointInBackground({ script: WORKER });
    expect(next).not.toBe(cp);
    expect(next?.running).toBe(true);
    store.close();
    expect(next?.running).toBe(false);
  });

  it("withBackgroundCheckpoints stops the thread when its work fails", async () => {
    const store = new Store(join(tmp(), "a.db"));
    let seen: Checkpointer | undefined;
    await expect(
      store.withBackgroundCheckpoints(
        async () => {
          seen = store.checkpointInBackground(); // the running one
          expect(seen?.running).toBe(true);
          throw new Error("boom");
        },
        { script: WORKER },
      ),
    ).rejects.toThrow("boom");
    expect(seen?.running).toBe(false);
    expect(store.db.pragma("wal_autocheckpoint", { simple: true })).toBe(1000);
    store.close();
  });

  it("withBackgroundCheckpoints inside a caller's own checkpoints leaves them running", async () => {
    const store = new Store(join(tmp(), "a.db"));
    const outer = store.checkpointInBackground({ script: WORKER });
    await store.withBackgroundCheckpoints(async () => {
      expect(store.checkpointInBackground()).toBe(outer);
    });
    expect(outer?.running).toBe(true);
    store.close();
    expect(outer?.running).toBe(false);
  });

  it("a thread that cannot open the database fails alone: the writer keeps writing and checkpointing", async () => {
    const path = join(tmp(), "a.db");
    const store = new Store(path);
    const cp = new Checkpointer(store.db, join(tmp(), "missing.db"), { script: WORKER });
    expect(store.db.pragma("wal_autocheckpoint", { simple: true })).toBe(BACKSTOP_PAGES);
    await until("the failure", () => cp.failed);
    // At once, not at stop(): the writer checkpoints for itself again, past 1,000 pages.
    await until(
      "the writer's default",
      () => store.db.pragma("wal_autocheckpoint", { simple: true }) === 1000,
    );
    write(store);
    expect(size(path)).toBeGreaterThan(4e6);
    cp.stop(); // returns at once: the thread never ran
    store.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it("a worker script that throws is a failure, not a hang", async () => {
    const script = join(tmp(), "throws.mjs");
    writeFileSync(script, 'throw new Error("no");\n');
    const store = new Store(join(tmp(), "a.db"));
    const cp = new Checkpointer(store.db, store.path, { script: pathToFileURL(script) });
    await until("the failure", () => cp.failed);
    cp.stop();
    store.close();
  });

  it("starts none for an in-memory or read-only store, nor from the sources without a script", () => {
    const mem = new Store(":memory:");
    expect(mem.checkpointInBackground({ script: WORKER })).toBeUndefined();
    mem.close();
    const path = join(tmp(), "a.db");
    new Store(path).close();
    const ro = new Store(path, { readonly: true });
    expect(ro.checkpointInBackground({ script: WORKER })).toBeUndefined();
    ro.close();
    const rw = new Store(path);
    expect(Checkpointer.available()).toBe(false);
    expect(rw.checkpointInBackground()).toBeUndefined();
    rw.close();
  });
});
