// The AWS query protocol, in its two flavours:
// - `ec2`: no `Result` wrapper, camelCase element names, lists as `<item>`, errors as
//   `<Response><Errors><Error>…</Error></Errors><RequestID>…</RequestID></Response>`;
// - `awsQuery` (RDS, IAM, STS): `<XResponse><XResult>…</XResult><ResponseMetadata>`, lists as
//   `<member>` (or the service's own member names), errors as `<ErrorResponse><Error>…`.
// Requests are form-encoded (`Action=…&Version=…&Filter.1.Name=…`) in the body (the SDK) or the URL.
import type { CallContext, SimHttpRequest, SimHttpResponse, SimService } from "./service.js";
import { SimError } from "./service.js";
import type { XmlFragment } from "./xml.js";
import { document, leaf, node, nodeWithAttrs } from "./xml.js";

/** A view over flattened query parameters, optionally under a prefix (`Filter.1.`). */
export class QueryParams {
  constructor(
    private readonly map: ReadonlyMap<string, string>,
    private readonly prefix = "",
  ) {}

  get(key: string): string | undefined {
    return this.map.get(this.prefix + key);
  }

  has(key: string): boolean {
    return this.map.has(this.prefix + key);
  }

  /** Any parameter at or below `key` (`Filter` is present if `Filter.1.Name` is). */
  hasAny(key: string): boolean {
    const full = this.prefix + key;
    for (const k of this.map.keys()) if (k === full || k.startsWith(full + ".")) return true;
    return false;
  }

  /** An integer parameter; a malformed one is the service's validation error. */
  int(key: string, onInvalid: (raw: string) => SimError): number | undefined {
    const raw = this.get(key);
    if (raw === undefined) return undefined;
    if (!/^-?\d{1,15}$/.test(raw.trim())) throw onInvalid(raw);
    return Number(raw.trim());
  }

  bool(key: string): boolean | undefined {
    const raw = this.get(key);
    if (raw === undefined) return undefined;
    return raw.toLowerCase() === "true";
  }

  /**
   * Scalar list in index order: `key.N` (ec2, flattened), `key.member.N` (awsQuery) or
   * `key.<memberName>.N` when the model names its members (RDS: `Values.Value.N`).
   */
  list(key: string, memberName = "member"): string[] {
    return this.indexed(key, memberName)
      .filter((e) => e.rest === "")
      .map((e) => this.map.get(e.full) ?? "");
  }

  /** Structure list `key.N.Field` / `key.<member>.N.Field`: one view per index, in order. */
  structs(key: string, memberName = "member"): QueryParams[] {
    const seen = new Set<string>();
    const out: { n: number; view: QueryParams }[] = [];
    for (const e of this.indexed(key, memberName)) {
      if (e.rest === "" || seen.has(e.base)) continue;
      seen.add(e.base);
      out.push({ n: e.n, view: new QueryParams(this.map, e.base + ".") });
    }
    return out.sort((a, b) => a.n - b.n).map((o) => o.view);
  }

  private indexed(
    key: string,
    memberName: string,
  ): { n: number; base: string; rest: string; full: string }[] {
    const head = this.prefix + key + ".";
    const found: { n: number; base: string; rest: string; full: string }[] = [];
    for (const full of this.map.keys()) {
      if (!full.startsWith(head)) continue;
      let tail = full.slice(head.length);
      let base = head;
      if (tail.startsWith(memberName + ".")) {
        tail = tail.slice(memberName.length + 1);
        base += memberName + ".";
      }
      const m = /^(\d+)(\..*)?$/.exec(tail);
      if (!m) continue;
      found.push({ n: Number(m[1]), base: base + m[1], rest: m[2] ?? "", full });
    }
    return found.sort((a, b) => a.n - b.n);
  }
}

const parsed = new WeakMap<SimHttpRequest, QueryParams>();

