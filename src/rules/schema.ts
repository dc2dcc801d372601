// The rule file format as JSON Schema. The top-level structure is validated with ajv; conditions
// are validated by compileCondition (precise messages). `publishedRuleSchema()` builds the full
// schema for editors from the same operator table and predicate registry, so the two cannot drift.
import type { JsonObject } from "../model/resource.js";
import { OPERATOR_NAMES, OPERATORS, operandSchema, type PredicateDef } from "./conditions/index.js";
import { SEVERITIES } from "../model/severity.js";
import { REFERENCE_NAMES, typesReferring } from "../model/references.js";

export const EXPECTATIONS = ["PASS", "FAIL", "UNKNOWN", "NOT_APPLICABLE"] as const;
export type Expectation = (typeof EXPECTATIONS)[number];

const stringList: JsonObject = { type: "array", items: { type: "string", minLength: 1 } };

function ruleSchema(condition: JsonObject): JsonObject {
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: "https://dpscan.dev/schemas/rule.schema.json",
    title: "dpscan rule",
    type: "object",
    additionalProperties: false,
    required: [
      "id",
      "title",
      "severity",
      "resourceTypes",
      "description",
      "rationale",
      "remediation",
      "failWhen",
      "messages",
      "examples",
    ],
    properties: {
      id: {
        type: "string",
        pattern: "^[a-z0-9]+(-[a-z0-9]+)*$",
        description: "Stable rule ID; the file is named ID.yaml",
      },
      title: { type: "string", minLength: 1, maxLength: 120 },
      severity: { enum: [...SEVERITIES] },
      resourceTypes: {
        type: "array",
        minItems: 1,
        items: { type: "string", pattern: "^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$" },
      },
      description: { type: "string", minLength: 1 },
      rationale: { type: "string", minLength: 1 },
      remediation: { type: "string", minLength: 1 },
      references: {
        type: "object",
        additionalProperties: false,
        properties: { awsConfig: stringList, securityHub: stringList, urls: stringList },
      },
      parameters: {
        type: "object",
        additionalProperties: {
          type: "object",
          additionalProperties: false,
          required: ["type", "default", "description"],
          properties: {
            type: { enum: ["string", "number", "boolean", "array"] },
            default: {},
            description: { type: "string" },
          },
        },
      },
      requires: {
        description:
          "Paths that must have been collected; missing or unreadable gives UNKNOWN, never PASS. Needed before a predicate that treats absence as meaningful (policyDenies: no policy denies nothing); redundant for a plain comparison on the same path, which is UNKNOWN on a missing or unreadable fact anyway",
        ...stringList,
      },
      appliesWhen: {
        ...condition,
        description: "Resources for which this is false get no result (not applicable)",
      },
      failWhen: {
        ...condition,
        description: "FAIL when true, PASS when false, UNKNOWN when it depends on unreadable facts",
      },
      severityByClass: {
        type: "object",
        description:
          "Raise a FAIL's severity when failWhen's predicates report a class (policyAllows reports the principal class of each grant), e.g. {public-unrestricted: critical}. The loader rejects a class no predicate in failWhen can report",
        additionalProperties: { enum: [...SEVERITIES] },
      },
      messages: {
        type: "object",
        additionalProperties: false,
        required: ["pass", "fail"],
        properties: {
          pass: { type: "string", minLength: 1 },
          fail: { type: "string", minLength: 1 },
        },
      },
      evidence: {
        description:
          "Paths copied into each finding's evidence, and `{related: {via, direction, types}}` entries listing linked records (evidence only: they never change the result)",
        type: "array",
        items: {
          anyOf: [
            { type: "string", minLength: 1 },
            {
              type: "object",
              additionalProperties: false,
              required: ["related"],
              properties: { related: { type: "object" } },
            },
          ],
        },
      },
      examples: {
        type: "array",
        minItems: 2,
        items: {
          type: "object",
          additionalProperties: false,
          required: ["name", "expect", "resource"],
          properties: {
            name: { type: "string", minLength: 1 },
            expect: { enum: [...EXPECTATIONS] },
            params: { type: "object" },
            resource: {
              type: "object",
              description: "A resource record (missing envelope fields get defaults)",
            },
            related: {
              type: "array",
              items: { type: "object" },
              description:
                "Other records of the same scan, for `related` conditions (each names its resourceType; account and region default as for resource)",
            },
          },
        },
      },
    },
  };
}

/** Schema used at load time: conditions are checked by the condition compiler instead. */
export const structuralRuleSchema: JsonObject = ruleSchema({ type: "object" });

/** The full schema published in schemas/rule.schema.json (see `dpscan schema rule`). */
export function publishedRuleSchema(predicates: Iterable<PredicateDef>): JsonObject {
  const param: JsonObject = {
    type: "object",
    required: ["param"],
    additionalProperties: false,
    properties: { param: { type: "string" } },
  };
  const comparisonProps: JsonObject = {
    path: { type: "string", description: "JMESPath into the resource record" },
  };
  for (const op of OPERATOR_NAMES)
    comparisonProps[op] = {
      anyOf: [operandSchema(op) as JsonObject, param],
      description: OPERATORS[op].doc,
    };
  const ref = { $ref: "#/definitions/condition" };
  const alternatives: JsonObject[] = [
    {
      type: "object",
      additionalProperties: false,
      required: ["all"],
      properties: { all: { type: "array", minItems: 1, items: ref } },
    },
    {
      type: "object",
      additionalProperties: false,
      required: ["any"],
      properties: { any: { type: "array", minItems: 1, items: ref } },
    },
    { type: "object", additionalProperties: false, required: ["not"], properties: { not: ref } },
    {
      type: "object",
      additionalProperties: false,
      required: ["path"],
      minProperties: 2,
      maxProperties: 2,
      properties: comparisonProps,
    },
  ];
  alternatives.push({
    type: "object",
    additionalProperties: false,
    required: ["related"],
    description:
      "Records linked to this one by a declared reference (src/model/references.ts). True when one matches `where` (or exists, without `where`); unknown, never false, when none matches but a reference could not be resolved or the related type had a coverage gap in that account and region",
    properties: {
      related: {
        type: "object",
        additionalProperties: false,
        required: ["via"],
        properties: {
          via: { enum: [...REFERENCE_NAMES], description: "The reference to follow" },
          direction: {
            enum: ["forward", "reverse"],
            description:
              "forward (default): the records this one refers to; reverse: the records of `types` that refer to this one",
          },
          types: {
            type: "array",
            minItems: 1,
            items: { enum: [...new Set(REFERENCE_NAMES.flatMap(typesReferring))] },
            description: "reverse only: the referring types to consider",
          },
          where: {
            ...ref,
            description: "Condition on the related record: comparisons and all/any/not only",
          },
        },
      },
    },
  });
  for (const p of predicates) {
    alternatives.push({
      type: "object",
      additionalProperties: false,
      required: [p.name],
      description: p.description,
      properties: { [p.name]: p.argsSchema },
    });
  }
  const schema = ruleSchema(ref);
  schema.definitions = { condition: { oneOf: alternatives } };
  return schema;
}
