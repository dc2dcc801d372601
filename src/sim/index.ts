// The simulator's public surface: what the dpscan CLI (`dpscan sim`, `dpscan demo`) may use. The
// product outside src/cli/{sim,demo}.ts never imports the simulator; tests and benchmarks may
// reach into its layers directly.
export { demoScanTarget, demoWorldPath, loadDemoWorld, type ScanTarget } from "./world/demo.js";
export { AUDIT_ROLE_NAME } from "./world/defaults.js";
export { generateWorld, type GenerateOptions } from "./world/generate.js";
export { loadWorldFile, WorldFileError } from "./world/file.js";
export type { World } from "./world/types.js";
export { allServices } from "./services/index.js";
export { startSimulator, type Simulator, type SimulatorOptions } from "./wire/server.js";
