import { afterEach, describe, expect, it, vi } from "vitest";
import { logfmtValue, ScanProgress } from "../../src/cli/progress.js";

describe("scan progress", () => {
  const stats = { apiCalls: () => 42, throttles: () => 3 };

  it("writes one JSON object per event for log collectors", () => {
    const lines: string[] = [];
    const p = new ScanProgress("json", stats, (s) => lines.push(s));
    p.accountsResolved(["111111111111"]);
    p.unitsPlanned("111111111111", 1);
    p.unitDone({ accountId: "111111111111", region: "us-east-1", collector: "kms", resources: 5, gaps: 1 });
    p.finish();
    const events = lines.map((l) => JSON.parse(l) as { event: string; apiCalls?: number });
    expect(events.map((e) => e.event)).toEqual(["accounts", "unit.gaps", "account.done", "collection.done"]);
    expect(events.at(-1)?.apiCalls).toBe(42);
  });

  it("strips control characters from text log values", () => {
    const lines: string[] = [];
    const p = new ScanProgress("text", stats, (s) => lines.push(s));
    p.accountSkipped("111111111111", "AccessDenied: \u001b[31mred\nforged line");
    expect(lines[0]?.includes("\u001b")).toBe(false);
    expect(lines[0]?.trimEnd().includes("\n")).toBe(false);
    expect(lines[0]).toContain("account.skipped account=111111111111");
  });

  it("is silent when quiet", () => {
    const lines: string[] = [];
    const p = new ScanProgress("quiet", stats, (s) => lines.push(s));
    p.accountsResolved(["1"]);
    p.finish();
    expect(lines).toEqual([]);
  });
});

describe("scan progress on a terminal and in logs", () => {
  const stats = { apiCalls: () => 7, throttles: () => 0 };
  afterEach(() => vi.useRealTimers());

  it("text logs are logfmt: a level, and quoted values where a value has spaces or quotes", () => {
    const lines: string[] = [];
    const p = new ScanProgress("text", stats, (s) => lines.push(s));
    p.accountSkipped("111111111111", 'AccessDenied: not "allowed" = no');
    const line = lines[0]?.trimEnd() ?? "";
    expect(line).toMatch(
      /^time=\d{4}-\d\d-\d\dT[\d:.]+Z level=info event=account\.skipped account=111111111111 /,
    );
    expect(line).toContain('reason="AccessDenied: not \\"allowed\\" = no"');
    // Every pair parses as logfmt: key=bare or key="quoted with \" escapes".
    expect(line.replace(/\s*\w[\w.]*=(?:"(?:[^"\\]|\\.)*"|[^\s"=]+)/g, "")).toBe("");
    expect(logfmtValue("")).toBe('""');
    expect(logfmtValue({ a: 1 })).toBe('"{\\"a\\":1}"');
    expect(logfmtValue(3)).toBe("3");
  });

  it("the redrawn line never wraps, whatever the terminal's width", () => {
    const drawn: string[] = [];
    let columns = 40;
    const p = new ScanProgress(
      "tty",
      stats,
      (s) => drawn.push(s),
      () => columns,
    );
    p.accountsResolved(["111111111111", "222222222222"]);
    p.finish();
    columns = 200;
    const wide = new ScanProgress(
      "tty",
      stats,
      (s) => drawn.push(s),
      () => columns,
    );
    wide.finish();
    const visible = (s: string) => s.replace("\r\u001b[2K", "").replace("\n", "");
    expect(visible(drawn[0] ?? "").length).toBeLessThanOrEqual(39);
    expect(visible(drawn[0] ?? "")).toMatch(/^accounts 0\/2 · units/);
    expect(visible(drawn[1] ?? "")).toMatch(/· 0s$/);
  });

  it("the ETA follows the accounts that remain, not the units started so far", () => {
    vi.useFakeTimers({ now: new Date("2026-11-01T00:00:00Z") });
    const p = new ScanProgress("quiet", stats, () => undefined);
    const accounts = Array.from({ length: 10 }, (_, i) => String(i).padStart(12, "0"));
    p.accountsResolved(accounts);
    // The first account starts and finishes its 4 units in 10 s; nine have not begun.
    p.unitsPlanned(accounts[0]!, 4);
    for (let i = 0; i < 4; i++)
      p.unitDone({ accountId: accounts[0]!, region: "us-east-1", collector: "kms", resources: 1, gaps: 0 });
    vi.setSystemTime(new Date("2026-11-01T00:00:10Z"));
    // Counting units only, the scan would look done (4 of 4 planned); by accounts, 90 s remain.
    expect(p.line()).toMatch(/accounts 1\/10 · units 4\/4 .* · 10s · ETA 90s$/);
  });
});
