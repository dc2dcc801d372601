// The condition language: combinators (all/any/not), comparisons on paths (operators.ts), and
// typed predicates (../predicates/). compile.ts checks a tree at load; evaluate.ts judges a record.
export { compileCondition } from "./compile.js";
export { describeUnreadable, evaluateCondition, judgeOf, outcomeOf } from "./evaluate.js";
export { checkOperand, OPERATOR_NAMES, OPERATORS, operandSchema } from "./operators.js";
export type { FactKind, OperandKind, Operator, OperatorDef } from "./operators.js";
export type * from "./types.js";
