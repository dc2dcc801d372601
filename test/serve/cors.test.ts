// CORS: off unless serve.cors.origins lists origins; then a listed origin's preflight is answered
// (before authentication: browsers send no token on it) and its requests carry the allow header,
// while any other origin gets no CORS header at all.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSettings } from "../../src/cli/scan-options.js";
import { serviceSettings } from "../../src/cli/serve.js";
import { TokenSet } from "../../src/serve/auth.js";
import { SERVE_DEFAULTS, type ServiceSettings } from "../../src/serve/config.js";
import { startService, type RunningService } from "../../src/serve/service.js";
import type { InputError } from "../../src/util/errors.js";
import { useTmpDir } from "../helpers/tmp.js";
import { bearer, READ_TOKEN, writeTokens } from "./helpers.js";

const tmp = useTmpDir();
const LISTED = "https://grafana.example.com";
const OTHER = "https://evil.example.net";

const settings = (corsOrigins: string[]): ServiceSettings => ({
  host: "127.0.0.1",
  port: 0,
  ratePerMinute: SERVE_DEFAULTS.ratePerMinute,
  trendScans: SERVE_DEFAULTS.trendScans,
  corsOrigins,
  schedules: [],
  webhooks: [],
});

async function serve(corsOrigins: string[]): Promise<RunningService> {
  const dir = tmp();
  return startService({
    dbPath: join(dir, "cors.db"),
    settings: settings(corsOrigins),
    rules: [],
    tokens: TokenSet.load(writeTokens(dir), {}),
    log: () => undefined,
  });
}

const preflight = (url: string, origin: string): Promise<Response> =>
  fetch(`${url}/api/scans`, {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization, content-type",
    },
  });

const corsHeaders = (r: Response): string[] =>
  [...r.headers.keys()].filter((k) => k.startsWith("access-control-"));

describe("CORS", () => {
  let on: RunningService;
  let off: RunningService;
  beforeAll(async () => {
    on = await serve([LISTED]);
    off = await serve([]);
  });
  afterAll(async () => {
    await on.stop();
    await off.stop();
  });

  it("answers a listed origin's preflight, without a token, and allows its requests", async () => {
    const p = await preflight(on.url, LISTED);
    expect(p.status).toBe(204);
    expect(p.headers.get("access-control-allow-origin")).toBe(LISTED);
    expect(p.headers.get("access-control-allow-methods")).toBe("GET, HEAD, POST");
    expect(p.headers.get("access-control-allow-headers")).toBe("authorization, content-type");
    expect(p.headers.get("access-control-allow-credentials")).toBeNull();
    expect(p.headers.get("vary")).toBe("Origin");
    const get = await fetch(`${on.url}/api/scans`, { headers: { origin: LISTED, ...bearer(READ_TOKEN) } });
    expect(get.status).toBe(200);
    expect(get.headers.get("access-control-allow-origin")).toBe(LISTED);
    // The token is still required: CORS lets the page read a response, not skip authentication.
    const anonymous = await fetch(`${on.url}/api/scans`, { headers: { origin: LISTED } });
    expect(anonymous.status).toBe(401);
  });

  it("gives any other origin no CORS header, preflight or not", async () => {
    const p = await preflight(on.url, OTHER);
    expect(p.status).toBe(401);
    expect(corsHeaders(p)).toEqual([]);
    const get = await fetch(`${on.url}/api/scans`, { headers: { origin: OTHER, ...bearer(READ_TOKEN) } });
    expect(get.status).toBe(200);
    expect(corsHeaders(get)).toEqual([]);
    // An origin that only starts like a listed one is another origin.
    const lookalike = await preflight(on.url, `${LISTED}.evil.example.net`);
    expect(corsHeaders(lookalike)).toEqual([]);
  });

  it("is off by default: not even a listed-looking origin gets a header", async () => {
    const p = await preflight(off.url, LISTED);
    expect(corsHeaders(p)).toEqual([]);
    expect(p.headers.get("vary")).toBeNull();
    const get = await fetch(`${off.url}/api/scans`, { headers: { origin: LISTED, ...bearer(READ_TOKEN) } });
    expect(corsHeaders(get)).toEqual([]);
  });

  it("reads serve.cors.origins from the settings file, refusing what is not an origin", () => {
    const dir = tmp();
    const good = join(dir, "good.yaml");
    writeFileSync(good, `serve:\n  cors:\n    origins: ["${LISTED}", "http://[::1]:3000"]\n`);
    expect(serviceSettings({}, readSettings(good)).corsOrigins).toEqual([LISTED, "http://[::1]:3000"]);
    expect(serviceSettings({}, { data: {} }).corsOrigins).toEqual([]);
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, 'serve:\n  cors:\n    origins: ["https://grafana.example.com/"]\n');
    let lines: string[] = [];
    try {
      readSettings(bad);
    } catch (err) {
      lines = (err as InputError).lines;
    }
    expect(lines[0]).toMatch(/bad\.yaml:3:\d+: serve\.cors\.origins\[0\]: must match pattern/);
  });
});
