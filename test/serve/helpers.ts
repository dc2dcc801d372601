// Drive `dpscan serve` in-process: the real CLI, its output visible while it runs.
import { writeFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { stringify } from "yaml";
import { main } from "../../src/cli/main.js";

export interface LiveCli {
  stdout(): string;
  stderr(): string;
  /** The exit code, once the command returns. */
  done: Promise<number>;
}

/**
 * Start the CLI without waiting for it. Writes are captured until it returns; the capture nests
 * (a second CLI started meanwhile restores the first's capture when it ends).
 */
export function startCli(args: string[]): LiveCli {
  const out: string[] = [];
  const err: string[] = [];
  const origOut = process.stdout.write.bind(process.stdout);
  const origErr = process.stderr.write.bind(process.stderr);
  const capture =
    (into: string[]) =>
    (chunk: string | Uint8Array): boolean => {
      into.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString());
      return true;
    };
  process.stdout.write = capture(out) as typeof process.stdout.write;
  process.stderr.write = capture(err) as typeof process.stderr.write;
  const done = main(["node", "dpscan", ...args]).finally(() => {
    process.stdout.write = origOut;
    process.stderr.write = origErr;
    process.exitCode = undefined;
  });
  return { stdout: () => out.join(""), stderr: () => err.join(""), done };
}

/** Poll until `probe` returns a value (not undefined); fails after `tries` (no timing assertion). */
export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  tries = 600,
): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("condition not reached");
}

/** The URL `dpscan serve` printed. */
export async function servedUrl(cli: LiveCli): Promise<string> {
  return waitFor(() => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(cli.stdout())?.[1]);
}

export const READ_TOKEN = "read-token-0123456789abcdef-xyz";
export const OPERATOR_TOKEN = "operator-token-0123456789abcdef-xyz";

/** A tokens file with one read and one operator token. */
export function writeTokens(dir: string): string {
  const file = join(dir, "tokens.yaml");
  writeFileSync(
    file,
    stringify({
      tokens: [
        { name: "grafana", role: "read", token: READ_TOKEN },
        { name: "ops", role: "operator", token: OPERATOR_TOKEN },
      ],
    }),
    { mode: 0o600 },
  );
  return file;
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

export async function getJson<T = Record<string, unknown>>(
  url: string,
  token = READ_TOKEN,
): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(url, { headers: bearer(token) });
  return { status: res.status, body: (await res.json()) as T, headers: res.headers };
}

export interface Receiver {
  url: string;
  bodies: unknown[];
  /** Requests answered, including the failures it was told to give. */
  hits: number;
  close(): Promise<void>;
}

/** A loopback webhook receiver that answers 500 to the first `failFirst` requests. */
export async function webhookReceiver(failFirst = 0): Promise<Receiver> {
  const r: Receiver = { url: "", bodies: [], hits: 0, close: async () => undefined };
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      r.hits++;
      if (r.hits <= failFirst) {
        res.writeHead(500).end();
        return;
      }
      r.bodies.push(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  r.close = () => new Promise((ok) => server.close(() => ok()));
  return r;
}

/** A cron expression (with seconds, UTC) for one moment `secondsAhead` from now, daily. */
export function cronIn(secondsAhead: number): string {
  const t = new Date(Date.now() + secondsAhead * 1000);
  return `${t.getUTCSeconds()} ${t.getUTCMinutes()} ${t.getUTCHours()} * * *`;
}
