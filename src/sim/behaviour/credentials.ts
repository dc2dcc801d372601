// Credentials the simulator accepts.
// - Base credentials: one stable access key per account (`AKIASIMX<account id>`), derived from the
//   account id alone so `dpscan sim` can print them and they survive restarts. The management
//   account's pair is what a scan starts with; other accounts' pairs exist for tests.
// - Session credentials from STS AssumeRole: stateless. The session token carries the account,
//   role, session name and expiry, MACed with a key derived from the world seed; the secret is
//   derived from the access key id with the same key. Nothing is stored per session, so a scan of
//   10k accounts costs no server memory, and expiry is checked on every request.
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export interface AccessKeyPair {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SessionCredentials extends AccessKeyPair {
  sessionToken: string;
  /** Epoch milliseconds. */
  expiration: number;
}

/** Who a request's credentials belong to. */
export interface CallerIdentity {
  kind: "base" | "session";
  accountId: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** arn:aws:iam::<acct>:user/dpscan-sim or arn:aws:sts::<acct>:assumed-role/<role>/<session> */
  arn: string;
  /** GetCallerIdentity UserId: AIDA… for users, AROA…:<session> for assumed roles. */
  userId: string;
  roleName?: string;
  sessionName?: string;
  /** Epoch milliseconds (session credentials only). */
  expiresAt?: number;
}

export type ResolveResult =
  | { ok: true; identity: CallerIdentity }
  | { ok: false; reason: "unknown-key" | "invalid-token" | "expired"; identity?: CallerIdentity };

export const BASE_USER_NAME = "dpscan-sim";
const BASE_PREFIX = "AKIASIMX";

const b64 = (buf: Buffer): string => buf.toString("base64");
const sha256 = (s: string): Buffer => createHash("sha256").update(s, "utf8").digest();

/** A deterministic upper-case id body (base32-ish) from a string, as IAM unique ids look. */
export function stableId(prefix: string, seed: string, length = 17): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const digest = sha256(seed);
  let out = prefix;
  for (let i = 0; out.length < prefix.length + length; i++) out += alphabet[digest[i % digest.length]! % 32];
  return out;
}

/** The stable base credentials of an account. */
export function baseCredentials(accountId: string): AccessKeyPair {
  return {
    accessKeyId: BASE_PREFIX + accountId,
    secretAccessKey: b64(sha256(`dpscan-sim-base-secret:${accountId}`)).slice(0, 40),
  };
}

/** The account a base access key names, or undefined if it is not one. */
export function accountOfBaseKey(accessKeyId: string): string | undefined {
  return accessKeyId.startsWith(BASE_PREFIX) ? accessKeyId.slice(BASE_PREFIX.length) : undefined;
}

export function roleArn(accountId: string, roleName: string): string {
  return `arn:aws:iam::${accountId}:role/${roleName}`;
}

export function roleId(accountId: string, roleName: string): string {
  return stableId("AROA", `role:${accountId}:${roleName}`);
}

interface TokenPayload {
  v: 1;
  k: string; // access key id
  a: string; // account
  r: string; // role name
  s: string; // session name
  x: number; // expiry, epoch ms
}

export interface CredentialAuthorityOptions {
  /** World seed: session credentials are verifiable by any simulator started on the same world. */
  seed: number;
  /** Clock for expiry, epoch ms (tests move it forward to expire sessions). */
  now?: () => number;
  /** Whether an account id may use base credentials (defaults to any). */
  accountExists?: (accountId: string) => boolean;
}

/** Issues and resolves credentials. */
export class CredentialAuthority {
  private readonly key: Buffer;
  readonly now: () => number;
  private readonly accountExists: (accountId: string) => boolean;

  constructor(opts: CredentialAuthorityOptions) {
    this.key = sha256(`dpscan-sim-sts-key:${opts.seed}`);
    this.now = opts.now ?? Date.now;
    this.accountExists = opts.accountExists ?? (() => true);
  }

  /** Session credentials for `roleName` in `accountId`, valid for `durationSeconds` from now. */
  issueSession(
    accountId: string,
    roleName: string,
    sessionName: string,
    durationSeconds: number,
  ): SessionCredentials {
    const accessKeyId = stableId("ASIA", randomBytes(16).toString("hex"), 16);
    const payload: TokenPayload = {
      v: 1,
      k: accessKeyId,
      a: accountId,
      r: roleName,
      s: sessionName,
      x: this.now() + Math.round(durationSeconds * 1000),
    };
    const body = Buffer.from(JSON.stringify(payload), "utf8").toString("base64url");
    const mac = this.mac(`token:${body}`).toString("base64url");
    return {
      accessKeyId,
      secretAccessKey: this.sessionSecret(accessKeyId),
      sessionToken: `SIM1.${body}.${mac}`,
      expiration: payload.x,
    };
  }

  /** Resolve the credentials a request claims (signature not checked here). */
  resolve(accessKeyId: string, sessionToken: string | undefined): ResolveResult {
    const baseAccount = accountOfBaseKey(accessKeyId);
    if (baseAccount !== undefined) {
      if (!this.accountExists(baseAccount)) return { ok: false, reason: "unknown-key" };
      // A session token sent with long-term keys is invalid on AWS too.
      if (sessionToken) return { ok: false, reason: "invalid-token" };
      return {
        ok: true,
        identity: {
          kind: "base",
          accountId: baseAccount,
          accessKeyId,
          secretAccessKey: baseCredentials(baseAccount).secretAccessKey,
          arn: `arn:aws:iam::${baseAccount}:user/${BASE_USER_NAME}`,
          userId: stableId("AIDA", `user:${baseAccount}:${BASE_USER_NAME}`),
        },
      };
    }
    if (!accessKeyId.startsWith("ASIA")) return { ok: false, reason: "unknown-key" };
    if (!sessionToken) return { ok: false, reason: "invalid-token" };
    const payload = this.verifyToken(sessionToken);
    if (!payload || payload.k !== accessKeyId) return { ok: false, reason: "invalid-token" };
    const identity: CallerIdentity = {
      kind: "session",
      accountId: payload.a,
      accessKeyId,
      secretAccessKey: this.sessionSecret(accessKeyId),
      arn: `arn:aws:sts::${payload.a}:assumed-role/${payload.r}/${payload.s}`,
      userId: `${roleId(payload.a, payload.r)}:${payload.s}`,
      roleName: payload.r,
      sessionName: payload.s,
      expiresAt: payload.x,
    };
    if (this.now() >= payload.x) return { ok: false, reason: "expired", identity };
    return { ok: true, identity };
  }

  private verifyToken(token: string): TokenPayload | undefined {
    const m = /^SIM1\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(token);
    if (!m) return undefined;
    const expected = this.mac(`token:${m[1]!}`);
    const given = Buffer.from(m[2]!, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const p: unknown = JSON.parse(Buffer.from(m[1]!, "base64url").toString("utf8"));
      if (!isPayload(p)) return undefined;
      return p;
    } catch {
      return undefined;
    }
  }

  private sessionSecret(accessKeyId: string): string {
    return b64(this.mac(`secret:${accessKeyId}`)).slice(0, 40);
  }

  private mac(data: string): Buffer {
    return createHmac("sha256", this.key).update(data, "utf8").digest();
  }
}

function isPayload(p: unknown): p is TokenPayload {
  if (typeof p !== "object" || p === null) return false;
  const o = p as Record<string, unknown>;
  return (
    o.v === 1 &&
    typeof o.k === "string" &&
    typeof o.a === "string" &&
    typeof o.r === "string" &&
    typeof o.s === "string" &&
    typeof o.x === "number"
  );
}
