import { describe, expect, it } from "vitest";
import { ScanProgress } from "../../src/cli/progress.js";

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
