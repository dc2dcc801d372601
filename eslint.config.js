import js from "@eslint/js";
import tseslint from "typescript-eslint";

// The layers, bottom to top (docs/architecture.md): each may import only the layers listed for it.
// Data flows discover → collect → store → evaluate → report; the simulator is a separate product.
const LAYERS = {
  json: [],
  model: [],
  util: ["json"],
  policy: ["json"],
  aws: ["model", "util", "json"],
  store: ["model", "util", "json"],
  rules: ["policy", "model", "util", "json"],
  collect: ["aws", "store", "model", "util", "json"],
  report: ["store", "rules", "model", "util", "json"],
  app: ["collect", "rules", "store", "report", "aws", "policy", "model", "util", "json"],
  serve: ["app", "store", "report", "rules", "model", "util", "json"],
  cli: ["app", "serve", "collect", "rules", "store", "report", "aws", "policy", "model", "util", "json"],
  sim: ["util", "model", "json"],
};
const ROOMS = [...Object.keys(LAYERS), "version"];

/** A lint rule that rejects, from src/<layer>/, any relative import of a room it may not use. */
function zone(layer, files, extra = []) {
  const allowed = new Set([layer, "version", ...LAYERS[layer], ...extra]);
  const forbidden = ROOMS.filter((r) => !allowed.has(r));
  return {
    files,
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: `^(\\.\\./)+(${forbidden.join("|")})(/|\\.js$)`,
              message: `src/${layer} may import only ${[...allowed].join(", ")} (see docs/architecture.md)`,
            },
          ],
        },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-eval": "error",
      "no-new-func": "error",
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  ...Object.keys(LAYERS)
    .filter((l) => l !== "sim" && l !== "cli")
    .map((l) => zone(l, [`src/${l}/**/*.ts`])),
  // The simulator may use only the product's plain vocabulary; the product never imports it,
  // except the two commands that start it.
  zone("sim", ["src/sim/**/*.ts"]),
  zone("cli", ["src/cli/**/*.ts"]),
  zone("cli", ["src/cli/demo.ts", "src/cli/sim.ts"], ["sim"]),
);
