/**
 * The submitted body with the request's idempotency key (an `Idempotency-Key` header) merged in, as every backend
 * validates it; anything that is not a JSON object is passed on for the validator to refuse.
 *
 * @example withIdempotencyKey({ source: 's3://in-bucket/a.mp4' }, 'k1') // { source: …, idempotencyKey: 'k1' }
 */
export function withIdempotencyKey(input: unknown, key: string | undefined): unknown {
  if (key === undefined || typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  return { ...(input as Record<string, unknown>), idempotencyKey: key };
}
