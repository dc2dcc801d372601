// Amazon S3 bucket-level control plane (REST-XML, path-style `/bucket?policy`). The operation is
// resolved from method + path + sub-resource query key. A bucket is served only when the request
// is signed for the bucket's own region; otherwise S3 answers 301 PermanentRedirect with
// `x-amz-bucket-region`, so collectors must call each bucket in its region (GetBucketLocation and
// ListBuckets work from any region, as on AWS).
import { SimError } from "../wire/service.js";
import type { CallContext, SimHttpRequest, SimHttpResponse, SimService } from "../wire/service.js";
import type { SimBucket } from "../world/types.js";
import { document, escapeXml, leaf, list, node, nodeWithAttrs } from "../wire/xml.js";
import type { XmlFragment } from "../wire/xml.js";
import { encodeToken, tokenPosition } from "../wire/protocol-json.js";
import { canonicalUserId, findById } from "./config-items.js";

const XMLNS = { xmlns: "http://s3.amazonaws.com/doc/2006-03-01/" };

/** An S3 error with the extra elements and headers some S3 errors carry. */
class S3Error extends SimError {
  constructor(
    code: string,
    message: string,
    status: number,
    readonly extra: Record<string, string> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(code, message, status);
  }
}

/** Sub-resource query key -> operation, for GET on a bucket. */
const GET_SUBRESOURCES: Record<string, string> = {
  policy: "GetBucketPolicy",
  policyStatus: "GetBucketPolicyStatus",
  encryption: "GetBucketEncryption",
  publicAccessBlock: "GetPublicAccessBlock",
  tagging: "GetBucketTagging",
  location: "GetBucketLocation",
};

/** Operations that answer for a bucket in any region. */
const ANY_REGION = new Set(["GetBucketLocation"]);

function bucketName(req: SimHttpRequest): string | undefined {
  const segs = req.path.split("/").filter((s) => s !== "");
  return segs.length === 1 ? segs[0] : undefined;
}

function operationOf(req: SimHttpRequest): string | undefined {
  const segs = req.path.split("/").filter((s) => s !== "");
  if (segs.length === 0) return req.method === "GET" ? "ListBuckets" : undefined;
  if (segs.length !== 1) return undefined; // object-level APIs are out of scope
  if (req.method === "HEAD") return "HeadBucket";
  if (req.method !== "GET") return undefined;
  for (const key of req.query.keys()) {
    const op = GET_SUBRESOURCES[key];
    if (op) return op;
  }
  return undefined;
}

function xmlResponse(ctx: CallContext, root: XmlFragment, status = 200): SimHttpResponse {
  return {
    status,
    headers: { ...requestHeaders(ctx.requestId), "content-type": "application/xml" },
    body: document(root),
  };
}

function requestHeaders(requestId: string): Record<string, string> {
  return { "x-amz-request-id": requestId, "x-amz-id-2": Buffer.from(requestId).toString("base64") };
}

function isoDate(s: string): string {
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? s : new Date(ms).toISOString();
}

function listBuckets(req: SimHttpRequest, ctx: CallContext): SimHttpResponse {
  const buckets = ctx.account.global.buckets;
  const maxRaw = req.query.get("max-buckets");
  const prefix = req.query.get("prefix") ?? undefined;
  const region = req.query.get("bucket-region") ?? undefined;
  const tokenRaw = req.query.get("continuation-token");
  let max = Number.POSITIVE_INFINITY;
  if (maxRaw !== null) {
    max = Number(maxRaw);
    if (!Number.isInteger(max) || max < 1 || max > 10_000) {
      throw new S3Error(
        "InvalidArgument",
        "Argument max-buckets must be an integer between 1 and 10000",
        400,
      );
    }
  }
  const invalid = () => new S3Error("InvalidArgument", "The continuation token provided is incorrect", 400);
  const start = tokenPosition(tokenRaw ?? undefined, 1, invalid)?.[0] ?? 0;
  const rows: XmlFragment[] = [];
  let i = start;
  for (; i < buckets.size && rows.length < max; i++) {
    const b = buckets.at(i);
    if (prefix !== undefined && !b.Name.startsWith(prefix)) continue;
    if (region !== undefined && b.Region !== region) continue;
    rows.push(
      node(
        "Bucket",
        leaf("Name", b.Name),
        leaf("CreationDate", isoDate(b.CreationDate)),
        leaf("BucketRegion", b.Region),
      ),
    );
  }
  const more = i < buckets.size && Number.isFinite(max);
  return xmlResponse(
    ctx,
    nodeWithAttrs(
      "ListAllMyBucketsResult",
      XMLNS,
      node("Owner", leaf("ID", canonicalUserId(ctx.account.Id))),
      list("Buckets", "Bucket", rows, (f) => f),
      more ? leaf("ContinuationToken", encodeToken([i])) : undefined,
      leaf("Prefix", prefix),
    ),
  );
}

