// The framework file format (reports/frameworks/*.yaml) as JSON Schema: the loader validates
// against it and `dpscan schema framework` publishes it (schemas/framework.schema.json), so the
// two cannot drift. Cross-references (rule IDs, source IDs, unique requirement IDs) are checked
// by the loader, which knows the rule set.
import type { JsonObject } from "../model/resource.js";

const text = (description: string): JsonObject => ({ type: "string", minLength: 1, description });
const RULE_ID = "^[a-z0-9]+(-[a-z0-9]+)*$";
const SOURCE_ID = "^[a-z0-9]+(-[a-z0-9]+)*$";

function requirementSchema(): JsonObject {
  return {
    type: "object",
    additionalProperties: false,
    required: ["id", "title"],
    description:
      "One requirement: rules that evidence it (with sources and rationale), or manual, or only sub-requirements",
    properties: {
      id: {
        type: "string",
        minLength: 1,
        maxLength: 40,
        pattern: "^[A-Za-z0-9().-]+$",
        description: "The official ID, exactly as the standard writes it (3.5.1, 164.312(a)(2)(iv), CC6.1)",
      },
      title: text("The official title or requirement statement"),
      description: text("A short description (the requirement's bullets, in brief)"),
      rules: {
        type: "array",
        minItems: 1,
        uniqueItems: true,
        items: { type: "string", pattern: RULE_ID },
        description: "IDs of the rules whose results give evidence for this requirement",
      },
      sources: {
        type: "array",
        minItems: 1,
        uniqueItems: true,
        items: { type: "string", pattern: SOURCE_ID },
        description: "IDs from the file's sources that support the mapping",
      },
      rationale: text("Why these rules evidence the requirement (and where sources disagree, the decision)"),
      limits: text("What the rules cannot show: the part an assessor still examines"),
      manual: text("The requirement cannot be assessed automatically: what the assessor examines instead"),
      requirements: {
        type: "array",
        minItems: 1,
        items: { $ref: "#/definitions/requirement" },
        description: "Sub-requirements",
      },
    },
  };
}

/** The published schema of a framework file (schemas/framework.schema.json). */
export function frameworkSchema(): JsonObject {
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: "https://dpscan.dev/schemas/framework.schema.json",
    title: "dpscan compliance framework",
    type: "object",
    additionalProperties: false,
    required: [
      "id",
      "title",
      "standard",
      "version",
      "publisher",
      "url",
      "description",
      "sources",
      "requirements",
    ],
    properties: {
      id: {
        type: "string",
        pattern: "^[a-z0-9]+([.-][a-z0-9]+)*$",
        description: "Stable framework ID, used by --framework; the file is named ID.yaml",
      },
      title: text("Short title shown on reports"),
      standard: text("The standard's full name"),
      version: text("The version of the standard this file maps"),
      publisher: text("Who publishes the standard"),
      url: { type: "string", pattern: "^https://", description: "Where the standard is published" },
      description: text("What the file covers and how to scope a report to it"),
      sources: {
        type: "array",
        minItems: 1,
        items: {
          type: "object",
          additionalProperties: false,
          required: ["id", "title", "url"],
          properties: {
            id: { type: "string", pattern: SOURCE_ID },
            title: text("The source's name"),
            url: { type: "string", pattern: "^https://" },
          },
        },
        description: "The mappings and texts the requirements cite",
      },
      decisions: {
        type: "array",
        items: { type: "string", minLength: 1 },
        description: "Where sources disagree: what this file decided, and why",
      },
      requirements: { type: "array", minItems: 1, items: { $ref: "#/definitions/requirement" } },
    },
    definitions: { requirement: requirementSchema() },
  };
}
