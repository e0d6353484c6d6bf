/** `@vodsr/core/backfill` — Backfilling a catalogue: the plan over an S3 listing and its Distributed Map definition. */
export * from '../backfill.js';
export * from '../backfillWorkflow.js';
export * from '../localDistributedMap.js';