/** Parameters from the URL query and the form body (body wins), parsed once per request. */
export function queryParams(req: SimHttpRequest): QueryParams {
  let p = parsed.get(req);
  if (p) return p;
  const map = new Map<string, string>();
  for (const [k, v] of req.query) map.set(k, v);
  const ct = req.headers["content-type"] ?? "";
  if (req.body.length > 0 && (ct === "" || ct.startsWith("application/x-www-form-urlencoded"))) {
    for (const [k, v] of new URLSearchParams(req.body.toString("utf8"))) map.set(k, v);
  }
  p = new QueryParams(map);
  parsed.set(req, p);
  return p;
}

const XML_HEADERS = { "content-type": "text/xml;charset=UTF-8" };

// ---------------------------------------------------------------------------------------------
// EC2 flavour

export const EC2_XMLNS = "http://ec2.amazonaws.com/doc/2016-11-15/";

export function ec2Response(
  action: string,
  requestId: string,
  children: (XmlFragment | undefined)[],
): SimHttpResponse {
  const root = nodeWithAttrs(
    `${action}Response`,
    { xmlns: EC2_XMLNS },
    leaf("requestId", requestId),
    ...children,
  );
  return { status: 200, headers: { ...XML_HEADERS, "x-amzn-requestid": requestId }, body: document(root) };
}

export function ec2Error(err: SimError, requestId: string): SimHttpResponse {
  const root = node(
    "Response",
    node("Errors", node("Error", leaf("Code", err.code), leaf("Message", err.message))),
    leaf("RequestID", requestId),
  );
  return {
    status: err.status,
    headers: { ...XML_HEADERS, "x-amzn-requestid": requestId },
    body: document(root),
  };
}

// ---------------------------------------------------------------------------------------------
// awsQuery flavour

export function queryResponse(
  action: string,
  xmlns: string,
  requestId: string,
  children: (XmlFragment | undefined)[],
): SimHttpResponse {
  const root = nodeWithAttrs(
    `${action}Response`,
    { xmlns },
    node(`${action}Result`, ...children),
    node("ResponseMetadata", leaf("RequestId", requestId)),
  );
  return { status: 200, headers: { ...XML_HEADERS, "x-amzn-requestid": requestId }, body: document(root) };
}

export function queryError(err: SimError, xmlns: string, requestId: string): SimHttpResponse {
  const root = nodeWithAttrs(
    "ErrorResponse",
    { xmlns },
    node("Error", leaf("Type", err.type), leaf("Code", err.code), leaf("Message", err.message)),
    leaf("RequestId", requestId),
  );
  return {
    status: err.status,
    headers: { ...XML_HEADERS, "x-amzn-requestid": requestId },
    body: document(root),
  };
}

// ---------------------------------------------------------------------------------------------
// Pagination tokens: opaque, encode an index into a collection, bound to the operation so a token
// from one API (or a forged one) is rejected instead of silently restarting.

export function encodePageToken(scope: string, index: number): string {
  return Buffer.from(`dpscan-sim:${scope}:${index}`, "utf8").toString("base64url");
}

/** The index a token encodes, or undefined when the token is malformed or for another scope. */
export function decodePageToken(scope: string, token: string): number | undefined {
  if (!/^[A-Za-z0-9_-]{1,400}={0,2}$/.test(token)) return undefined;
  const text = Buffer.from(token, "base64url").toString("utf8");
  const prefix = `dpscan-sim:${scope}:`;
  if (!text.startsWith(prefix)) return undefined;
  const rest = text.slice(prefix.length);
  if (!/^\d{1,12}$/.test(rest)) return undefined;
  return Number(rest);
}

/**
 * Where a page starts: the index that the token parameter `param` (Marker, NextToken) encodes, or 0
 * when it is absent or empty. A token that does not decode for `scope` is the service's own error.
 */
