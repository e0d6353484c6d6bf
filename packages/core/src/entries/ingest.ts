/** `@vodsr/core/ingest` — Ingest: the trigger handler logic (S3 records to started executions), its configuration and event types. */
export * from '../ingest.js';
