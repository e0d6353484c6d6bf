/** `@vodsr/core/errors` — Coded errors: every code vodsr emits with its HTTP status (`ERROR_CODES`), the error classes and helpers. */
export {
  ERROR_CODES,
  type ErrorCode,
  type ErrorInfo,
  IllegalTransitionError,
  InvalidEventKeyError,
  InvalidS3UriError,
  isVodsrError,
  toErrorInfo,
  UnknownModelError,
  ValidationError,
  type ValidationIssue,
  VodsrError,
} from '../errors.js';
