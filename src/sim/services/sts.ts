// STS (awsQuery): GetCallerIdentity and AssumeRole. A role can be assumed when it exists in the
// target account's `roles`, trusts the caller's account, and the ExternalId matches when the role
// requires one; otherwise AccessDenied exactly as STS words it.
import { roleId } from "../behaviour/credentials.js";
import { queryService } from "../wire/protocol-query.js";
import type { QueryParams } from "../wire/protocol-query.js";
import type { CallContext, SimService } from "../wire/service.js";
import { SimError } from "../wire/service.js";
import { leaf, node } from "../wire/xml.js";

export const STS_XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/";

const MIN_DURATION = 900;
const MAX_DURATION = 43_200;
/** STS caps sessions obtained by role chaining at one hour. */
const CHAINED_MAX_DURATION = 3_600;

const validation = (message: string): SimError => new SimError("ValidationError", message, 400);

function caller(ctx: CallContext): { arn: string; userId: string; accountId: string; chained: boolean } {
  const c = ctx.caller;
  if (c) return { arn: c.arn, userId: c.userId, accountId: c.accountId, chained: c.kind === "session" };
  return { arn: ctx.callerArn, userId: ctx.callerArn, accountId: ctx.account.Id, chained: false };
}

function assumeRole(p: QueryParams, ctx: CallContext) {
  const arn = p.get("RoleArn");
  const sessionName = p.get("RoleSessionName");
  if (arn === undefined)
    throw validation(
      "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null",
    );
  if (sessionName === undefined) {
    throw validation(
      "1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null",
    );
  }
  if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
    throw validation(
      `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
    );
  }
  const m = /^arn:aws:iam::(\d{12}):role\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]{1,64})$/.exec(arn);
  if (!m) throw validation(`${arn} is invalid`);
  const [, accountId, roleName] = m as unknown as [string, string, string];

  const who = caller(ctx);
  const requested = p.int("DurationSeconds", (raw) =>
    validation(`Value '${raw}' at 'durationSeconds' is not a valid integer`),
  );
  const duration = requested ?? 3600;
  if (duration < MIN_DURATION) {
    throw validation(
      `1 validation error detected: Value '${duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to ${MIN_DURATION}`,
    );
  }
  if (duration > MAX_DURATION) {
    throw validation(
      `1 validation error detected: Value '${duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to ${MAX_DURATION}`,
    );
  }
  if (who.chained && requested !== undefined && duration > CHAINED_MAX_DURATION) {
    throw validation(
      "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
    );
  }

  const denied = new SimError(
    "AccessDenied",
    `User: ${who.arn} is not authorized to perform: sts:AssumeRole on resource: ${arn}`,
    403,
  );
  const target = ctx.world.accounts.get(accountId);
  if (!target || target.Status !== "ACTIVE") throw denied;
  const role = target.roles.find((r) => r.Name === roleName);
  if (!role || !role.TrustedAccounts.includes(who.accountId)) throw denied;
  if (role.ExternalId !== undefined && p.get("ExternalId") !== role.ExternalId) throw denied;

  const authority = ctx.credentials;
  if (!authority) throw new SimError("InternalFailure", "no credential authority configured", 500);
  let seconds = who.chained ? Math.min(duration, CHAINED_MAX_DURATION) : duration;
  const cap = ctx.world.faults.maxSessionDurationSeconds;
  if (cap !== undefined && cap > 0) seconds = Math.min(seconds, cap);
  const creds = authority.issueSession(accountId, roleName, sessionName, seconds);
  return [
    node(
      "Credentials",
      leaf("AccessKeyId", creds.accessKeyId),
      leaf("SecretAccessKey", creds.secretAccessKey),
      leaf("SessionToken", creds.sessionToken),
      leaf("Expiration", new Date(creds.expiration).toISOString()),
    ),
    node(
      "AssumedRoleUser",
      leaf("AssumedRoleId", `${roleId(accountId, roleName)}:${sessionName}`),
      leaf("Arn", `arn:aws:sts::${accountId}:assumed-role/${roleName}/${sessionName}`),
    ),
  ];
}

export function stsService(): SimService {
  return queryService({
    signingName: "sts",
    flavour: "awsQuery",
    xmlns: STS_XMLNS,
    throttleCode: "Throttling",
    operations: {
      GetCallerIdentity: (_p, ctx) => {
        const who = caller(ctx);
        return [leaf("Arn", who.arn), leaf("UserId", who.userId), leaf("Account", who.accountId)];
      },
      AssumeRole: assumeRole,
    },
    resourceId: (operation, p) => (operation === "AssumeRole" ? p.get("RoleArn") : undefined),
  });
}