export function pageStart(
  p: QueryParams,
  param: string,
  scope: string,
  invalid: (token: string) => SimError,
): number {
  const token = p.get(param);
  if (token === undefined || token === "") return 0;
  const i = decodePageToken(scope, token);
  if (i === undefined) throw invalid(token);
  return i;
}

/** The element handing out the next page's token (Marker, nextToken); none after the last page. */
export function nextPageLeaf(name: string, scope: string, next: number | undefined): XmlFragment | undefined {
  return next === undefined ? undefined : leaf(name, encodePageToken(scope, next));
}

// ---------------------------------------------------------------------------------------------
// A query-protocol service from a table of operation handlers.

export type QueryHandler = (
  params: QueryParams,
  ctx: CallContext,
  req: SimHttpRequest,
) => (XmlFragment | undefined)[] | Promise<(XmlFragment | undefined)[]>;

export interface QueryServiceSpec {
  signingName: string;
  flavour: "ec2" | "awsQuery";
  /** awsQuery response namespace, e.g. https://iam.amazonaws.com/doc/2010-05-08/ */
  xmlns?: string;
  throttleCode: string;
  operations: Record<string, QueryHandler>;
  resourceId?: (operation: string, params: QueryParams) => string | undefined;
}

export function queryService(spec: QueryServiceSpec): SimService {
  const xmlns = spec.xmlns ?? EC2_XMLNS;
  return {
    signingName: spec.signingName,
    throttleCode: spec.throttleCode,
    operation(req) {
      return queryParams(req).get("Action");
    },
    resourceId(operation, req) {
      return spec.resourceId?.(operation, queryParams(req));
    },
    async handle(operation, req, ctx) {
      const handler = Object.hasOwn(spec.operations, operation) ? spec.operations[operation] : undefined;
      if (!handler) {
        throw new SimError(
          "InvalidAction",
          `The action ${operation} is not valid for this web service.`,
          400,
        );
      }
      const children = await handler(queryParams(req), ctx, req);
      return spec.flavour === "ec2"
        ? ec2Response(operation, ctx.requestId, children)
        : queryResponse(operation, xmlns, ctx.requestId, children);
    },
    error(err, _req, requestId) {
      return spec.flavour === "ec2" ? ec2Error(err, requestId) : queryError(err, xmlns, requestId);
    },
  };
}

/** ISO 8601 with milliseconds, as the query protocols serialize timestamps. */
export function isoTime(value: string | number | Date): string {
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : d.toISOString();
}

// ---------------------------------------------------------------------------------------------
// Paging over lazy collections without materializing them.

export interface Indexed<T> {
  readonly size: number;
  at(index: number): T;
}

/**
 * Walk `coll` from `start`, keeping items that pass `keep`, until `limit` are kept; each kept item is
 * mapped at once (rendered to XML, typically) so an unpaginated call never holds the raw items.
 * `next` is the index to resume from, or undefined when the walk reached the end.
 */
export function scanPage<T, U = T>(
  coll: Indexed<T>,
  start: number,
  limit: number,
  keep: (item: T) => boolean = () => true,
  map: (item: T) => U = (item) => item as unknown as U,
): { items: U[]; next: number | undefined } {
  const items: U[] = [];
  let i = start;
  for (; i < coll.size && items.length < limit; i++) {
    const item = coll.at(i);
    if (keep(item)) items.push(map(item));
  }
  return { items, next: i < coll.size ? i : undefined };
}

/** AWS filter value matching: `*` any run, `?` one character, backslash escapes. */
export function wildcardMatcher(pattern: string): (value: string) => boolean {
  if (!/[*?]/.test(pattern)) return (v) => v === pattern;
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "\\" && i + 1 < pattern.length) re += escapeRegex(pattern[++i]!);
    else if (c === "*") re += "[\\s\\S]*";
    else if (c === "?") re += "[\\s\\S]";
    else re += escapeRegex(c);
  }
  const rx = new RegExp(`^${re}$`, "u");
  return (v) => rx.test(v);
}

const escapeRegex = (c: string): string => c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
