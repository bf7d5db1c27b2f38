// What `enableDynamicExecution()` loads on demand (a dynamic import in
// `Builder.build()`): tasks, their templates, the execution state and
// dispatch. A classic driver, and the main entry's browser bundle, carry none
// of it.
export { DynamicRun } from "./dynamic-run.js";
export { buildTemplates } from "../grouping/task-templates.js";
