/** `@vodsr/core/naming` — Naming and locations: S3 URI/key rules, output names fitted to S3 and file-system limits, execution names. */
export * from '../naming.js';
