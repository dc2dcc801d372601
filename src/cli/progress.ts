// What a running scan tells the person or the cron job watching it: a status line redrawn in place
// on a TTY (clipped to the terminal's width, so it never wraps); one line per event otherwise, as
// logfmt (`time=... level=info event=... key="a value"`) or JSON with --log-format json. Never
// credentials.
import type { RunEvents } from "../collect/runner.js";
import { clip } from "../util/text.js";

/** A logfmt value: bare when it is a plain token, else double-quoted with `\` and `"` escaped. */
export function logfmtValue(v: unknown): string {
  const s = typeof v === "string" ? clip(v, 200) : (JSON.stringify(v) ?? "null");
  return s !== "" && /^[^\s"=\\]+$/.test(s) ? s : `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

export interface ScanStats {
  apiCalls(): number;
  throttles(): number;
}

export class ScanProgress implements RunEvents {
  private accountsTotal = 0;
  private accountsDone = new Set<string>();
  private plannedUnits = 0;
  private unitsDone = 0;
  private unitsPerAccount = new Map<string, { planned: number; done: number }>();
  private resources = 0;
  private gaps = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly started = Date.now();

  constructor(
    private readonly mode: "tty" | "text" | "json" | "quiet",
    private readonly stats: ScanStats,
    private readonly write: (s: string) => void = (s) => process.stderr.write(s),
    /** The terminal's width now (it may change while the scan runs). */
    private readonly columns: () => number | undefined = () => process.stderr.columns,
  ) {
    if (mode === "tty") {
      this.timer = setInterval(() => this.draw(), 250);
      this.timer.unref();
    }
  }

  log(event: string, fields: Record<string, unknown> = {}): void {
    if (this.mode === "json") {
      this.write(`${JSON.stringify({ time: new Date().toISOString(), level: "info", event, ...fields })}\n`);
    } else if (this.mode === "text") {
      const all = { time: new Date().toISOString(), level: "info", event, ...fields };
      this.write(
        `${Object.entries(all)
          .map(([k, v]) => `${k}=${logfmtValue(v)}`)
          .join(" ")}\n`,
      );
    }
  }

  accountsResolved(ids: string[]): void {
    this.accountsTotal = ids.length;
    this.log("accounts", { count: ids.length });
  }

  accountStarted(accountId: string): void {
    this.log("account.start", { account: accountId });
  }

  accountSkipped(accountId: string, reason: string): void {
    this.accountsDone.add(accountId);
    this.log("account.skipped", { account: accountId, reason });
  }

  unitsPlanned(accountId: string, count: number): void {
    this.plannedUnits += count;
    this.unitsPerAccount.set(accountId, { planned: count, done: 0 });
  }

  unitDone(u: {
    accountId: string;
    region: string;
    collector: string;
    resources: number;
    gaps: number;
  }): void {
    this.unitsDone++;
    this.resources += u.resources;
    this.gaps += u.gaps;
    if (u.gaps > 0)
      this.log("unit.gaps", { account: u.accountId, region: u.region, collector: u.collector, gaps: u.gaps });
    const a = this.unitsPerAccount.get(u.accountId);
    if (a) {
      a.done++;
      if (a.done === a.planned) {
        this.accountsDone.add(u.accountId);
        this.log("account.done", { account: u.accountId, units: a.planned });
      }
    }
  }

  /**
   * The share of the scan that is done, by account: finished accounts, plus the finished share of
   * the units of accounts under way. Units are planned only once an account starts, so counting
   * units alone would promise an end long before the remaining accounts have begun.
   */
  private progress(): number {
    if (this.accountsTotal === 0) return 0;
    let done = this.accountsDone.size;
    for (const [id, a] of this.unitsPerAccount)
      if (!this.accountsDone.has(id) && a.planned > 0) done += a.done / a.planned;
    return Math.min(1, done / this.accountsTotal);
  }

  line(): string {
    const secs = (Date.now() - this.started) / 1000;
    const frac = this.progress();
    const eta =
      frac > 0.02 && this.accountsDone.size < this.accountsTotal
        ? ` · ETA ${Math.round((secs / frac) * (1 - frac))}s`
        : "";
    return (
      `accounts ${this.accountsDone.size}/${this.accountsTotal} · units ${this.unitsDone}/${this.plannedUnits}` +
      ` · resources ${this.resources} · API calls ${this.stats.apiCalls()} · throttles ${this.stats.throttles()}` +
      ` · gaps ${this.gaps} · ${secs.toFixed(0)}s${eta}`
    );
  }

  /** The line as it fits the terminal: one column short of its width, so it never wraps. */
  private fitted(): string {
    const width = this.columns();
    const line = this.line();
    return width && width > 1 && line.length > width - 1 ? clip(line, width - 1) : line;
  }

  private draw(): void {
    this.write(`\r\u001b[2K${this.fitted()}`);
  }

  finish(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.mode === "tty") this.write(`\r\u001b[2K${this.fitted()}\n`);
    else
      this.log("collection.done", {
        accounts: this.accountsDone.size,
        units: this.unitsDone,
        resources: this.resources,
        apiCalls: this.stats.apiCalls(),
        throttles: this.stats.throttles(),
        gaps: this.gaps,
      });
  }
}
