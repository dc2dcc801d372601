// Minimal AWS JSON 1.0/1.1 helpers for the services this module owns (Organizations). The shared,
// fuller implementation lives in protocol-json.ts, owned elsewhere; this file stays independent.
import type { SimHttpRequest, SimHttpResponse } from "./service.js";
import { SimError } from "./service.js";

export type JsonVersion = "1.0" | "1.1";

/** The operation named by `X-Amz-Target: <prefix>.<Operation>`, or undefined. */
export function jsonTarget(req: SimHttpRequest, prefix: string): string | undefined {
  const target = req.headers["x-amz-target"];
  if (!target || !target.startsWith(prefix + ".")) return undefined;
  return target.slice(prefix.length + 1);
}

/** The request body as a JSON object; an empty body is `{}`. */
export function jsonBody(req: SimHttpRequest): Record<string, unknown> {
  if (req.body.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(req.body.toString("utf8"));
  } catch {
    throw new SimError("SerializationException", "Start of structure or map found where not expected.", 400);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SimError("SerializationException", "Start of structure or map found where not expected.", 400);
  }
  return value as Record<string, unknown>;
}

export function jsonResponse(
  body: unknown,
  requestId: string,
  version: JsonVersion = "1.1",
): SimHttpResponse {
  return {
    status: 200,
    headers: { "content-type": `application/x-amz-json-${version}`, "x-amzn-requestid": requestId },
    body: JSON.stringify(body),
  };
}

/**
 * An error as JSON services send it: `__type` in the body and `x-amzn-ErrorType` in the headers.
 * Some services spell the message member `Message` (Organizations), most `message`.
 */
export function jsonError(
  err: SimError,
  requestId: string,
  opts: { version?: JsonVersion; messageKey?: "message" | "Message"; extra?: Record<string, unknown> } = {},
): SimHttpResponse {
  return {
    status: err.status,
    headers: {
      "content-type": `application/x-amz-json-${opts.version ?? "1.1"}`,
      "x-amzn-requestid": requestId,
      "x-amzn-errortype": err.code,
    },
    body: JSON.stringify({ __type: err.code, [opts.messageKey ?? "message"]: err.message, ...opts.extra }),
  };
}

/** Epoch seconds, as JSON protocols serialize timestamps. */
export function epochSeconds(iso: string): number {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 0 : t / 1000;
}

/** An optional integer member; anything else is the service's validation error. */
export function optionalInt(
  body: Record<string, unknown>,
  key: string,
  onInvalid: () => SimError,
): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v)) throw onInvalid();
  return v;
}

export function optionalString(
  body: Record<string, unknown>,
  key: string,
  onInvalid: () => SimError,
): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw onInvalid();
  return v;
}