/** The caller's bucket, checked against the signing region unless the operation answers anywhere. */
function bucketFor(op: string, req: SimHttpRequest, ctx: CallContext): SimBucket {
  const name = bucketName(req) ?? "";
  // Bucket names are global, but the simulator only looks in the caller's account: a bucket of
  // another account reads as NoSuchBucket here (AWS would say AccessDenied).
  const bucket = findById(ctx.account.global.buckets, name, (b) => b.Name === name);
  if (!bucket) {
    throw new S3Error("NoSuchBucket", "The specified bucket does not exist", 404, { BucketName: name });
  }
  if (!ANY_REGION.has(op) && bucket.Region !== ctx.region) {
    throw new S3Error(
      "PermanentRedirect",
      "The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.",
      301,
      { Endpoint: `s3.${bucket.Region}.amazonaws.com`, Bucket: name },
      { "x-amz-bucket-region": bucket.Region },
    );
  }
  return bucket;
}

const RESTRICTING_CONDITION_KEYS = [
  "aws:sourcearn",
  "aws:sourceaccount",
  "aws:sourceowner",
  "aws:sourcevpce",
  "aws:sourcevpc",
  "aws:sourceip",
  "aws:principalorgid",
  "aws:principalaccount",
  "aws:principalarn",
  "aws:userid",
];

/**
 * Whether a bucket policy grants public access, approximating S3's evaluation: an Allow to a
 * wildcard principal that no restricting condition key narrows. Malformed policies are not public.
 */
export function policyIsPublic(text: string): boolean {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return false;
  }
  if (typeof doc !== "object" || doc === null) return false;
  const raw = (doc as Record<string, unknown>)["Statement"];
  const statements = Array.isArray(raw) ? raw : [raw];
  return statements.some((st) => {
    if (typeof st !== "object" || st === null) return false;
    const s = st as Record<string, unknown>;
    if (s["Effect"] !== "Allow") return false;
    const p = s["Principal"];
    const aws = typeof p === "object" && p !== null ? (p as Record<string, unknown>)["AWS"] : undefined;
    const wildcard = p === "*" || aws === "*" || (Array.isArray(aws) && aws.includes("*"));
    if (!wildcard) return false;
    const cond = s["Condition"];
    if (typeof cond !== "object" || cond === null) return true;
    const keys = Object.values(cond).flatMap((ops) =>
      typeof ops === "object" && ops !== null ? Object.keys(ops).map((k) => k.toLowerCase()) : [],
    );
    return !keys.some((k) => RESTRICTING_CONDITION_KEYS.includes(k));
  });
}

