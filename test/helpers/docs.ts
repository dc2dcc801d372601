// Docs that restate a registry are generated from it: the README's rule table and condition
// language, each collector's facts in docs/collectors/, and the framework mappings in
// docs/reports.md. A block sits between markers;
// `npm run docs` rewrites the blocks, and test/docs/generated.test.ts fails when one is stale.
import { readFileSync, writeFileSync } from "node:fs";
import { COLLECTORS } from "../../src/collect/registry.js";
import type { Collector } from "../../src/collect/types.js";
import { OPERATORS } from "../../src/rules/conditions/operators.js";
import { loadFrameworks, walkRequirements } from "../../src/report/frameworks.js";
import { loadRules } from "../../src/rules/loader.js";
import { PREDICATES } from "../../src/rules/predicates/index.js";
import type { Rule } from "../../src/rules/rule.js";

export interface Block {
  file: string;
  name: string;
  text: string;
}

const begin = (name: string): string => `<!-- generated: ${name} (npm run docs); do not edit -->`;
const end = (name: string): string => `<!-- end generated: ${name} -->`;

function mdTable(headers: string[], rows: string[][]): string {
  const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
  const widths = headers.map((h, i) => Math.max(h.length, 3, ...rows.map((r) => cell(r[i] ?? "").length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => cell(c).padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [line(headers), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...rows.map(line)].join("\n");
}

function severityText(rule: Rule): string {
  const byClass = rule.source.severityByClass;
  if (!byClass || typeof byClass !== "object" || Array.isArray(byClass)) return rule.severity;
  const raised = Object.entries(byClass).map(([cls, sev]) => `${String(sev)} when ${cls}`);
  return `${rule.severity} (${raised.join(", ")})`;
}

function rulesBlock(rules: Rule[]): string {
  return mdTable(
    ["id", "severity", "title", "AWS Config / Security Hub"],
    rules.map((r) => [
      `\`${r.id}\``,
      severityText(r),
      r.title,
      [...(r.references.awsConfig ?? []).map((c) => `\`${c}\``), ...(r.references.securityHub ?? [])].join(
        ", ",
      ),
    ]),
  );
}

/** Prose from a rule file as one Markdown paragraph; `*` is literal there (policy wildcards), never emphasis. */
function oneParagraph(s: string): string {
  return s.replace(/\s+/g, " ").trim().replace(/\*/g, "\\*");
}

/** docs/rules.md: every rule with what a reader of a finding needs, from the rule files. */
function catalogBlock(rules: Rule[]): string {
  return rules
    .map((r) => {
      const params = Object.entries(r.parameters).map(
        ([name, p]) =>
          `\`${name}\` (${p.type}, default \`${JSON.stringify(p.default)}\`): ${oneParagraph(p.description)}`,
      );
      const refs = [
        ...(r.references.awsConfig ?? []).map((c) => `AWS Config \`${c}\``),
        ...(r.references.securityHub ?? []).map((c) => `Security Hub ${c}`),
        ...(r.references.urls ?? []).map((u) => `<${u}>`),
      ];
      return [
        `## \`${r.id}\``,
        "",
        `**${oneParagraph(r.title)}** — severity ${severityText(r)}; ${r.resourceTypes.map((t) => `\`${t}\``).join(", ")}; [rule file](../rules/${r.id}.yaml).`,
        "",
        oneParagraph(r.description),
        "",
        `_Why:_ ${oneParagraph(r.rationale)}`,
        "",
        `_Remediation:_ ${oneParagraph(r.remediation)}`,
        ...(params.length > 0 ? ["", "_Parameters:_", "", ...params.map((p) => `- ${p}`)] : []),
        ...(refs.length > 0 ? ["", `_References:_ ${refs.join(" · ")}`] : []),
        "",
        `_Examples:_ ${r.examples.map((e) => `${oneParagraph(e.name)} (${e.expect})`).join("; ")}.`,
      ].join("\n");
    })
    .join("\n\n");
}

function conditionsBlock(): string {
  const operators = Object.entries(OPERATORS).map(([op, def]) => `- \`${op}\`: ${def.doc}`);
  const predicates = [...PREDICATES.values()].map((p) => {
    const props = (p.argsSchema.properties ?? {}) as Record<string, unknown>;
    return `- \`${p.name} {${Object.keys(props).join(", ")}}\`: ${p.description}`;
  });
  return [
    "Comparison operators (`{path: <JMESPath>, <op>: <value or {param: NAME}>}`):",
    "",
    ...operators,
    "",
    "Predicates:",
    "",
    ...predicates,
  ].join("\n");
}

function collectorBlock(c: Collector): string {
  const listings = Object.entries(c.listings).map(
    ([op, types]) => `\`${op}\` → ${types.map((t) => `\`${t}\``).join(", ")}`,
  );
  return [
    `Scope \`${c.scope}\`, service \`${c.service}\`; records ${c.resourceTypes.map((t) => `\`${t}\``).join(", ")}.`,
    "",
    `Listings (a denied or failed one leaves these types unexamined: \`UNKNOWN\`): ${listings.join("; ") || "none"}.`,
    "",
    `IAM actions (all in the shipped read-only policy): ${c.actions.map((a) => `\`${a}\``).join(", ")}.`,
  ].join("\n");
}

/** docs/reports.md: every framework's sources, decisions and mappings, from the framework files. */
function mappingsBlock(rules: Rule[]): string {
  const text = (s: string): string => oneParagraph(s).replace(/([_[\]<>])/g, "\\$1");
  return loadFrameworks(rules)
    .map((f) => {
      const lines = [`### ${text(f.title)} (\`${f.id}\`)`, "", text(f.description), "", "Sources:", ""];
      lines.push(...f.sources.map((s) => `- \`${s.id}\`: ${text(s.title)} <${s.url}>`), "");
      if (f.decisions.length > 0)
        lines.push("Decisions where sources disagree:", "", ...f.decisions.map((d) => `- ${text(d)}`), "");
      const rows: string[][] = [];
      for (const { requirement: r } of walkRequirements(f.requirements)) {
        if (r.rules.length > 0)
          rows.push([
            text(r.id),
            r.rules.map((id) => `\`${id}\``).join(", "),
            r.sources.join(", "),
            `${text(r.rationale ?? "")}${r.limits ? ` Not covered: ${text(r.limits)}` : ""}`,
          ]);
        else if (r.manual) rows.push([text(r.id), "manual", "", text(r.manual)]);
      }
      lines.push(mdTable(["requirement", "rules", "sources", "why"], rows));
      return lines.join("\n");
    })
    .join("\n\n");
}

export function generatedBlocks(): Block[] {
  const rules = loadRules();
  return [
    { file: "docs/reports.md", name: "mappings", text: mappingsBlock(rules) },
    { file: "README.md", name: "rules", text: rulesBlock(rules) },
    { file: "docs/rules.md", name: "catalog", text: catalogBlock(rules) },
    { file: "README.md", name: "conditions", text: conditionsBlock() },
    ...COLLECTORS.map((c) => ({
      file: `docs/collectors/${c.name}.md`,
      name: "collector",
      text: collectorBlock(c),
    })),
  ];
}

/** The file's text with the block replaced; throws when the markers are missing. */
export function withBlock(text: string, block: Block): string {
  const a = text.indexOf(begin(block.name));
  const b = text.indexOf(end(block.name));
  if (a < 0 || b < a)
    throw new Error(`${block.file}: no "${begin(block.name)}" … "${end(block.name)}" markers`);
  return `${text.slice(0, a)}${begin(block.name)}\n\n${block.text}\n\n${text.slice(b)}`;
}

export function writeBlocks(blocks: Block[]): void {
  for (const block of blocks) writeFileSync(block.file, withBlock(readFileSync(block.file, "utf8"), block));
}
