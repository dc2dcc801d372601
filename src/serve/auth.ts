// API tokens: from a YAML file and/or two environment variables, each with a role. Only their
// SHA-256 digests are kept in memory; a presented token is hashed and compared with every digest
// in constant time (timingSafeEqual on equal-length digests), so neither the match nor its
// position leaks through timing. Tokens are never logged: the access log names the token's name.
import { createHash, timingSafeEqual } from "node:crypto";
import { Ajv } from "ajv";
import { InputError } from "../util/errors.js";
import { issueLines, schemaIssues } from "../util/schema-errors.js";
import { readSourceFile } from "../util/yaml-source.js";

export type Role = "read" | "operator";

export interface Principal {
  name: string;
  role: Role;
}

interface TokenEntry extends Principal {
  digest: Buffer;
}

/** Environment variables holding one token each. */
export const TOKEN_ENV = { read: "DPSCAN_READ_TOKEN", operator: "DPSCAN_OPERATOR_TOKEN" } as const;

/** Shorter tokens are refused: a bearer token is a password that cannot be rate-limited away. */
export const MIN_TOKEN_LENGTH = 24;

const TOKENS_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["tokens"],
  properties: {
    tokens: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["name", "role"],
        oneOf: [{ required: ["token"] }, { required: ["sha256"] }],
        properties: {
          name: { type: "string", pattern: "^[A-Za-z0-9_.@-]{1,64}$" },
          role: { enum: ["read", "operator"] },
          token: { type: "string", minLength: MIN_TOKEN_LENGTH },
          sha256: { type: "string", pattern: "^[0-9a-f]{64}$" },
        },
      },
    },
  },
};

const validateTokens = new Ajv({ allErrors: true, strict: false, verbose: true }).compile(TOKENS_SCHEMA);

const sha256 = (s: string): Buffer => createHash("sha256").update(s, "utf8").digest();

export class TokenSet {
  private constructor(private readonly entries: TokenEntry[]) {}

  static empty(): TokenSet {
    return new TokenSet([]);
  }

  /** Tokens of `file` (when given) and of the environment. */
  static load(file: string | undefined, env: NodeJS.ProcessEnv = process.env): TokenSet {
    const entries: TokenEntry[] = file ? fromFile(file) : [];
    for (const role of ["read", "operator"] as const) {
      const value = env[TOKEN_ENV[role]];
      if (value === undefined || value === "") continue;
      if (value.length < MIN_TOKEN_LENGTH)
        throw new InputError([`${TOKEN_ENV[role]}: a token needs at least ${MIN_TOKEN_LENGTH} characters`]);
      entries.push({ name: `env:${TOKEN_ENV[role]}`, role, digest: sha256(value) });
    }
    return new TokenSet(entries);
  }

  get size(): number {
    return this.entries.length;
  }

  /** The principal a presented token belongs to; every digest is compared, match or not. */
  check(presented: string): Principal | undefined {
    const digest = sha256(presented);
    let found: TokenEntry | undefined;
    for (const e of this.entries) if (timingSafeEqual(e.digest, digest) && !found) found = e;
    return found ? { name: found.name, role: found.role } : undefined;
  }
}

function fromFile(file: string): TokenEntry[] {
  const src = readSourceFile(file);
  if (!validateTokens(src.data))
    throw new InputError(issueLines(src, schemaIssues(validateTokens.errors ?? [], { noun: "field" })));
  const data = src.data as { tokens: { name: string; role: Role; token?: string; sha256?: string }[] };
  return data.tokens.map((t) => ({
    name: t.name,
    role: t.role,
    digest: t.sha256 ? Buffer.from(t.sha256, "hex") : sha256(t.token ?? ""),
  }));
}

/** The token of an Authorization header: `Bearer T`, or Basic with T as the password (browsers). */
export function presentedToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!basic) return undefined;
  const decoded = Buffer.from(basic[1] as string, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon >= 0 ? decoded.slice(colon + 1) : undefined;
}

/** Whether an address is loopback, where the service may run without tokens. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
