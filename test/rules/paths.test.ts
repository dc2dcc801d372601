// The AST evaluator of src/rules/paths.ts must give what jmespath.search gives, for every expression
// shape the rules use and more, on records with missing, null, empty and mistyped facts.
import jmespath from "jmespath";
import { describe, expect, it } from "vitest";
import { loadRules } from "../../src/rules/loader.js";
import { compilePath, resolvePath } from "../../src/rules/paths.js";

const EXPRESSIONS = [
  "configuration.encrypted",
  "configuration.a.b.c",
  "configuration.list[0]",
  "configuration.list[-1]",
  "configuration.list[5]",
  "configuration.list[].name",
  "configuration.list[*].name",
  "configuration.list[?state=='ACTIVE'].zone",
  "configuration.list[?state != 'ACTIVE'] | [0].zone",
  "configuration.list[?size > `10`].size",
  "configuration.list[?size >= `10` && size < `100`].size",
  "configuration.list[?size <= `3` || !active].name",
  "configuration.nested[][]",
  "configuration.nested[]",
  "configuration.strings[?@ == 'TLSv1' || @ == 'TLSv1.1' || @ == 'SSLv3']",
  "configuration.value || ''",
  "configuration.running || configuration.value || ''",
  "configuration.value && configuration.running",
  "!configuration.value",
  "configuration.[value, running]",
  "configuration.list[0].tags[1].key",
  "configuration.rules[0].apply.algo",
  "configuration.list[?tags[?key=='env']].name",
  "@",
  "configuration",
  '`"literal"`',
  "configuration.list[?zone == `null`].name",
  'configuration.list[?state == `"ACTIVE"`] | length(@)',
  "sort(configuration.list[?state=='ACTIVE'].zone)[0]",
  "configuration.list[1:2]",
  "configuration.*",
  "configuration.running || join('', ['arn:aws:s3:::', configuration.value])",
  "join('-', configuration.strings)",
  "join(', ', configuration.list[].name)",
  "join(`1`, configuration.strings)",
  "join('-')",
  "to_string(configuration.value)",
  "to_string(configuration.a)",
  "to_string(configuration.list)",
  "to_string(configuration.missing)",
  "to_string(configuration.encrypted)",
  "to_string(configuration.value, configuration.running)",
  "join('', ['every ', to_string(configuration.a.b.c), ' days'])",
  "length(configuration.strings)",
  "length(configuration.value)",
  "length(configuration.a)",
  "length(configuration.encrypted)",
  "length(configuration.list[?state=='ACTIVE'])",
];

const DATA: unknown[] = [
  {},
  { configuration: null },
  { configuration: "text" },
  { configuration: [] },
  { configuration: { encrypted: false, value: "", running: null, list: [], nested: [], strings: [] } },
  {
    configuration: {
      encrypted: true,
      value: "on",
      running: "off",
      a: { b: { c: 0 } },
      list: [
        {
          name: "x",
          state: "ACTIVE",
          zone: "a",
          size: 3,
          active: true,
          tags: [{ key: "env" }, { key: "k2" }],
        },
        { name: "y", state: "DOWN", zone: null, size: 50, active: false, tags: [] },
        { name: null, state: "ACTIVE", zone: "b", size: "12", tags: {} },
        7,
        null,
      ],
      nested: [[1, [2]], 3, [], [[4]]],
      strings: ["TLSv1", "TLSv1.2", "SSLv3", 5],
      rules: [{ apply: { algo: "aws:kms" } }],
    },
  },
  { configuration: { list: "not a list", nested: { a: 1 }, strings: null, a: [] } },
  { configuration: { value: "bucket", strings: ["TLSv1", "x"], list: [{ name: "a" }, { name: "b" }] } },
];

describe("paths", () => {
  it("evaluate parsed expressions exactly as jmespath.search does", () => {
    let interpreted = 0;
    for (const source of EXPRESSIONS) {
      const path = compilePath(source);
      if (path.interpretable || path.pure) interpreted++;
      for (const data of DATA) {
        const r = resolvePath(path, data);
        const label = `${source} on ${JSON.stringify(data)}`;
        let want: unknown;
        try {
          want = jmespath.search(data as never, source);
        } catch (err) {
          expect(r, label).toMatchObject({
            kind: "unreadable",
            info: { errorCode: "PathEvaluationError", message: (err as Error).message },
          });
          continue;
        }
        expect(r.kind, label).toBe("value");
        expect(r.kind === "value" ? r.value : "?", label).toEqual(want ?? undefined);
      }
    }
    expect(interpreted).toBeGreaterThan(EXPRESSIONS.length - 6);
  });

  it("evaluate every path of the built-in rules without jmespath.search", () => {
    const sources = new Set<string>();
    const walk = (v: unknown): void => {
      if (!v || typeof v !== "object") return;
      if (Array.isArray(v)) return v.forEach(walk);
      const o = v as Record<string, unknown>;
      if (typeof o.source === "string" && Array.isArray(o.chain)) sources.add(o.source);
      else Object.values(o).forEach(walk);
    };
    walk(loadRules());
    expect(sources.size).toBeGreaterThan(10);
    const fallback = [...sources].filter((s) => {
      const p = compilePath(s);
      return !p.pure && !p.interpretable;
    });
    // Only the CloudHSM rule sorts (a function): it may take the slow path.
    expect(fallback.every((s) => s.includes("sort("))).toBe(true);
  });

  it("still finds an unreadable marker below a projection", () => {
    const marker = { $unreadable: { errorCode: "AccessDenied", message: "no" } };
    const r = resolvePath(compilePath("configuration.list[?state=='ACTIVE'].zone"), {
      configuration: { list: [{ state: "ACTIVE", zone: marker }] },
    });
    expect(r.kind).toBe("unreadable");
    const pure = resolvePath(compilePath("configuration.a.b"), { configuration: { a: marker } });
    expect(pure).toMatchObject({ kind: "unreadable", at: "configuration.a" });
  });
});
