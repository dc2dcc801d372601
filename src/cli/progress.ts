// What a running scan tells the person or the cron job watching it: a redrawn status line on a
// TTY; one structured line per event otherwise (JSON with --log-format json), never credentials.
import type { RunEvents } from "../collect/runner.js";
import { clip } from "../util/text.js";

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
      const kv = Object.entries(fields)
        .map(([k, v]) => `${k}=${typeof v === "string" ? clip(v, 200) : JSON.stringify(v)}`)
        .join(" ");
      this.write(`${new Date().toISOString()} ${event}${kv ? ` ${kv}` : ""}\n`);
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

  private line(): string {
    const secs = (Date.now() - this.started) / 1000;
    const frac = this.plannedUnits > 0 ? this.unitsDone / this.plannedUnits : 0;
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

  private draw(): void {
    this.write(`\r\u001b[2K${this.line()}`);
  }

  finish(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.mode === "tty") this.write(`\r\u001b[2K${this.line()}\n`);
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
