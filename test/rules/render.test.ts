// Message templates are split into parts once; the result must be what one regex replacement over
// the template gives (the previous implementation, kept here as the oracle).
import { describe, expect, it } from "vitest";
import { render } from "../../src/rules/evaluate-rule.js";
import { compilePath, resolvePath } from "../../src/rules/paths.js";
import { loadRules } from "../../src/rules/loader.js";
import { clip } from "../../src/util/text.js";
import type { EvalContext } from "../../src/rules/conditions/index.js";
import type { ResourceRecord } from "../../src/model/resource.js";

const show = (v: unknown): string =>
  v === undefined || v === null ? "(none)" : typeof v === "string" ? v : JSON.stringify(v);

function oracle(template: string, ctx: EvalContext, detail: string): string {
  return template.replace(/\{([^{}]+)\}/g, (_, raw: string) => {
    const name = raw.trim();
    if (name === "detail") return detail;
    if (name.startsWith("param.")) return clip(show(ctx.params[name.slice(6)]), 200);
    const r = resolvePath(compilePath(name), ctx.record);
    return r.kind === "unreadable" ? "(unreadable)" : clip(show(r.value), 200);
  });
}

describe("render", () => {
  it("fills every built-in template as the regex replacement does", () => {
    const record = {
      resourceType: "AWS::S3::Bucket",
      resourceId: `b\u202e${"x".repeat(300)}`,
      resourceName: "bucket $& $1",
      arn: "arn:aws:s3:::bucket",
      accountId: "111122223333",
      region: "eu-west-1",
      configuration: { name: { $unreadable: { errorCode: "AccessDenied", message: "no" } } },
      supplementaryConfiguration: {},
      tags: {},
      references: [],
    } as unknown as ResourceRecord;
    const ctx: EvalContext = { record, params: { days: 90, list: ["a"] }, now: new Date(0) };
    const templates = [
      "{resourceId} in {accountId}/{region}: {detail} ({param.days}, {param.list}, {param.none})",
      "{ configuration.name } {configuration.name.x} {missing} {{resourceName}} {} $& tail",
      ...loadRules().flatMap((r) => [r.messages.pass, r.messages.fail]),
    ];
    for (const t of templates) expect(render(t, ctx, "why $1"), t).toBe(oracle(t, ctx, "why $1"));
  });
});
