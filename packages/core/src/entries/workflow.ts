/** `@vodsr/core/workflow` — The workflow (ASL) definition as plain data, its state names, event types and the host document parameters. */

export * from '../fleet.js';
export * from '../workflow.js';