function bucketOperation(op: string, req: SimHttpRequest, ctx: CallContext): SimHttpResponse {
  const b = bucketFor(op, req, ctx);
  switch (op) {
    case "HeadBucket":
      return {
        status: 200,
        headers: { ...requestHeaders(ctx.requestId), "x-amz-bucket-region": b.Region },
        body: "",
      };
    case "GetBucketLocation":
      // us-east-1 is the empty constraint, as S3 reports it.
      return {
        status: 200,
        headers: { ...requestHeaders(ctx.requestId), "content-type": "application/xml" },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="${XMLNS.xmlns}">${
          b.Region === "us-east-1" ? "" : escapeXml(b.Region)
        }</LocationConstraint>`,
      };
    case "GetBucketPolicy":
      if (b.Policy === null) {
        throw new S3Error("NoSuchBucketPolicy", "The bucket policy does not exist", 404, {
          BucketName: b.Name,
        });
      }
      // The stored text, byte for byte (S3 returns the policy document as the raw body).
      return {
        status: 200,
        headers: { ...requestHeaders(ctx.requestId), "content-type": "application/json" },
        body: b.Policy,
      };
    case "GetBucketPolicyStatus":
      if (b.Policy === null) {
        throw new S3Error("NoSuchBucketPolicy", "The bucket policy does not exist", 404, {
          BucketName: b.Name,
        });
      }
      return xmlResponse(
        ctx,
        nodeWithAttrs("PolicyStatus", XMLNS, leaf("IsPublic", policyIsPublic(b.Policy))),
      );
    case "GetBucketEncryption": {
      // Since January 2023 S3 applies SSE-S3 to every bucket and GetBucketEncryption reports it, so
      // "no explicit configuration" reads as AES256 (never ServerSideEncryptionConfigurationNotFoundError).
      const enc = b.Encryption ?? { SSEAlgorithm: "AES256" as const, BucketKeyEnabled: false };
      return xmlResponse(
        ctx,
        nodeWithAttrs(
          "ServerSideEncryptionConfiguration",
          XMLNS,
          node(
            "Rule",
            node(
              "ApplyServerSideEncryptionByDefault",
              leaf("SSEAlgorithm", enc.SSEAlgorithm),
              leaf("KMSMasterKeyID", enc.KMSMasterKeyID),
            ),
            leaf("BucketKeyEnabled", enc.BucketKeyEnabled),
          ),
        ),
      );
    }
    case "GetPublicAccessBlock": {
      const p = b.PublicAccessBlock;
      if (!p) {
        throw new S3Error(
          "NoSuchPublicAccessBlockConfiguration",
          "The public access block configuration was not found",
          404,
          { BucketName: b.Name },
        );
      }
      return xmlResponse(
        ctx,
        nodeWithAttrs(
          "PublicAccessBlockConfiguration",
          XMLNS,
          leaf("BlockPublicAcls", p.BlockPublicAcls),
          leaf("IgnorePublicAcls", p.IgnorePublicAcls),
          leaf("BlockPublicPolicy", p.BlockPublicPolicy),
          leaf("RestrictPublicBuckets", p.RestrictPublicBuckets),
        ),
      );
    }
    case "GetBucketTagging":
      if (b.Tags.length === 0) {
        throw new S3Error("NoSuchTagSet", "The TagSet does not exist", 404, { BucketName: b.Name });
      }
      return xmlResponse(
        ctx,
        nodeWithAttrs(
          "Tagging",
          XMLNS,
          list("TagSet", "Tag", b.Tags, (t, m) => node(m, leaf("Key", t.Key), leaf("Value", t.Value))),
        ),
      );
    default:
      throw new S3Error("NotImplemented", `The simulator does not implement ${op}`, 501);
  }
}

function renderError(err: SimError, req: SimHttpRequest, requestId: string): SimHttpResponse {
  const extra = err instanceof S3Error ? err.extra : {};
  const headers: Record<string, string> = {
    ...requestHeaders(requestId),
    ...(err instanceof S3Error ? err.headers : {}),
    "content-type": "application/xml",
  };
  // SlowDown is a 503 on S3 whatever status the caller chose.
  const status = err.code === "SlowDown" ? 503 : err.status;
  if (req.method === "HEAD") return { status, headers, body: "" };
  const xml = node(
    "Error",
    leaf("Code", err.code),
    leaf("Message", err.message),
    ...Object.entries(extra).map(([k, v]) => leaf(k, v)),
    leaf("RequestId", requestId),
    leaf("HostId", headers["x-amz-id-2"]),
  );
  return { status, headers, body: document(xml) };
}

export const s3Service: SimService = {
  signingName: "s3",
  throttleCode: "SlowDown",
  operation: operationOf,
  resourceId: (_op, req) => bucketName(req),
  // A SimError propagates: the server renders it with renderError and counts its code.
  handle: (op, req, ctx) => (op === "ListBuckets" ? listBuckets(req, ctx) : bucketOperation(op, req, ctx)),
  error: renderError,
};
