/** `@vodsr/core/job` — The job model: schemas (runtime validation + types + JSON Schema), parsing, the status lifecycle, and `prepareJob` (the execution input, built once). */
export * from '../jobSpec.js';
export * from '../lifecycle.js';
export * from '../prepareJob.js';
export * from '../retry.js';
export * from '../schemas.js';
