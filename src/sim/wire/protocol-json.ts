// AWS JSON 1.0 / 1.1 protocol (KMS, DynamoDB, Secrets Manager, CloudTrail, Config): the operation
// comes from `X-Amz-Target: Prefix.Operation`, the input is the JSON body, and errors are
// `{"__type": ..., "message": ...}` plus `x-amzn-ErrorType`. The SDK (AwsJsonRpcProtocol) reads
// the code from `__type` first, then `code`, then the header, and strips any `ns#` prefix or `:...`
// suffix, so DynamoDB's namespaced `__type` round-trips like the plain KMS one.
import { SimError } from "./service.js";
import type { CallContext, SimHttpRequest, SimHttpResponse, SimService } from "./service.js";

export type JsonVersion = "1.0" | "1.1";
export type JsonObject = Record<string, unknown>;
export type JsonHandler = (input: JsonObject, ctx: CallContext) => unknown;

export interface JsonServiceSpec {
  signingName: string;
  /** X-Amz-Target prefix, e.g. "TrentService"; several when clients differ (CloudTrail: botocore
   * sends the fully qualified name, SDK v3 the short one). */
  targetPrefix: string | readonly string[];
  version: JsonVersion;
  throttleCode: string;
  /** DynamoDB-style namespace put before the code in `__type` ("com.amazonaws.dynamodb.v20120810"). */
  errorNamespace?: string;
  operations: Record<string, JsonHandler>;
  /** The handler of an operation the table does not list (a whole family refused alike), if any. */
  otherOperation?: (operation: string) => JsonHandler | undefined;
  resourceId?: (operation: string, input: JsonObject) => string | undefined;
}

/** The operation named by X-Amz-Target when its prefix is this service's. */
export function jsonOperation(
  req: SimHttpRequest,
  targetPrefix: string | readonly string[],
): string | undefined {
  const target = req.headers["x-amz-target"];
  if (!target) return undefined;
  const dot = target.lastIndexOf(".");
  const prefixes: readonly string[] = typeof targetPrefix === "string" ? [targetPrefix] : targetPrefix;
  if (dot < 0 || !prefixes.includes(target.slice(0, dot))) return undefined;
  return target.slice(dot + 1) || undefined;
}

/** The request body as a JSON object; an empty body is `{}` as the SDK sends for no input. */
export function parseJsonBody(req: SimHttpRequest): JsonObject {
  const text = req.body.toString("utf8").trim();
  if (text === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SimError("SerializationException", "Start of structure or map found where not expected.");
  }
  if (!isObject(value)) throw new SimError("SerializationException", "Request body must be a JSON object.");
  return value;
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function jsonResponse(body: unknown, requestId: string, version: JsonVersion): SimHttpResponse {
  return {
    status: 200,
    headers: { "content-type": `application/x-amz-json-${version}`, "x-amzn-requestid": requestId },
    body: JSON.stringify(body ?? {}),
  };
}

export function jsonError(
  err: SimError,
  requestId: string,
  version: JsonVersion,
  errorNamespace?: string,
): SimHttpResponse {
  const type = errorNamespace ? `${errorNamespace}#${err.code}` : err.code;
  return {
    status: err.status,
    headers: {
      "content-type": `application/x-amz-json-${version}`,
      "x-amzn-requestid": requestId,
      "x-amzn-errortype": err.code,
    },
    body: JSON.stringify({ __type: type, message: err.message }),
  };
}

/** A SimService over a table of JSON operations; unknown targets answer UnknownOperationException. */
export function jsonService(spec: JsonServiceSpec): SimService {
  return {
    signingName: spec.signingName,
    throttleCode: spec.throttleCode,
    operation: (req) => jsonOperation(req, spec.targetPrefix),
    resourceId(operation, req) {
      if (!spec.resourceId) return undefined;
      try {
        return spec.resourceId(operation, parseJsonBody(req));
      } catch {
        return undefined;
      }
    },
    // A SimError propagates: the server renders it with error() and counts its code.
    handle(operation, req, ctx) {
      const handler = Object.hasOwn(spec.operations, operation)
        ? spec.operations[operation]
        : spec.otherOperation?.(operation);
      if (!handler) throw new SimError("UnknownOperationException", `Unknown operation ${operation}`);
      return jsonResponse(handler(parseJsonBody(req), ctx), ctx.requestId, spec.version);
    },
    error: (err, _req, requestId) => jsonError(err, requestId, spec.version, spec.errorNamespace),
  };
}

// ---- input readers: AWS answers a wrongly typed member with a validation error, never a crash ----

export function optString(input: JsonObject, name: string): string | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new SimError("ValidationException", `${name} must be a string`);
  return v;
}

export function reqString(input: JsonObject, name: string, code = "ValidationException"): string {
  const v = optString(input, name);
  if (v === undefined || v === "") {
    throw new SimError(
      code,
      `1 validation error detected: Value null at '${lcFirst(name)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return v;
}

export function optBool(input: JsonObject, name: string): boolean | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw new SimError("ValidationException", `${name} must be a boolean`);
  return v;
}

/** An integer member within [min, max]; out of range is the service's validation error. */
export function optInt(
  input: JsonObject,
  name: string,
  min: number,
  max: number,
  code = "ValidationException",
): number | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new SimError(
      code,
      `1 validation error detected: Value '${String(v)}' at '${lcFirst(name)}' failed to satisfy constraint: Member must have value between ${min} and ${max}`,
    );
  }
  return v;
}

export function optStringList(input: JsonObject, name: string): string[] | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((s) => typeof s === "string")) {
    throw new SimError("ValidationException", `${name} must be a list of strings`);
  }
  return v as string[];
}

// ---- opaque pagination tokens: they encode a position, never resource data ----

export function encodeToken(position: readonly number[]): string {
  return Buffer.from(`dpsim:${position.join(".")}`, "utf8").toString("base64url");
}

/** The position a token encodes, or undefined when it is not one of ours (the caller picks the error). */
export function decodeToken(token: string, length: number): number[] | undefined {
  const text = Buffer.from(token, "base64url").toString("utf8");
  if (!text.startsWith("dpsim:")) return undefined;
  const parts = text.slice(6).split(".");
  if (parts.length !== length) return undefined;
  const nums = parts.map((p) => (/^\d{1,15}$/.test(p) ? Number(p) : NaN));
  return nums.every((n) => Number.isSafeInteger(n)) ? nums : undefined;
}

/**
 * The position a request's token encodes, or undefined when it sent none. A token that is not one
 * of ours, or not `length` numbers long, is the service's own error.
 */
export function tokenPosition(
  token: string | undefined,
  length: number,
  invalid: () => SimError,
): number[] | undefined {
  if (token === undefined) return undefined;
  const pos = decodeToken(token, length);
  if (!pos) throw invalid();
  return pos;
}

/** ISO 8601 (world shape) to the epoch seconds the JSON protocols put on the wire. */
export function epochSeconds(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms / 1000;
}

function lcFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
