// SigV4 header signing, verified the way AWS does it: parse the Authorization header, rebuild the
// canonical request from what was received, and compare signatures in constant time. The secret of
// every access key is known to the simulator, so it can check what AWS checks.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { SimHttpRequest } from "./service.js";

export interface ParsedAuth {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

export function parseAuthorization(header: string | undefined): ParsedAuth | undefined {
  if (!header) return undefined;
  const m =
    /^AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-fA-F]+)\s*$/.exec(
      header,
    );
  if (!m) return undefined;
  const parts = m[1]!.split("/");
  if (parts.length !== 5 || parts[4] !== "aws4_request") return undefined;
  const [accessKeyId, date, region, service] = parts as [string, string, string, string];
  return {
    accessKeyId,
    date,
    region,
    service,
    signedHeaders: m[2]!.toLowerCase().split(";"),
    signature: m[3]!.toLowerCase(),
  };
}

/** RFC 3986 encoding, as the SDK signer does it. */
const escapeUri = (s: string): string =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const sha256Hex = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string): Buffer =>
  createHmac("sha256", key).update(data, "utf8").digest();

function canonicalPath(rawPath: string, signingName: string): string {
  // S3 signs the path as sent; every other service signs it normalised and encoded once more.
  if (signingName === "s3") return rawPath;
  const segs: string[] = [];
  for (const seg of rawPath.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") segs.pop();
    else segs.push(seg);
  }
  const normalized = `${rawPath.startsWith("/") ? "/" : ""}${segs.join("/")}${segs.length > 0 && rawPath.endsWith("/") ? "/" : ""}`;
  return escapeUri(normalized).replace(/%2F/g, "/");
}

function canonicalQuery(rawQuery: string): string {
  const byKey = new Map<string, string[]>();
  for (const part of rawQuery.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const k = safeDecode(eq < 0 ? part : part.slice(0, eq));
    const v = eq < 0 ? "" : safeDecode(part.slice(eq + 1));
    if (k.toLowerCase() === "x-amz-signature") continue;
    const ek = escapeUri(k);
    const list = byKey.get(ek) ?? [];
    list.push(`${ek}=${escapeUri(v)}`);
    byKey.set(ek, list);
  }
  return [...byKey.keys()]
    .sort()
    .map((k) => byKey.get(k)!.sort().join("&"))
    .join("&");
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function verifySignature(
  req: SimHttpRequest,
  rawPath: string,
  rawQuery: string,
  auth: ParsedAuth,
  secret: string,
): "ok" | "bad-signature" | "payload-hash" {
  const amzDate = req.headers["x-amz-date"];
  if (!amzDate || !amzDate.startsWith(auth.date)) return "bad-signature";
  const declared = req.headers["x-amz-content-sha256"];
  const bodyHash = sha256Hex(req.body);
  if (declared && /^[0-9a-f]{64}$/.test(declared) && declared !== bodyHash) return "payload-hash";
  const payloadHash = declared ?? bodyHash;
  const canonicalHeaders = auth.signedHeaders
    .map((h) => {
      const v = req.headers[h];
      if (v === undefined) return undefined;
      return `${h}:${v
        .replace(/[\r\n]/g, " ")
        .replace(/[ \t]+/g, " ")
        .replace(/^ | $/g, "")}`;
    })
    .filter((x): x is string => x !== undefined);
  if (canonicalHeaders.length !== auth.signedHeaders.length) return "bad-signature";
  const canonicalRequest = [
    req.method,
    canonicalPath(rawPath, auth.service),
    canonicalQuery(rawQuery),
    canonicalHeaders.join("\n") + "\n",
    auth.signedHeaders.join(";"),
    payloadHash,
  ].join("\n");
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonicalRequest)}`;
  let key: Buffer = hmac(`AWS4${secret}`, auth.date);
  for (const part of [auth.region, auth.service, "aws4_request"]) key = hmac(key, part);
  const expected = Buffer.from(createHmac("sha256", key).update(stringToSign, "utf8").digest("hex"), "utf8");
  const given = Buffer.from(auth.signature, "utf8");
  return expected.length === given.length && timingSafeEqual(expected, given) ? "ok" : "bad-signature";
}
