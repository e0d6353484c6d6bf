/** `@vodsr/core/errors` — Coded errors: every code vodsr emits with its HTTP status (`ERROR_CODES`), the error classes and helpers. */
export * from '../errors.js';
